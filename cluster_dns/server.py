"""The DNS transports: UDP datagrams and TCP streams of length-prefixed messages (RFC 1035 4.2).

Both hand each message to `DnsHandler.handle` in its own task, so a slow upstream never holds
up other clients. A TCP connection may carry several queries (RFC 7766) and is closed after
`idle_timeout_s` without one.
"""
from __future__ import annotations

import asyncio
import logging
import struct
from typing import Any

from cluster_dns.handler import DnsHandler
from machinery.runtime import kv

log = logging.getLogger("cluster_dns.server")


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, handler: DnsHandler, tasks: set[asyncio.Task]) -> None:
        self.handler, self.tasks = handler, tasks
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        task = asyncio.ensure_future(self._answer(data, addr))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, data: bytes, addr: Any) -> None:
        try:
            response = await self.handler.handle(data, "udp")
        except Exception:   # noqa: BLE001 - one bad query must not stop the server
            log.exception("query failed", extra=kv(client=addr[0]))
            return
        if response is not None and self.transport is not None:
            self.transport.sendto(response, addr)


class DnsServer:
    def __init__(self, handler: DnsHandler, host: str = "0.0.0.0", port: int = 53,
                 idle_timeout_s: float = 10.0):
        self.handler, self.host, self.port = handler, host, port
        self.idle_timeout_s = idle_timeout_s
        self.name = "dns-server"
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._stop = asyncio.Event()

    async def start(self) -> None:
        """Bind TCP first (port 0 picks a free one), then UDP on the same port number."""
        loop = asyncio.get_running_loop()
        self._tcp = await asyncio.start_server(self._serve_tcp, self.host, self.port)
        self.port = self._tcp.sockets[0].getsockname()[1]
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(self.handler, self._tasks), local_addr=(self.host, self.port))
        log.info("serving dns", extra=kv(address=f"{self.host}:{self.port}", proto="udp,tcp"))

    @property
    def started(self) -> bool:
        return self._tcp is not None

    async def run(self) -> None:
        if not self.started:
            await self.start()
        try:
            await self._stop.wait()
        finally:
            self.close()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
        for task in list(self._tasks):
            task.cancel()

    async def _serve_tcp(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    prefix = await asyncio.wait_for(reader.readexactly(2), self.idle_timeout_s)
                    data = await asyncio.wait_for(
                        reader.readexactly(struct.unpack("!H", prefix)[0]), self.idle_timeout_s)
                except (asyncio.IncompleteReadError, asyncio.TimeoutError):
                    return
                response = await self.handler.handle(data, "tcp")
                if response is None:
                    return
                writer.write(struct.pack("!H", len(response)) + response)
                await writer.drain()
        except ConnectionError:
            pass
        except Exception:   # noqa: BLE001
            log.exception("tcp query failed")
        finally:
            writer.close()
