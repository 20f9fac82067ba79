"""The kubelet's plain-HTTP health endpoint (10248): /healthz and a few /metrics gauges."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

log = logging.getLogger("kubelet.healthz")


class HealthzServer:
    def __init__(self, host: str, port: int, healthy: Callable[[], bool],
                 metrics: Callable[[], dict[str, float]]):
        self.host, self.port, self.healthy, self.metrics = host, port, healthy, metrics
        self.name = "healthz"
        self._server: asyncio.AbstractServer | None = None

    async def run(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        async with self._server:
            await self._server.serve_forever()

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5)
            while (await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b"\n", b""):
                pass
            path = request.split(b" ")[1].decode() if request.count(b" ") >= 2 else "/"
            code, body = self._answer(path.split("?")[0])
            writer.write(f"HTTP/1.1 {code}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                         + body)
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self, path: str) -> tuple[str, bytes]:
        if path in ("/healthz", "/livez", "/readyz"):
            return ("200 OK", b"ok") if self.healthy() else \
                ("500 Internal Server Error", b"[-]pleg failed\nhealthz check failed")
        if path == "/metrics":
            lines = [f"{name} {value}" for name, value in sorted(self.metrics().items())]
            return "200 OK", ("\n".join(lines) + "\n").encode()
        return "404 Not Found", b"404 page not found\n"
