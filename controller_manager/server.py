"""The controller-manager's HTTP endpoints on port 10257: /healthz, /readyz and /metrics.

A deliberately small HTTP/1.1 server on asyncio streams (GET only, one response per
connection): probes and scrapers need nothing more, and it leaves signal handling to
`machinery.runtime.serve`. Metrics are gathered at scrape time from callables, in the
Prometheus text format.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable, Iterable

from machinery.runtime import kv

log = logging.getLogger("controller_manager.server")

# name -> (help, type, samples) where samples are (labels, value)
Sample = tuple[dict[str, str], float]
Collector = Callable[[], Iterable[tuple[str, str, str, list[Sample]]]]


def render_metrics(collectors: Iterable[Collector]) -> str:
    lines: list[str] = []
    for collect in collectors:
        for name, help_, type_, samples in collect():
            lines.append(f"# HELP {name} {help_}")
            lines.append(f"# TYPE {name} {type_}")
            for labels, value in samples:
                label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                lines.append(f"{name}{{{label_text}}} {value:g}" if label_text
                             else f"{name} {value:g}")
    return "\n".join(lines) + "\n"


class HealthServer:
    def __init__(self, host: str, port: int, *, healthy: Callable[[], bool] = lambda: True,
                 collectors: list[Collector] | None = None):
        self.host, self.port = host, port
        self.name = "health-server"
        self.healthy = healthy
        self.collectors = collectors or []
        self._stop = asyncio.Event()
        self.bound_port: int | None = None

    async def run(self) -> None:
        server = await asyncio.start_server(self._handle, self.host, self.port)
        self.bound_port = server.sockets[0].getsockname()[1]
        log.info("serving health and metrics", extra=kv(address=f"{self.host}:{self.bound_port}"))
        async with server:
            await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            method, path = _request_line(request)
            status, body, ctype = self._route(method, path)
            head = (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
            writer.write(head.encode() + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError,
                asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    def _route(self, method: str, path: str) -> tuple[str, bytes, str]:
        path = path.split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", b"method not allowed\n", "text/plain"
        if path in ("/healthz", "/livez", "/readyz"):
            if self.healthy():
                return "200 OK", b"ok", "text/plain; charset=utf-8"
            return "500 Internal Server Error", b"unhealthy", "text/plain; charset=utf-8"
        if path == "/metrics":
            text = render_metrics(self.collectors)
            return "200 OK", text.encode(), "text/plain; version=0.0.4; charset=utf-8"
        return "404 Not Found", b"404 page not found\n", "text/plain; charset=utf-8"


def _request_line(request: bytes) -> tuple[str, str]:
    first = request.split(b"\r\n", 1)[0].decode("latin-1")
    parts = first.split(" ")
    if len(parts) != 3:
        raise ValueError("bad request line")
    return parts[0], parts[1]
