"""SPDY/3 framing, just enough to serve kubectl's port-forward (kubectl-contract.md §3.20).

kubectl tunnels a SPDY/3.1 connection through binary websocket messages whose boundaries are
arbitrary, so `SpdyReader.feed()` buffers bytes and returns whole frames. Header blocks are
compressed with one zlib stream per direction for the whole connection, primed with the SPDY/3
dictionary, so a reader and a writer each own their zlib context and must see every frame of
their direction in order.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

VERSION = 3
FLAG_FIN = 0x01
FLAG_UNIDIRECTIONAL = 0x02

SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS = 1, 2, 3, 4
PING, GOAWAY, HEADERS, WINDOW_UPDATE = 6, 7, 8, 9

# RST_STREAM status codes
PROTOCOL_ERROR, INVALID_STREAM, REFUSED_STREAM, CANCEL = 1, 2, 3, 5

MAX_LENGTH = 0xFFFFFF          # a frame's length field is 24 bits
DATA_CHUNK = 32 * 1024         # how much payload we put in one DATA frame

Headers = dict[str, str]       # multiple values are NUL-joined, as on the wire


def _dictionary() -> bytes:
    """The SPDY/3 header-compression dictionary (draft 3, §2.6.10.1): length-prefixed header
    names and values, then a run of common fragments. 1423 bytes, adler32 0xe3c6a7c2."""
    words = ("options head post put delete trace accept accept-charset accept-encoding "
             "accept-language accept-ranges age allow authorization cache-control connection "
             "content-base content-encoding content-language content-length content-location "
             "content-md5 content-range content-type date etag expect expires from host if-match "
             "if-modified-since if-none-match if-range if-unmodified-since last-modified location "
             "max-forwards pragma proxy-authenticate proxy-authorization range referer "
             "retry-after server te trailer transfer-encoding upgrade user-agent vary via "
             "warning www-authenticate method get status").split()
    words += ["200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive",
              "origin"]
    tail = ("100101201202205206300302303304305306307402405406407408409410411412413414415416417"
            "502504505203 Non-Authoritative Information204 No Content301 Moved Permanently"
            "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
            "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct "
            "Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,"
            "image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
            "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8"
            "charset=iso-8859-1,utf-,*,enq=0.")
    body = b"".join(struct.pack(">I", len(w)) + w.encode() for w in words)
    return body + tail.encode()


DICTIONARY = _dictionary()
assert len(DICTIONARY) == 1423 and zlib.adler32(DICTIONARY) == 0xE3C6A7C2


class ProtocolError(Exception):
    """The peer sent something that is not SPDY/3."""


# --- frames -------------------------------------------------------------------------------------

@dataclass
class DataFrame:
    stream_id: int
    data: bytes = b""
    flags: int = 0

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


@dataclass
class SynStream:
    stream_id: int
    headers: Headers = field(default_factory=dict)
    flags: int = 0
    assoc_id: int = 0
    priority: int = 0


@dataclass
class SynReply:
    stream_id: int
    headers: Headers = field(default_factory=dict)
    flags: int = 0


@dataclass
class HeadersFrame:
    stream_id: int
    headers: Headers = field(default_factory=dict)
    flags: int = 0


@dataclass
class RstStream:
    stream_id: int
    status: int


@dataclass
class Settings:
    entries: list[tuple[int, int, int]] = field(default_factory=list)   # (flags, id, value)
    flags: int = 0


@dataclass
class Ping:
    ping_id: int


@dataclass
class GoAway:
    last_stream_id: int
    status: int = 0


@dataclass
class WindowUpdate:
    stream_id: int
    delta: int


@dataclass
class UnknownControl:
    type: int
    flags: int
    payload: bytes


Frame = (DataFrame | SynStream | SynReply | HeadersFrame | RstStream | Settings | Ping | GoAway
         | WindowUpdate | UnknownControl)


# --- header blocks ------------------------------------------------------------------------------

def pack_headers(headers: Headers) -> bytes:
    out = [struct.pack(">I", len(headers))]
    for name, value in headers.items():
        n, v = name.lower().encode(), value.encode()
        out += [struct.pack(">I", len(n)), n, struct.pack(">I", len(v)), v]
    return b"".join(out)


def unpack_headers(block: bytes) -> Headers:
    try:
        (count,), pos, headers = struct.unpack_from(">I", block), 4, {}
        for _ in range(count):
            (n,) = struct.unpack_from(">I", block, pos)
            name = block[pos + 4:pos + 4 + n].decode()
            pos += 4 + n
            (v,) = struct.unpack_from(">I", block, pos)
            headers[name] = block[pos + 4:pos + 4 + v].decode()
            pos += 4 + v
    except (struct.error, UnicodeDecodeError) as e:
        raise ProtocolError(f"bad header block: {e}") from None
    return headers


# --- reading ------------------------------------------------------------------------------------

class SpdyReader:
    """Turns an arbitrarily split byte stream into frames, inflating header blocks in order."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames = []
        while len(self._buf) >= 8:
            length = int.from_bytes(self._buf[5:8], "big")
            if len(self._buf) < 8 + length:
                break
            head, payload = bytes(self._buf[:8]), bytes(self._buf[8:8 + length])
            del self._buf[:8 + length]
            frames.append(self._frame(head, payload))
        return frames

    def _frame(self, head: bytes, payload: bytes) -> Frame:
        word, flags = struct.unpack_from(">I", head)[0], head[4]
        if not word & 0x80000000:
            return DataFrame(word & 0x7FFFFFFF, payload, flags)
        version, ftype = (word >> 16) & 0x7FFF, word & 0xFFFF
        if version != VERSION:
            raise ProtocolError(f"unsupported SPDY version {version}")
        return self._control(ftype, flags, payload)

    def _control(self, ftype: int, flags: int, p: bytes) -> Frame:
        try:
            if ftype == SYN_STREAM:
                sid, assoc = struct.unpack_from(">II", p)
                return SynStream(sid & 0x7FFFFFFF, self._headers(p[10:]), flags,
                                 assoc & 0x7FFFFFFF, p[8] >> 5)
            if ftype in (SYN_REPLY, HEADERS):
                sid = struct.unpack_from(">I", p)[0] & 0x7FFFFFFF
                cls = SynReply if ftype == SYN_REPLY else HeadersFrame
                return cls(sid, self._headers(p[4:]), flags)
            if ftype == RST_STREAM:
                sid, status = struct.unpack_from(">II", p)
                return RstStream(sid & 0x7FFFFFFF, status)
            if ftype == SETTINGS:
                return Settings(_settings_entries(p), flags)
            if ftype == PING:
                return Ping(struct.unpack_from(">I", p)[0])
            if ftype == GOAWAY:
                last, status = struct.unpack_from(">II", p.ljust(8, b"\0"))
                return GoAway(last & 0x7FFFFFFF, status)
            if ftype == WINDOW_UPDATE:
                sid, delta = struct.unpack_from(">II", p)
                return WindowUpdate(sid & 0x7FFFFFFF, delta & 0x7FFFFFFF)
        except struct.error as e:
            raise ProtocolError(f"short control frame type {ftype}: {e}") from None
        return UnknownControl(ftype, flags, p)

    def _headers(self, compressed: bytes) -> Headers:
        try:
            return unpack_headers(self._inflate.decompress(compressed))
        except zlib.error as e:
            raise ProtocolError(f"bad compressed header block: {e}") from None


def _settings_entries(p: bytes) -> list[tuple[int, int, int]]:
    (count,) = struct.unpack_from(">I", p)
    entries = []
    for i in range(count):
        word, value = struct.unpack_from(">II", p, 4 + 8 * i)
        entries.append((word >> 24, word & 0xFFFFFF, value))
    return entries


# --- writing ------------------------------------------------------------------------------------

def _control_frame(ftype: int, flags: int, payload: bytes) -> bytes:
    if len(payload) > MAX_LENGTH:
        raise ValueError("control frame too long")
    return struct.pack(">HHI", 0x8000 | VERSION, ftype, (flags << 24) | len(payload)) + payload


class SpdyWriter:
    """Encodes frames; owns the deflate context, so frames must be sent in encoding order."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 15,
                                         zdict=DICTIONARY)

    def _headers(self, headers: Headers) -> bytes:
        block = pack_headers(headers)
        return self._deflate.compress(block) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def syn_stream(self, stream_id: int, headers: Headers, flags: int = 0,
                   assoc_id: int = 0, priority: int = 0) -> bytes:
        fixed = struct.pack(">IIBB", stream_id, assoc_id, (priority & 0x7) << 5, 0)
        return _control_frame(SYN_STREAM, flags, fixed + self._headers(headers))

    def syn_reply(self, stream_id: int, headers: Headers | None = None, flags: int = 0) -> bytes:
        return _control_frame(SYN_REPLY, flags,
                              struct.pack(">I", stream_id) + self._headers(headers or {}))

    def headers(self, stream_id: int, headers: Headers, flags: int = 0) -> bytes:
        return _control_frame(HEADERS, flags, struct.pack(">I", stream_id) + self._headers(headers))

    @staticmethod
    def data(stream_id: int, data: bytes = b"", fin: bool = False) -> bytes:
        """One or more DATA frames carrying `data`; FIN on the last one."""
        out, view = [], memoryview(data)
        for start in range(0, max(len(data), 1), DATA_CHUNK):
            chunk = bytes(view[start:start + DATA_CHUNK])
            last = start + DATA_CHUNK >= len(data)
            flags = FLAG_FIN if fin and last else 0
            out.append(struct.pack(">II", stream_id & 0x7FFFFFFF, (flags << 24) | len(chunk)))
            out.append(chunk)
        return b"".join(out)

    @staticmethod
    def rst_stream(stream_id: int, status: int) -> bytes:
        return _control_frame(RST_STREAM, 0, struct.pack(">II", stream_id, status))

    @staticmethod
    def settings(entries: list[tuple[int, int, int]], flags: int = 0) -> bytes:
        body = struct.pack(">I", len(entries)) + b"".join(
            struct.pack(">II", (f << 24) | i, v) for f, i, v in entries)
        return _control_frame(SETTINGS, flags, body)

    @staticmethod
    def ping(ping_id: int) -> bytes:
        return _control_frame(PING, 0, struct.pack(">I", ping_id))

    @staticmethod
    def goaway(last_stream_id: int, status: int = 0) -> bytes:
        return _control_frame(GOAWAY, 0, struct.pack(">II", last_stream_id, status))

    @staticmethod
    def window_update(stream_id: int, delta: int) -> bytes:
        return _control_frame(WINDOW_UPDATE, 0, struct.pack(">II", stream_id, delta))
