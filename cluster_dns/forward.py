"""Forwarding names outside the cluster to upstream resolvers (as CoreDNS's `forward` plugin).

Each query goes to the upstreams in order until one answers within the timeout. A UDP answer
with the TC bit set is retried over TCP; a client that asked over TCP is forwarded over TCP.
The raw answer bytes are relayed unchanged (the client's query id is kept by the upstream).
"""
from __future__ import annotations

import asyncio
import logging
import struct
from pathlib import Path

from cluster_dns import wire
from machinery.runtime import kv

log = logging.getLogger("cluster_dns.forward")

Upstream = tuple[str, int]


def parse_upstreams(text: str, resolv_conf: str = "/etc/resolv.conf") -> list[Upstream]:
    """`host[:port],...` (IPv6 as `[addr]:port`); empty: the nameservers of resolv.conf."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        items = nameservers(resolv_conf)
    return [_host_port(item) for item in items]


def nameservers(path: str) -> list[str]:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            out.append(f"[{fields[1]}]" if ":" in fields[1] else fields[1])
    return out


def _host_port(item: str) -> Upstream:
    if item.startswith("["):
        host, _, rest = item[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else 53
    host, _, port = item.partition(":")
    return host, int(port) if port else 53


class UdpExchange(asyncio.DatagramProtocol):
    def __init__(self, query_id: int) -> None:
        self.query_id = query_id
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: object) -> None:
        # ignore strays that do not carry our id (spoofing or late answers)
        if len(data) >= 2 and struct.unpack("!H", data[:2])[0] == self.query_id \
                and not self.answer.done():
            self.answer.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc)


class Forwarder:
    def __init__(self, upstreams: list[Upstream], timeout_s: float = 2.0):
        self.upstreams, self.timeout_s = upstreams, timeout_s
        self.failures = 0

    async def query(self, data: bytes, *, tcp: bool = False) -> bytes | None:
        """The first upstream answer to `data`, or None if every upstream failed."""
        for host, port in self.upstreams:
            try:
                if not tcp:
                    answer = await self._udp(host, port, data)
                    if not wire.parse(answer).flag(wire.TC):
                        return answer
                return await self._tcp(host, port, data)
            except (OSError, asyncio.TimeoutError, wire.FormatError) as e:
                self.failures += 1
                log.warning("upstream failed", extra=kv(upstream=f"{host}:{port}",
                                                        error=repr(e)))
        return None

    async def _udp(self, host: str, port: int, data: bytes) -> bytes:
        loop = asyncio.get_running_loop()
        query_id = struct.unpack("!H", data[:2])[0]
        transport, proto = await loop.create_datagram_endpoint(
            lambda: UdpExchange(query_id), remote_addr=(host, port))
        try:
            transport.sendto(data)
            return await asyncio.wait_for(proto.answer, self.timeout_s)
        finally:
            transport.close()

    async def _tcp(self, host: str, port: int, data: bytes) -> bytes:
        async def exchange() -> bytes:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(struct.pack("!H", len(data)) + data)
                await writer.drain()
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                return await reader.readexactly(length)
            finally:
                writer.close()
        try:
            return await asyncio.wait_for(exchange(), self.timeout_s)
        except asyncio.IncompleteReadError as e:
            raise OSError("upstream closed the connection") from e
