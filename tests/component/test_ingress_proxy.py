"""The reverse proxy alone, over real loopback sockets, with a fixed route table (no api-server):
keep-alive, read-until-close responses, Expect: 100-continue, upgrades, failing upstreams."""
from __future__ import annotations

import asyncio

import pytest

from ingress_controller.backends import Balancer
from ingress_controller.proxy import ProxyServer, Timeouts
from ingress_controller.routing import build_table

pytestmark = pytest.mark.component


class Store:
    def __init__(self, objs, index=None):
        self.objs = {f"{o['metadata']['namespace']}/{o['metadata']['name']}": o for o in objs}
        self.index = index

    def get(self, key, copy_=True):
        return self.objs.get(key)

    def by_index(self, name, value, copy_=True):
        return [o for o in self.objs.values()
                if f"{o['metadata']['namespace']}/{o['metadata']['labels']['svc']}" == value]


async def upstream(handler):
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def proxy_for(ports: dict[str, int], read_s=5.0) -> ProxyServer:
    services = Store([{"metadata": {"name": n, "namespace": "ns"},
                       "spec": {"ports": [{"name": "http", "port": 80}]}} for n in ports])
    slices = Store([{"metadata": {"name": n, "namespace": "ns", "labels": {"svc": n}},
                     "ports": [{"name": "http", "port": p, "protocol": "TCP"}],
                     "endpoints": [{"addresses": ["127.0.0.1"]}]} for n, p in ports.items()])
    ingress = {"metadata": {"name": "i", "namespace": "ns"}, "spec": {"rules": [{"http": {
        "paths": [{"path": f"/{n}", "pathType": "Prefix", "backend": {"service": {
            "name": n, "port": {"number": 80}}}} for n in ports]}}]}}
    table = build_table([ingress])
    return ProxyServer(lambda: table, Balancer(services, slices), host="127.0.0.1", port=0,
                       timeouts=Timeouts(connect_s=1, read_s=read_s, keepalive_s=5))


async def exchange(port, raw: bytes, until: bytes = b"", read_all=False, times=1) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    try:
        if read_all:
            return await asyncio.wait_for(reader.read(), 10)
        data = b""
        while data.count(until) < times:
            chunk = await asyncio.wait_for(reader.read(65536), 10)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        writer.close()


async def test_close_delimited_response_is_rechunked_and_connection_kept():
    async def legacy(reader, writer):              # HTTP/1.0 style: body ends at close
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold-school")
        await writer.drain()
        writer.close()
    server, port = await upstream(legacy)
    proxy = proxy_for({"old": port})
    await proxy.start()
    try:
        one = b"GET /old HTTP/1.1\r\nHost: a\r\n\r\n"
        data = await exchange(proxy.port, one * 2, until=b"\r\n0\r\n\r\n", times=2)
        # both answers on one client connection, each re-framed as chunked
        assert data.count(b"a\r\nold-school\r\n0\r\n\r\n") == 2
        assert data.count(b"Transfer-Encoding: chunked") == 2 and b"Connection: close" not in data
        assert data.count(b"HTTP/1.1 200 OK\r\n") == 2 and b"HTTP/1.0" not in data
    finally:
        proxy.stop()
        await proxy.run()
        server.close()


async def test_expect_100_continue_is_answered_by_the_proxy():
    async def echo(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"expect" not in head.lower()
        body = await reader.readexactly(5)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + body)
        await writer.drain()
    server, port = await upstream(echo)
    proxy = proxy_for({"e": port})
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(b"hello")
        final = await asyncio.wait_for(reader.readuntil(b"hello"), 5)
        assert final.startswith(b"HTTP/1.1 200 OK")
        writer.close()
    finally:
        proxy.stop()
        await proxy.run()
        server.close()


async def test_upgrade_is_spliced_both_ways():
    async def ws(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        assert b"Upgrade: websocket" in head and b"Connection: upgrade" in head
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\n\r\n")
        data = await reader.read(100)
        writer.write(b"echo:" + data)
        await writer.drain()
        writer.close()
    server, port = await upstream(ws)
    proxy = proxy_for({"ws": port})
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 101")
        writer.write(b"ping")
        assert await asyncio.wait_for(reader.read(), 5) == b"echo:ping"
        writer.close()
    finally:
        proxy.stop()
        await proxy.run()
        server.close()


async def test_dead_upstream_is_502_and_silent_upstream_is_504():
    async def silent(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)
    server, port = await upstream(silent)
    dead_server, dead_port = await upstream(lambda r, w: None)
    dead_server.close()
    await dead_server.wait_closed()
    proxy = proxy_for({"silent": port, "dead": dead_port}, read_s=0.5)
    await proxy.start()
    try:
        bad = await exchange(proxy.port, b"GET /dead HTTP/1.1\r\nHost: a\r\n\r\n", read_all=True)
        assert bad.startswith(b"HTTP/1.1 502")
        slow = await exchange(proxy.port, b"GET /silent HTTP/1.1\r\nHost: a\r\n\r\n",
                              read_all=True)
        assert slow.startswith(b"HTTP/1.1 504")
        garbage = await exchange(proxy.port, b"NONSENSE\r\n\r\n", read_all=True)
        assert garbage.startswith(b"HTTP/1.1 400")
    finally:
        proxy.stop()
        await proxy.run()
        server.close()


async def test_http10_client_gets_connection_close():
    async def ok(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
    server, port = await upstream(ok)
    proxy = proxy_for({"ok": port})
    await proxy.start()
    try:
        data = await exchange(proxy.port, b"GET /ok HTTP/1.0\r\nHost: a\r\n\r\n", read_all=True)
        assert data.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in data
        assert data.endswith(b"\r\n\r\nok")
    finally:
        proxy.stop()
        await proxy.run()
        server.close()
