"""Port-forward over plain channel.k8s.io websocket (`v4.channel.k8s.io`, or no subprotocol).

`?port=80&port=443` (or `?port=80,443`) names the ports; port i gets data channel 2i and error
channel 2i+1, and the first message on each channel is the port number (little-endian u16). One
websocket carries one connection per port; it closes when every pod connection has ended.
"""
from __future__ import annotations

import asyncio
import contextlib

from starlette.websockets import WebSocket

from kubelet.server import channels as ch
from kubelet.server.pods import StreamError
from kubelet.server.portforward import READ_CHUNK, Dial
from kubelet.server.wsutil import receive_bytes


def parse_ports(values: list[str]) -> list[int]:
    if not values:
        raise StreamError(400, 'query parameter "port" is required')
    ports = []
    for value in values:
        for part in value.split(","):
            if not part.isdigit() or not 0 < int(part) < 65536:
                raise StreamError(400, f'unable to parse "{value}" as a port')
            ports.append(int(part))
    return ports


async def serve_channels(ws: WebSocket, ports: list[int], dial: Dial, pod: str) -> None:
    """Run every port's connection; the caller has accepted the websocket."""
    lock = asyncio.Lock()

    async def send(channel: int, data: bytes) -> None:
        async with lock:
            await ws.send_bytes(ch.frame(channel, data))

    for i, port in enumerate(ports):
        await send(2 * i, ch.port_prefix(port))
        await send(2 * i + 1, ch.port_prefix(port))
    queues = [asyncio.Queue() for _ in ports]
    forwards = [asyncio.create_task(_forward(i, port, queues[i], send, dial, pod))
                for i, port in enumerate(ports)]
    inbound = asyncio.create_task(_inbound(ws, queues))
    all_done = asyncio.gather(*forwards, return_exceptions=True)
    try:
        await asyncio.wait({inbound, all_done}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (inbound, *forwards):
            task.cancel()
        await asyncio.gather(inbound, *forwards, return_exceptions=True)


async def _inbound(ws: WebSocket, queues: list[asyncio.Queue]) -> None:
    while (message := await receive_bytes(ws)) is not None:
        parts = ch.split(message)
        if parts is None or parts[0] % 2 or parts[0] // 2 >= len(queues):
            continue        # only data channels carry bytes towards the pod
        if parts[1]:
            queues[parts[0] // 2].put_nowait(parts[1])


async def _forward(i: int, port: int, queue: asyncio.Queue, send, dial: Dial, pod: str) -> None:
    try:
        reader, writer = await dial(port)
    except (OSError, asyncio.TimeoutError) as e:
        await send(2 * i + 1, f"error forwarding port {port} to pod {pod}: {e}".encode())
        return
    pump = asyncio.create_task(_to_pod(queue, writer))
    try:
        while chunk := await reader.read(READ_CHUNK):
            await send(2 * i, chunk)
    except (OSError, ConnectionError) as e:
        with contextlib.suppress(Exception):
            await send(2 * i + 1, f"error forwarding port {port}: {e}".encode())
    finally:
        pump.cancel()
        writer.close()


async def _to_pod(queue: asyncio.Queue, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while True:
            writer.write(await queue.get())
            await writer.drain()
