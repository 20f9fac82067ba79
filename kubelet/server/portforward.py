"""Port-forward over SPDY/3 tunnelled in websocket messages (`SPDY/3.1+portforward.k8s.io`).

kubectl opens two streams per local connection, an error stream and a data stream, tied by
their `requestid` header and naming the pod `port`. Once both exist we dial the pod and copy
bytes: DATA on the data stream to the pod, the pod's bytes back as DATA. When the pod closes,
the data stream gets FIN and the error stream an empty FIN (no error); a failure is written
on the error stream as text, as upstream's kubelet does.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from kubelet.server import spdy

log = logging.getLogger("kubelet.server")

Dial = Callable[[int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
Send = Callable[[bytes], Awaitable[None]]
READ_CHUNK = 32 * 1024


@dataclass
class _Pair:
    key: str
    port: int = 0
    data_id: int | None = None
    error_id: int | None = None
    inbound: asyncio.Queue = field(default_factory=asyncio.Queue)    # bytes | None (= FIN)
    task: asyncio.Task | None = None
    reset: bool = False


class SpdyPortForwarder:
    """One tunnelled SPDY connection. Feed it the client's bytes; it sends frames back."""

    def __init__(self, send: Send, dial: Dial, pod: str = ""):
        self._send_raw, self._dial, self._pod = send, dial, pod
        self._reader, self._writer = spdy.SpdyReader(), spdy.SpdyWriter()
        self._lock = asyncio.Lock()          # frame order = zlib order = wire order
        self._pairs: dict[str, _Pair] = {}
        self._by_stream: dict[int, _Pair] = {}
        self.closed = False

    async def feed(self, data: bytes) -> None:
        for frame in self._reader.feed(data):
            await self._handle(frame)

    async def close(self) -> None:
        self.closed = True
        tasks = [p.task for p in self._pairs.values() if p.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _send(self, encode: Callable[[spdy.SpdyWriter], bytes]) -> None:
        async with self._lock:
            await self._send_raw(encode(self._writer))

    async def _handle(self, frame: spdy.Frame) -> None:
        if isinstance(frame, spdy.SynStream):
            await self._syn_stream(frame)
        elif isinstance(frame, spdy.DataFrame):
            self._data(frame)
        elif isinstance(frame, spdy.RstStream):
            pair = self._by_stream.get(frame.stream_id)
            if pair is not None:
                pair.reset = True
                if pair.task is not None:
                    pair.task.cancel()
        elif isinstance(frame, spdy.Ping):
            await self._send(lambda w: w.ping(frame.ping_id))
        elif isinstance(frame, spdy.GoAway):
            self.closed = True
        # SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do (spdystream has no flow control)

    async def _syn_stream(self, frame: spdy.SynStream) -> None:
        headers, sid = frame.headers, frame.stream_id
        kind = headers.get("streamtype")
        if kind not in ("data", "error") or not headers.get("port", "").isdigit():
            await self._send(lambda w: w.rst_stream(sid, spdy.PROTOCOL_ERROR))
            return
        # Old clients send no requestid: the data stream then follows its error stream.
        key = headers.get("requestid") or str(sid - 2 if kind == "data" else sid)
        pair = self._pairs.setdefault(key, _Pair(key))
        pair.port = int(headers["port"])
        if kind == "data":
            pair.data_id = sid
        else:
            pair.error_id = sid
        self._by_stream[sid] = pair
        await self._send(lambda w: w.syn_reply(sid))
        if pair.data_id is not None and pair.error_id is not None and pair.task is None:
            pair.task = asyncio.create_task(self._forward(pair))

    def _data(self, frame: spdy.DataFrame) -> None:
        pair = self._by_stream.get(frame.stream_id)
        if pair is None or frame.stream_id != pair.data_id:
            return          # the error stream's (empty) half-close, or an unknown stream
        if frame.data:
            pair.inbound.put_nowait(frame.data)
        if frame.fin:
            pair.inbound.put_nowait(None)

    async def _forward(self, pair: _Pair) -> None:
        try:
            await self._copy(pair)
        except asyncio.CancelledError:
            pass            # reset by the client, or the tunnel closed
        except Exception as e:      # the websocket went away under us: nothing left to tell
            log.debug("port-forward stream ended", extra={"port": pair.port, "error": repr(e)})
        finally:
            self._forget(pair)

    async def _copy(self, pair: _Pair) -> None:
        try:
            reader, writer = await self._dial(pair.port)
        except (OSError, asyncio.TimeoutError) as e:
            await self._finish(pair, f"error forwarding port {pair.port} to pod {self._pod}: "
                                     f"{e}")
            return
        upstream = asyncio.create_task(self._to_pod(pair, writer))
        try:
            error = ""
            try:
                while chunk := await reader.read(READ_CHUNK):
                    await self._send(lambda w, c=chunk: w.data(pair.data_id, c))
            except (OSError, ConnectionError) as e:
                error = f"error forwarding port {pair.port} to pod {self._pod}: {e}"
            await self._finish(pair, error)
        finally:
            upstream.cancel()
            writer.close()

    async def _to_pod(self, pair: _Pair, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while (data := await pair.inbound.get()) is not None:
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()      # the local client half-closed: tell the pod

    async def _finish(self, pair: _Pair, error: str) -> None:
        if pair.reset or self.closed:
            return
        await self._send(lambda w: w.data(pair.data_id, b"", fin=True))
        await self._send(lambda w: w.data(pair.error_id, error.encode(), fin=True))

    def _forget(self, pair: _Pair) -> None:
        self._pairs.pop(pair.key, None)
        for sid in (pair.data_id, pair.error_id):
            self._by_stream.pop(sid, None)
