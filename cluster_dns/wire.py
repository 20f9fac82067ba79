"""The DNS wire format (RFC 1035, SRV from RFC 2782, EDNS0 OPT from RFC 6891): parse and encode.

Only what a cluster DNS server needs: the header, questions, and records of the types it
answers (A, AAAA, CNAME, PTR, NS, SRV, SOA, TXT); any other record keeps its raw rdata.
Names are compressed on encode (pointers to earlier suffixes) and decompressed on parse.
Malformed input raises `FormatError`, which the server answers with FORMERR.
"""
from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field
from typing import Any

# record types and classes
A, NS, CNAME, SOA, PTR, TXT, AAAA, SRV, OPT, AXFR, ANY = 1, 2, 5, 6, 12, 16, 28, 33, 41, 252, 255
IN = 1
TYPE_NAMES = {A: "A", NS: "NS", CNAME: "CNAME", SOA: "SOA", PTR: "PTR", TXT: "TXT",
              AAAA: "AAAA", SRV: "SRV", OPT: "OPT", AXFR: "AXFR", ANY: "ANY"}
# response codes
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
RCODE_NAMES = {NOERROR: "NOERROR", FORMERR: "FORMERR", SERVFAIL: "SERVFAIL",
               NXDOMAIN: "NXDOMAIN", NOTIMP: "NOTIMP", REFUSED: "REFUSED"}
# header flag bits
QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080


class FormatError(ValueError):
    """The bytes are not a well-formed DNS message."""


@dataclass(frozen=True)
class Question:
    name: str            # without the trailing dot, case as sent
    qtype: int
    qclass: int = IN


@dataclass(frozen=True)
class Record:
    name: str
    rtype: int
    ttl: int
    data: Any            # str for A/AAAA/CNAME/PTR/NS; tuples for SRV/SOA; list[str] for TXT
    rclass: int = IN     # for OPT: the requester's UDP payload size


@dataclass
class Message:
    id: int = 0
    flags: int = 0
    questions: list[Question] = field(default_factory=list)
    answers: list[Record] = field(default_factory=list)
    authority: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)

    @property
    def rcode(self) -> int:
        return self.flags & 0xF

    @property
    def opcode(self) -> int:
        return (self.flags >> 11) & 0xF

    def flag(self, bit: int) -> bool:
        return bool(self.flags & bit)


def srv(priority: int, weight: int, port: int, target: str) -> tuple[int, int, int, str]:
    return (priority, weight, port, target)


def soa(mname: str, rname: str, serial: int, refresh: int, retry: int, expire: int,
        minimum: int) -> tuple:
    return (mname, rname, serial, refresh, retry, expire, minimum)


# --- encoding -----------------------------------------------------------------------------------

class _Writer:
    def __init__(self) -> None:
        self.buf = bytearray()
        self.offsets: dict[str, int] = {}     # lower-cased name suffix -> offset, for pointers

    def name(self, name: str) -> None:
        labels = [label for label in name.rstrip(".").split(".") if label]
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if suffix in self.offsets:
                self.buf += struct.pack("!H", 0xC000 | self.offsets[suffix])
                return
            if len(self.buf) < 0x3FFF:
                self.offsets[suffix] = len(self.buf)
            raw = labels[i].encode("idna" if not labels[i].isascii() else "ascii")
            if not 0 < len(raw) < 64:
                raise ValueError(f"bad label in {name!r}")
            self.buf += bytes([len(raw)]) + raw
        self.buf += b"\x00"

    def record(self, rec: Record) -> None:
        self.name(rec.name)
        self.buf += struct.pack("!HHI", rec.rtype, rec.rclass, rec.ttl)
        length_at = len(self.buf)
        self.buf += b"\x00\x00"
        self._rdata(rec)
        struct.pack_into("!H", self.buf, length_at, len(self.buf) - length_at - 2)

    def _rdata(self, rec: Record) -> None:
        t, d = rec.rtype, rec.data
        if t == A:
            self.buf += ipaddress.IPv4Address(d).packed
        elif t == AAAA:
            self.buf += ipaddress.IPv6Address(d).packed
        elif t in (CNAME, PTR, NS):
            self.name(d)
        elif t == SRV:
            self.buf += struct.pack("!HHH", *d[:3])
            self.name(d[3])     # RFC 2782 forbids compression of the target, but all resolvers
            #                     accept it; we only compress against earlier owner names
        elif t == SOA:
            self.name(d[0])
            self.name(d[1])
            self.buf += struct.pack("!IIIII", *d[2:])
        elif t == TXT:
            for text in d:
                raw = text.encode()[:255]
                self.buf += bytes([len(raw)]) + raw
        else:
            self.buf += bytes(d or b"")


def encode(msg: Message) -> bytes:
    w = _Writer()
    w.buf += struct.pack("!HHHHHH", msg.id, msg.flags, len(msg.questions), len(msg.answers),
                         len(msg.authority), len(msg.additional))
    for q in msg.questions:
        w.name(q.name)
        w.buf += struct.pack("!HH", q.qtype, q.qclass)
    for rec in (*msg.answers, *msg.authority, *msg.additional):
        w.record(rec)
    return bytes(w.buf)


# --- parsing ------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise FormatError("message truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def name(self) -> str:
        labels, pos, jumped, hops = [], self.pos, False, 0
        while True:
            if pos >= len(self.data):
                raise FormatError("name runs past the end")
            length = self.data[pos]
            if length & 0xC0 == 0xC0:
                if pos + 1 >= len(self.data):
                    raise FormatError("truncated pointer")
                hops += 1
                if hops > 64:
                    raise FormatError("compression loop")
                target = ((length & 0x3F) << 8) | self.data[pos + 1]
                if not jumped:
                    self.pos = pos + 2
                pos, jumped = target, True
                continue
            if length & 0xC0:
                raise FormatError("unknown label type")
            pos += 1
            if length == 0:
                break
            labels.append(self.data[pos:pos + length].decode("ascii", "replace"))
            pos += length
        if not jumped:
            self.pos = pos
        return ".".join(labels)

    def record(self) -> Record:
        name = self.name()
        rtype, rclass, ttl, length = self.unpack("!HHIH")
        end = self.pos + length
        if end > len(self.data):
            raise FormatError("rdata runs past the end")
        data = self._rdata(rtype, length, end)
        self.pos = end
        return Record(name, rtype, ttl, data, rclass)

    def _rdata(self, rtype: int, length: int, end: int) -> Any:
        if rtype == A and length == 4:
            return str(ipaddress.IPv4Address(self.take(4)))
        if rtype == AAAA and length == 16:
            return str(ipaddress.IPv6Address(self.take(16)))
        if rtype in (CNAME, PTR, NS):
            return self.name()
        if rtype == SRV:
            return (*self.unpack("!HHH"), self.name())
        if rtype == SOA:
            return (self.name(), self.name(), *self.unpack("!IIIII"))
        if rtype == TXT:
            texts = []
            while self.pos < end:
                n = self.take(1)[0]
                texts.append(self.take(n).decode("utf-8", "replace"))
            return texts
        return self.take(length)


def parse(data: bytes) -> Message:
    r = _Reader(data)
    ident, flags, qd, an, ns, ar = r.unpack("!HHHHHH")
    msg = Message(ident, flags)
    for _ in range(qd):
        name = r.name()
        qtype, qclass = r.unpack("!HH")
        msg.questions.append(Question(name, qtype, qclass))
    msg.answers = [r.record() for _ in range(an)]
    msg.authority = [r.record() for _ in range(ns)]
    msg.additional = [r.record() for _ in range(ar)]
    return msg


def reply_to(query: Message, rcode: int = NOERROR, *, authoritative: bool = False) -> Message:
    """An empty response to `query`: same id and question, RD copied, RA set."""
    flags = QR | (query.flags & RD) | RA | (query.opcode << 11) | rcode
    if authoritative:
        flags |= AA
    return Message(query.id, flags, list(query.questions))


def edns_payload_size(query: Message) -> int | None:
    """The UDP payload size the client advertised in its OPT record, if any."""
    for rec in query.additional:
        if rec.rtype == OPT:
            return max(512, rec.rclass)
    return None


def opt_record(payload_size: int) -> Record:
    return Record("", OPT, 0, b"", payload_size)
