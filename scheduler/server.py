"""A tiny HTTP server for `/healthz`, `/readyz` and `/metrics` (plain HTTP/1.1, GET only).

It is small on purpose: probes and Prometheus scrapes need nothing more, and it starts and
stops instantly inside `serve()`.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from machinery.runtime import kv

log = logging.getLogger("scheduler.server")

Route = Callable[[], tuple[int, str, str]]     # -> (status, content type, body)


class HealthServer:
    def __init__(self, host: str, port: int, routes: dict[str, Route]):
        self.host, self.port, self.routes = host, port, routes
        self.name = "health-server"
        self._server: asyncio.AbstractServer | None = None
        self._stop = asyncio.Event()
        self.bound_port: int | None = None

    async def run(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.bound_port = self._server.sockets[0].getsockname()[1]
        log.info("serving health and metrics", extra=kv(host=self.host, port=self.bound_port))
        async with self._server:
            await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 10)
            while (line := await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass                           # headers are not needed
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) > 1 else "/"
            status, ctype, body = self._route(parts[0] if parts else "", path)
            data = body.encode()
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed",
                      500: "Internal Server Error"}.get(status, "OK")
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                         f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                         + data)
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    def _route(self, method: str, path: str) -> tuple[int, str, str]:
        if method != "GET":
            return 405, "text/plain", "method not allowed\n"
        route = self.routes.get(path)
        if route is None:
            return 404, "text/plain", "404 page not found\n"
        try:
            return route()
        except Exception as e:        # noqa: BLE001 - a broken route must not kill the server
            log.exception("health route failed", extra=kv(path=path))
            return 500, "text/plain", f"{e}\n"
