"""A websocket client for the api-server's connections to kubelets.

kubectl's subprotocol names are not RFC 7230 tokens (`SPDY/3.1+portforward.k8s.io` has '/' and
'+'), and the `websockets` client refuses such a name in the server's answer. So the upgrade is
done here by hand, and `websockets`' sans-I/O Protocol does the framing (masking, ping/pong,
close). A refused upgrade raises the kubelet's answer (status and body) so the caller can show
the client why.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import ssl

from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HEAD_LIMIT = 64 * 1024
BODY_LIMIT = 64 * 1024
READ_CHUNK = 64 * 1024


class UpgradeRefused(Exception):
    def __init__(self, status: int, body: bytes):
        super().__init__(f"upgrade refused with {status}")
        self.status, self.body = status, body


class HandshakeError(Exception):
    """The peer did not answer like a websocket server."""


def _accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


class KubeletWebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 subprotocol: str | None):
        self._reader, self._writer = reader, writer
        self.subprotocol = subprotocol
        self._proto = Protocol(Side.CLIENT, max_size=None)
        self._fragments: list[bytes] = []
        self._opcode: Opcode | None = None
        self._pending: list[bytes | str] = []

    @classmethod
    async def connect(cls, host: str, port: int, path: str, context: ssl.SSLContext,
                      protocols: list[str], timeout_s: float) -> "KubeletWebSocket":
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, limit=HEAD_LIMIT), timeout_s)
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                     "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                     "Sec-WebSocket-Version: 13"]
            if protocols:
                lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            await writer.drain()
            status, headers = await asyncio.wait_for(_read_head(reader), timeout_s)
            if status != 101:
                raise UpgradeRefused(status, await _read_body(reader, headers))
            if headers.get("sec-websocket-accept") != _accept_key(key):
                raise HandshakeError("bad Sec-WebSocket-Accept from the kubelet")
            chosen = headers.get("sec-websocket-protocol") or None
            if chosen is not None and chosen not in protocols:
                raise HandshakeError(f"the kubelet chose an unoffered subprotocol {chosen!r}")
        except BaseException:
            writer.close()
            raise
        return cls(reader, writer, chosen)

    async def send(self, message: bytes | str) -> None:
        if isinstance(message, bytes):
            self._proto.send_binary(message)
        else:
            self._proto.send_text(message.encode())
        await self._flush()

    async def recv(self) -> bytes | str | None:
        """The next message; None once the connection is closed."""
        while not self._pending:
            if not await self._read_more():
                return None
        return self._pending.pop(0)

    async def close(self, code: int = 1000) -> None:
        try:
            if self._proto.state.name == "OPEN":
                self._proto.send_close(code)
                await self._flush()
        except (OSError, ConnectionError):
            pass
        finally:
            self._writer.close()

    async def _flush(self) -> None:
        for chunk in self._proto.data_to_send():
            if chunk:
                self._writer.write(chunk)
        await self._writer.drain()

    async def _read_more(self) -> bool:
        if self._proto.state.name == "CLOSED":
            return False
        data = await self._reader.read(READ_CHUNK)
        if data:
            self._proto.receive_data(data)
        else:
            self._proto.receive_eof()
        for event in self._proto.events_received():
            self._on_frame(event)
        await self._flush_quietly()         # pongs and close replies
        return bool(data) or bool(self._pending)

    def _on_frame(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self._opcode, self._fragments = frame.opcode, [frame.data]
        elif frame.opcode == Opcode.CONT:
            self._fragments.append(frame.data)
        else:
            return                          # ping, pong, close: the Protocol handles them
        if frame.fin:
            data = b"".join(self._fragments)
            self._pending.append(data.decode() if self._opcode == Opcode.TEXT else data)
            self._fragments = []

    async def _flush_quietly(self) -> None:
        try:
            await self._flush()
        except (OSError, ConnectionError):
            pass


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
        raise HandshakeError(f"no HTTP response from the kubelet: {e}") from None
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise HandshakeError(f"bad status line from the kubelet: {status_line!r}")
    headers = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    length = headers.get("content-length", "")
    try:
        if length.isdigit():
            return await reader.readexactly(min(int(length), BODY_LIMIT))
        return await reader.read(BODY_LIMIT)
    except (asyncio.IncompleteReadError, OSError) as e:
        return getattr(e, "partial", b"")
