"""A tiny HTTP/1.1 server for fixed GET routes (health, readiness, metrics) of a component.

No framework: one request per connection, headers read and ignored, `port=0` picks a free
port (see `.port` after `start()`).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from machinery.runtime import kv

log = logging.getLogger("machinery.status_server")

Route = Callable[[], tuple[int, str, str]]      # -> (status, content type, body)
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed",
            500: "Internal Server Error", 503: "Service Unavailable"}


class StatusServer:
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

    def stop(self) -> None:
        self._stop.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1")
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass
            method, _, rest = line.partition(" ")
            route = self.routes.get(rest.split(" ", 1)[0].split("?", 1)[0])
            if method not in ("GET", "HEAD"):
                status, ctype, body = 405, "text/plain", "method not allowed\n"
            elif route is None:
                status, ctype, body = 404, "text/plain", "404 page not found\n"
            else:
                status, ctype, body = self._call(route)
            data = body.encode()
            writer.write((f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
                          f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\n"
                          "Connection: close\r\n\r\n").encode()
                         + (data if method != "HEAD" else b""))
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError, UnicodeError):
            pass
        finally:
            writer.close()

    def _call(self, route: Route) -> tuple[int, str, str]:
        try:
            return route()
        except Exception as e:        # noqa: BLE001 - a broken route must not kill the server
            log.exception("status route failed", extra=kv(server=self.name))
            return 500, "text/plain", f"{e}\n"
