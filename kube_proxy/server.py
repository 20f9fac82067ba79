"""`/healthz` and `/metrics`: a small HTTP/1.1 server on asyncio streams (no framework needed).

`/healthz` answers as upstream's proxy health server: 200 with
`{"lastUpdated": ..., "currentTime": ..., "nodeEligible": true}` while the last successful sync
is recent, 503 with the same body once it is older than the health timeout (or before the
first sync).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timezone
from typing import Callable

from machinery.runtime import kv

log = logging.getLogger("kube_proxy.server")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


class HealthState:
    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.time):
        self.timeout_s, self.clock = timeout_s, clock
        self.last_updated: float | None = None

    def updated(self) -> None:
        self.last_updated = self.clock()

    def healthy(self) -> bool:
        return self.last_updated is not None and \
            self.clock() - self.last_updated <= self.timeout_s

    def body(self) -> dict:
        now = self.clock()
        return {"lastUpdated": _iso(self.last_updated) if self.last_updated else "",
                "currentTime": _iso(now),
                "secondsSinceLastUpdate": (round(now - self.last_updated, 3)
                                           if self.last_updated else None),
                "nodeEligible": True}


Route = Callable[[], tuple[int, str, str]]      # -> (status, content type, body)


class HttpServer:
    """Serves fixed GET routes on one address; `port=0` picks a free port (see `.port`)."""

    def __init__(self, name: str, host: str, port: int, routes: dict[str, Route]):
        self.name, self.host, self.port, self.routes = name, host, port, routes
        self._server: asyncio.base_events.Server | None = None
        self._stop = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("serving", extra=kv(server=self.name, address=f"{self.host}:{self.port}"))

    async def run(self) -> None:
        if self._server is None:
            await self.start()
        try:
            await self._stop.wait()
        finally:
            self._server.close()
            await self._server.wait_closed()

    def stop(self) -> None:
        self._stop.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1")
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass                                          # headers are not needed
            method, _, rest = request.partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            route = self.routes.get(path)
            if method not in ("GET", "HEAD"):
                status, ctype, body = 405, "text/plain", "method not allowed\n"
            elif route is None:
                status, ctype, body = 404, "text/plain", "404 page not found\n"
            else:
                status, ctype, body = route()
            data = body.encode()
            head = (f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
                    f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\n"
                    "Connection: close\r\n\r\n").encode()
            writer.write(head + (data if method != "HEAD" else b""))
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError, UnicodeError):
            pass
        finally:
            writer.close()


_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed",
            503: "Service Unavailable"}


def health_route(state: HealthState) -> Route:
    def route() -> tuple[int, str, str]:
        status = 200 if state.healthy() else 503
        return status, "application/json", json.dumps(state.body())
    return route
