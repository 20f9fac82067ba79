"""The reverse proxy: HTTP/1.1 on asyncio streams, routed by the current RouteTable.

Per client connection: read a request head, pick the route (Host + path), pick a ready endpoint
(round robin, the next one on a connect failure, as nginx's proxy_next_upstream), relay the
request and the response with streamed bodies, and keep the client connection alive when
HTTP/1.1 allows it. Idle upstream connections are pooled per endpoint. `Upgrade` requests
(WebSocket) are spliced both ways after the 101. Errors are answered as ingress-nginx does: 404
from the default backend when nothing matches, 503 when a Service has no ready endpoint, 502
when no endpoint accepts the connection, 504 when the upstream does not answer in time.
"""
from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from dataclasses import dataclass
from typing import Callable

from ingress_controller import http1
from ingress_controller.backends import Balancer, NoEndpoints, Target
from ingress_controller.http1 import BadMessage, Head
from ingress_controller.metrics import IngressMetrics
from ingress_controller.pool import ConnectionPool, Conn
from ingress_controller.routing import RouteTable, normalize_host
from machinery.runtime import kv

log = logging.getLogger("ingress_controller.proxy")
FORWARDED = {"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
             "x-real-ip", "expect"}


@dataclass
class Timeouts:
    connect_s: float = 5.0
    read_s: float = 60.0           # nginx proxy_read_timeout
    keepalive_s: float = 75.0      # nginx keepalive_timeout


class _Sink:
    """A writer that drops what it is given: for bodies of requests answered without a backend."""

    def write(self, data: bytes) -> None:
        pass

    async def drain(self) -> None:
        pass


class ProxyServer:
    def __init__(self, table: Callable[[], RouteTable], balancer: Balancer, *, host: str,
                 port: int, scheme: str = "http", ssl_context: ssl.SSLContext | None = None,
                 timeouts: Timeouts | None = None, metrics: IngressMetrics | None = None):
        self.table, self.balancer = table, balancer
        self.host, self.port, self.scheme, self.ssl_context = host, port, scheme, ssl_context
        self.timeouts = timeouts or Timeouts()
        self.metrics = metrics or IngressMetrics()
        self.pool = ConnectionPool()
        self.name = f"proxy-{scheme}"
        self._server: asyncio.base_events.Server | None = None
        self._stop = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                  ssl=self.ssl_context, limit=http1.MAX_HEAD)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("serving", extra=kv(scheme=self.scheme, address=f"{self.host}:{self.port}"))

    @property
    def started(self) -> bool:
        return self._server is not None

    async def run(self) -> None:
        if not self.started:
            await self.start()
        try:
            await self._stop.wait()
        finally:
            self._server.close()
            self.pool.close()

    def stop(self) -> None:
        self._stop.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = (writer.get_extra_info("peername") or ("0.0.0.0",))[0]
        try:
            while True:
                try:
                    head = await asyncio.wait_for(http1.read_head(reader),
                                                  self.timeouts.keepalive_s)
                except asyncio.TimeoutError:
                    return
                except BadMessage as e:
                    writer.write(http1.simple_response(400, "Bad Request", f"{e}\n", close=True))
                    return
                if head is None or not await self._exchange(head, reader, writer, peer):
                    return
        except (ConnectionError, BadMessage, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            try:
                await writer.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            writer.close()

    async def _exchange(self, head: Head, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter, peer: str) -> bool:
        """Serve one request; True if the client connection may carry another one."""
        parts = head.start.split(" ")
        if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
            writer.write(http1.simple_response(400, "Bad Request", "bad request line\n",
                                               close=True))
            return False
        method, target, version = parts
        host, target = _host_and_target(head, target)
        length = http1.body_length(head)
        keep = version == "HTTP/1.1" and "close" not in head.tokens("connection")
        table = self.table()
        if self.scheme == "http" and table.redirects_to_https(host):
            location = f"https://{normalize_host(host)}{target}"
            return await self._local(writer, reader, length, keep, 308, "Permanent Redirect",
                                     "", [("Location", location)])
        route = table.match(host, target)
        if route is None:
            self.metrics.count(host, "", "", 404)
            return await self._local(writer, reader, length, keep, 404, "Not Found",
                                     "default backend - 404\n")
        try:
            targets = self.balancer.pick(route.backend)
        except NoEndpoints as e:
            self.metrics.count(host, route.backend.ingress, route.backend.service or "", 503)
            log.debug("no endpoints", extra=kv(backend=route.backend.key, error=str(e)))
            return await self._local(writer, reader, length, keep, 503, "Service Unavailable",
                                     "503 Service Temporarily Unavailable\n")
        if "100-continue" in head.tokens("expect"):
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")      # as nginx: we read the body
        upstream_head = self._upstream_head(head, method, route.upstream_path, host, peer, length)
        status, keep = await self._forward(upstream_head, method, targets, reader, writer,
                                           length, keep)
        self.metrics.count(host, route.backend.ingress, route.backend.service or "", status)
        return keep

    async def _local(self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader,
                     length: int | str, keep: bool, status: int, reason: str, body: str,
                     extra: list[tuple[str, str]] | None = None) -> bool:
        """Answer without a backend, after reading (and dropping) the request body."""
        await http1.copy_body(reader, _Sink(), length)       # type: ignore[arg-type]
        writer.write(http1.simple_response(status, reason, body, close=not keep, extra=extra))
        await writer.drain()
        return keep

    def _upstream_head(self, head: Head, method: str, target: str, host: str, peer: str,
                       length: int | str) -> Head:
        headers = head.without(http1.HOP_BY_HOP | FORWARDED)
        if length == "chunked":
            headers.append(("Transfer-Encoding", "chunked"))
        upgrade = head.get("upgrade")
        if upgrade and "upgrade" in head.tokens("connection"):
            headers += [("Connection", "upgrade"), ("Upgrade", upgrade)]
        else:
            headers.append(("Connection", "keep-alive"))
        earlier = head.get("x-forwarded-for")
        headers += [("X-Request-ID", uuid.uuid4().hex), ("X-Real-IP", peer),
                    ("X-Forwarded-For", f"{earlier}, {peer}" if earlier else peer),
                    ("X-Forwarded-Host", host), ("X-Forwarded-Port", str(self.port)),
                    ("X-Forwarded-Proto", self.scheme)]
        if not head.get("host"):
            headers.append(("Host", host))
        return Head(f"{method} {target} HTTP/1.1", headers)

    async def _forward(self, up_head: Head, method: str, targets: list[Target],
                       reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       length: int | str, keep: bool) -> tuple[int, bool]:
        """Relay the request and its response: (status for metrics, client keep-alive)."""
        # a request without a body may go over a pooled connection, and once more over a
        # fresh one if the pooled one turns out closed by the upstream
        pooled = self.pool.take(targets[0]) if length == 0 else None
        conn = pooled or await self._connect(targets)
        while True:
            if conn is None:
                return await self._fail(writer, 502, "Bad Gateway")
            try:
                conn.writer.write(up_head.encode())
                await http1.copy_body(reader, conn.writer, length)
                resp = await self._response_head(conn, writer)
                break
            except asyncio.TimeoutError:
                conn.close()
                return await self._fail(writer, 504, "Gateway Time-out")
            except (ConnectionError, BadMessage, asyncio.IncompleteReadError) as e:
                conn.close()
                log.debug("upstream failed", extra=kv(target=str(conn.target), error=repr(e)))
                if conn is not pooled:
                    return await self._fail(writer, 502, "Bad Gateway")
                conn = pooled = None
                conn = await self._connect(targets)
        status = await self._relay_response(resp, method, conn, reader, writer, keep)
        return (status or _status(resp)), keep and status > 0

    async def _fail(self, writer: asyncio.StreamWriter, status: int,
                    reason: str) -> tuple[int, bool]:
        writer.write(http1.simple_response(status, reason, f"{status} {reason}\n", close=True))
        return status, False

    async def _connect(self, targets: list[Target]) -> Conn | None:
        for target in targets[:3]:
            try:
                r, w = await asyncio.wait_for(
                    asyncio.open_connection(target.host, target.port, limit=http1.MAX_HEAD),
                    self.timeouts.connect_s)
                return Conn(target, r, w)
            except (OSError, asyncio.TimeoutError) as e:
                log.debug("connect failed", extra=kv(target=str(target), error=repr(e)))
        return None

    async def _response_head(self, conn: Conn, writer: asyncio.StreamWriter) -> Head:
        """The final response head; interim 1xx responses (not 101) go straight to the client."""
        while True:
            resp = await asyncio.wait_for(http1.read_head(conn.reader), self.timeouts.read_s)
            if resp is None:
                raise ConnectionError("upstream closed the connection")
            status = _status(resp)
            if 100 <= status < 200 and status != 101:
                if status != 100:                  # our own 100 Continue was sent already
                    writer.write(resp.encode())
                continue
            return resp

    async def _relay_response(self, resp: Head, method: str, conn: Conn,
                              reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              keep: bool) -> int:
        status = _status(resp)
        if status == 101:
            writer.write(resp.encode())
            await _splice(reader, writer, conn)
            return 0
        length = http1.response_length(resp, method, status)
        headers = resp.without({"connection", "keep-alive", "proxy-connection"})
        to_chunked = length == "close" and keep
        if to_chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        if not keep:
            headers.append(("Connection", "close"))
        # we speak HTTP/1.1 to the client whatever the upstream spoke (as nginx)
        writer.write(Head("HTTP/1.1 " + resp.start.split(" ", 1)[1], headers).encode())
        try:
            await http1.copy_body(conn.reader, writer, length, to_chunked=to_chunked)
        except BadMessage:
            conn.close()
            return 0
        reusable = length != "close" and "close" not in resp.tokens("connection") \
            and resp.start.startswith("HTTP/1.1")
        self.pool.give_back(conn) if reusable else conn.close()
        return status


def _status(head: Head) -> int:
    try:
        return int(head.start.split(" ", 2)[1])
    except (IndexError, ValueError) as e:
        raise BadMessage(f"bad status line {head.start[:40]!r}") from e


def _host_and_target(head: Head, target: str) -> tuple[str, str]:
    """The request's host (Host header, or the authority of an absolute-form target) and
    its origin-form target."""
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        authority, _, path = rest.partition("/")
        return authority, "/" + path
    return head.get("host") or "", target


async def _splice(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Conn) -> None:
    """Both directions of an upgraded connection, until either side closes."""
    async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(http1.CHUNK):
                dst.write(data)
                await dst.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            if dst.can_write_eof():
                try:
                    dst.write_eof()
                except (OSError, RuntimeError):
                    pass

    await asyncio.gather(pump(reader, conn.writer), pump(conn.reader, writer))
    conn.close()
