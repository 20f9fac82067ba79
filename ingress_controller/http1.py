"""HTTP/1.1 message framing for a proxy (RFC 9112): heads, body lengths, streaming bodies.

Bodies are never buffered whole: `copy_body` relays them piece by piece, passing chunked
encoding through unchanged (it parses the chunk sizes only to find the end).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
CHUNK = 64 * 1024
# RFC 9110 7.6.1: headers meant for one connection only, never forwarded
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization"}


class BadMessage(Exception):
    """A malformed request or response head (400 to a client, 502 from an upstream)."""


@dataclass
class Head:
    start: str                                     # request line or status line
    headers: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k.lower() == name]
        return ", ".join(values) if values else None

    def tokens(self, name: str) -> set[str]:
        """The comma-separated tokens of a header, lower case (`Connection: close, Upgrade`)."""
        return {t.strip().lower() for t in (self.get(name) or "").split(",") if t.strip()}

    def without(self, names: set[str]) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.headers if k.lower() not in names]

    def encode(self) -> bytes:
        lines = [self.start] + [f"{k}: {v}" for k, v in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """The next message head, or None at a clean end of stream before any byte of it."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial.strip():
            return None
        raise BadMessage("connection closed inside a message head") from e
    except asyncio.LimitOverrunError as e:
        raise BadMessage("message head too large") from e
    lines = raw.decode("latin-1").split("\r\n")
    while lines and lines[0] == "":               # tolerate empty lines before a request
        lines.pop(0)
    if not lines:
        raise BadMessage("empty message head")
    head = Head(lines[0])
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadMessage(f"malformed header line {line[:40]!r}")
        head.headers.append((name, value.strip()))
    return head


def body_length(head: Head) -> int | str:
    """`chunked`, or the Content-Length (0 without one: for requests)."""
    if "chunked" in head.tokens("transfer-encoding"):
        return "chunked"
    length = head.get("content-length")
    if length is None:
        return 0
    values = {v.strip() for v in length.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise BadMessage("invalid Content-Length")
    return int(values.pop())


def response_length(head: Head, method: str, status: int) -> int | str:
    """A response's framing: a length, `chunked`, or `close` (read until the end)."""
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return 0
    if "chunked" in head.tokens("transfer-encoding") or head.get("content-length") is not None:
        return body_length(head)
    return "close"


async def copy_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    length: int | str, *, to_chunked: bool = False) -> None:
    """Relay one body. `to_chunked` re-frames a read-until-close body as chunked."""
    if length == "chunked":
        await _copy_chunked(reader, writer)
    elif length == "close":
        while data := await reader.read(CHUNK):
            writer.write(b"%x\r\n%s\r\n" % (len(data), data) if to_chunked else data)
            await writer.drain()
        if to_chunked:
            writer.write(b"0\r\n\r\n")
    else:
        remaining = int(length)
        while remaining:
            data = await reader.read(min(CHUNK, remaining))
            if not data:
                raise BadMessage("body shorter than its Content-Length")
            remaining -= len(data)
            writer.write(data)
            await writer.drain()
    await writer.drain()


async def _copy_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        size_line = await _line(reader)
        writer.write(size_line)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as e:
            raise BadMessage("bad chunk size") from e
        if size == 0:
            while (trailer := await _line(reader)) not in (b"\r\n", b"\n"):
                writer.write(trailer)
            writer.write(b"\r\n")
            return
        remaining = size + 2                       # the data and its CRLF
        while remaining:
            data = await reader.read(min(CHUNK, remaining))
            if not data:
                raise BadMessage("connection closed inside a chunk")
            remaining -= len(data)
            writer.write(data)
        await writer.drain()


async def _line(reader: asyncio.StreamReader) -> bytes:
    line = await reader.readline()
    if not line.endswith(b"\n"):
        raise BadMessage("connection closed inside chunked framing")
    return line


def simple_response(status: int, reason: str, body: str, *, close: bool = False,
                    extra: list[tuple[str, str]] | None = None) -> bytes:
    data = body.encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data))),
               *(extra or [])]
    if close:
        headers.append(("Connection", "close"))
    return Head(f"HTTP/1.1 {status} {reason}", headers).encode() + data
