"""deploy/tcp_lb.py, the HA profile's load balancer, against in-process loopback servers:
round robin, health checks (tcp and HTTP), a refused connection retried on the next backend,
backends taken out and put back, half-close passed through."""
from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

_spec = importlib.util.spec_from_file_location(
    "tcp_lb", Path(__file__).resolve().parents[2] / "deploy" / "tcp_lb.py")
tcp_lb = importlib.util.module_from_spec(_spec)
sys.modules["tcp_lb"] = tcp_lb
_spec.loader.exec_module(tcp_lb)


class NamedServer:
    """A backend that answers every connection with its name, then echoes until EOF."""

    def __init__(self, name: str, http_status: int | None = None):
        self.name = name
        self.http_status = http_status
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, port: int = 0) -> "NamedServer":
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", port,
                                                 reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader, writer):
        if self.http_status is not None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(f"HTTP/1.1 {self.http_status} X\r\nContent-Length: 0\r\n\r\n".encode())
        else:
            writer.write(self.name.encode() + b"\n")
            while data := await reader.read(1024):
                writer.write(data)
        await writer.drain()
        writer.close()

    def backend(self):
        return tcp_lb.Backend("127.0.0.1", self.port)


async def start_lb(balancer) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(balancer.handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def ask(port: int, payload: bytes = b"") -> bytes:
    """Connect, send payload, half-close, read everything."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    writer.write_eof()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


async def test_round_robin_over_healthy_backends_and_half_close():
    a, b = await NamedServer("a").start(), await NamedServer("b").start()
    balancer = tcp_lb.Balancer([a.backend(), b.backend()])
    server, port = await start_lb(balancer)
    try:
        answers = [await ask(port, b"ping") for _ in range(4)]
        assert answers == [b"a\nping", b"b\nping", b"a\nping", b"b\nping"]
        assert [x["served"] for x in balancer.status()] == [2, 2]
    finally:
        server.close()
        await a.stop()
        await b.stop()


async def test_a_refused_connection_goes_to_the_next_backend_and_marks_it_down():
    a, b = await NamedServer("a").start(), await NamedServer("b").start()
    balancer = tcp_lb.Balancer([a.backend(), b.backend()])
    server, port = await start_lb(balancer)
    try:
        await a.stop()
        answers = {await ask(port) for _ in range(4)}
        assert answers == {b"b\n"}              # no client saw the dead backend
        assert [x["healthy"] for x in balancer.status()] == [False, True]
    finally:
        server.close()
        await b.stop()


async def test_health_checks_take_a_backend_out_after_fall_and_back_after_rise():
    a = await NamedServer("a").start()
    backend = a.backend()
    balancer = tcp_lb.Balancer([backend], tcp_lb.HealthCheck("tcp", 0.5), interval_s=0.05,
                               rise=2, fall=2)
    checks = asyncio.create_task(balancer.check_forever())
    try:
        await asyncio.sleep(0.2)
        assert backend.healthy
        await a.stop()
        await _until(lambda: not backend.healthy)
        await a.start(backend.port)
        await _until(lambda: backend.healthy)
    finally:
        checks.cancel()
        await a.stop()


async def test_mark_needs_consecutive_results():
    balancer = tcp_lb.Balancer([tcp_lb.Backend("x", 1)], rise=2, fall=3)
    backend = balancer.backends[0]
    for ok in (False, False, True, False, False):
        balancer.mark(backend, ok)
    assert backend.healthy                     # never three failures in a row
    balancer.mark(backend, False)
    assert not backend.healthy
    balancer.mark(backend, True)
    assert not backend.healthy
    balancer.mark(backend, True)
    assert backend.healthy


async def test_http_health_check_wants_200():
    good, bad = await NamedServer("g", 200).start(), await NamedServer("b", 503).start()
    check = tcp_lb.HealthCheck("http:/readyz", 1.0)
    try:
        assert await check(good.backend()) is True
        assert await check(bad.backend()) is False
        await good.stop()
        assert await check(good.backend()) is False      # refused
    finally:
        await bad.stop()


async def test_unhealthy_backends_are_tried_last_not_never():
    a = await NamedServer("a").start()
    balancer = tcp_lb.Balancer([a.backend()])
    balancer.backends[0].healthy = False
    server, port = await start_lb(balancer)
    try:
        assert await ask(port) == b"a\n"
    finally:
        server.close()
        await a.stop()


def test_parse_address():
    assert tcp_lb.parse_address("apiserver:6443") == ("apiserver", 6443)
    assert tcp_lb.parse_address(":6443") == ("0.0.0.0", 6443)
    with pytest.raises(Exception):
        tcp_lb.parse_address("nohost")


async def _until(predicate, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
