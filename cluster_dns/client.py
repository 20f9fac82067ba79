"""A minimal stub-resolver client: send one question over UDP or TCP and parse the answer.

Used by the tests and handy for debugging (`python -c 'import asyncio, cluster_dns.client as c;
print(asyncio.run(c.query("10.96.0.10", 53, "kubernetes.default.svc.cluster.local")))'`).
"""
from __future__ import annotations

import asyncio
import random
import struct

from cluster_dns import wire
from cluster_dns.forward import UdpExchange


async def query(host: str, port: int, name: str, qtype: int = wire.A, *, tcp: bool = False,
                edns_size: int | None = None, timeout_s: float = 2.0) -> wire.Message:
    msg = wire.Message(random.randrange(0x10000), wire.RD, [wire.Question(name, qtype)])
    if edns_size:
        msg.additional.append(wire.opt_record(edns_size))
    data = wire.encode(msg)
    if tcp:
        raw = await _tcp(host, port, data, timeout_s)
    else:
        raw = await _udp(host, port, data, msg.id, timeout_s)
    return wire.parse(raw)


async def _udp(host: str, port: int, data: bytes, ident: int, timeout_s: float = 2.0) -> bytes:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(lambda: UdpExchange(ident),
                                                           remote_addr=(host, port))
    try:
        transport.sendto(data)
        return await asyncio.wait_for(proto.answer, timeout_s)
    finally:
        transport.close()


async def _tcp(host: str, port: int, data: bytes, timeout_s: float = 2.0) -> bytes:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    try:
        writer.write(struct.pack("!H", len(data)) + data)
        await writer.drain()
        (length,) = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), timeout_s))
        return await asyncio.wait_for(reader.readexactly(length), timeout_s)
    finally:
        writer.close()
