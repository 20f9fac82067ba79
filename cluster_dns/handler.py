"""One DNS query in, one DNS response out: cluster answers, forwarding, CNAME chasing, truncation.

Transport-independent: the UDP and TCP servers call `handle(data, proto)` and send back what it
returns (None: send nothing, e.g. for a stray response packet).
"""
from __future__ import annotations

import logging
import random
import struct
import time

from cluster_dns import wire
from cluster_dns.forward import Forwarder
from cluster_dns.metrics import DnsMetrics
from cluster_dns.resolver import Answer, Zone, resolve
from cluster_dns.view import ClusterView
from cluster_dns.wire import Message, Question

log = logging.getLogger("cluster_dns.handler")

MAX_CNAME_HOPS = 8
UDP_DEFAULT = 512          # without EDNS0 (RFC 1035)
UDP_MAX = 1232             # what we advertise and accept at most (DNS flag day 2020)


class DnsHandler:
    def __init__(self, view: ClusterView, zone: Zone, forwarder: Forwarder,
                 metrics: DnsMetrics | None = None):
        self.view, self.zone, self.forwarder = view, zone, forwarder
        self.metrics = metrics or DnsMetrics()

    async def handle(self, data: bytes, proto: str = "udp") -> bytes | None:
        start = time.monotonic()
        response = await self._respond(data, proto)
        if response is not None and len(response) >= 4:
            self.metrics.responses.inc(wire.RCODE_NAMES.get(response[3] & 0xF, "OTHER"))
        self.metrics.duration.observe(time.monotonic() - start)
        return response

    async def _respond(self, data: bytes, proto: str) -> bytes | None:
        try:
            query = wire.parse(data)
        except wire.FormatError:
            return _formerr(data)
        if query.flag(wire.QR):
            return None
        qtype = query.questions[0].qtype if query.questions else 0
        self.metrics.requests.inc(proto, wire.TYPE_NAMES.get(qtype, "other"))
        if query.opcode != 0:
            return wire.encode(wire.reply_to(query, wire.NOTIMP))
        if len(query.questions) != 1:
            return wire.encode(wire.reply_to(query, wire.FORMERR))
        q = query.questions[0]
        answer = resolve(q, self.view, self.zone) if q.qclass == wire.IN else None
        if answer is None:
            return await self._forward(query, data, proto)
        if q.qtype == wire.AXFR:
            return wire.encode(wire.reply_to(query, wire.REFUSED))
        if answer.chase:
            await self._chase(answer, q.qtype, proto)
        return self._encode(query, answer, proto)

    async def _forward(self, query: Message, data: bytes, proto: str) -> bytes:
        self.metrics.forwarded.inc(",".join(f"{h}:{p}" for h, p in self.forwarder.upstreams))
        answer = await self.forwarder.query(data, tcp=proto == "tcp")
        if answer is None:
            return wire.encode(wire.reply_to(query, wire.SERVFAIL))
        return answer

    async def _chase(self, answer: Answer, qtype: int, proto: str) -> None:
        """Resolve the CNAME target (in the cluster or upstream) and append its records, as a
        recursive resolver would; stub resolvers do not follow a bare CNAME themselves."""
        target, hops = answer.chase, 0
        while target and hops < MAX_CNAME_HOPS:
            hops += 1
            question = Question(target, qtype)
            inner = resolve(question, self.view, self.zone)
            if inner is None:
                answer.answers += await self._upstream_records(question, proto)
                break
            answer.answers += inner.answers
            target = inner.chase
        answer.chase = None

    async def _upstream_records(self, question: Question, proto: str) -> list[wire.Record]:
        query = Message(random.randrange(0x10000), wire.RD, [question])
        raw = await self.forwarder.query(wire.encode(query), tcp=proto == "tcp")
        if raw is None:
            return []
        try:
            return wire.parse(raw).answers
        except wire.FormatError:
            return []

    def _encode(self, query: Message, answer: Answer, proto: str) -> bytes:
        reply = wire.reply_to(query, answer.rcode, authoritative=True)
        reply.answers, reply.authority = answer.answers, answer.authority
        reply.additional = list(answer.additional)
        client_size = wire.edns_payload_size(query)
        if client_size is not None:
            reply.additional.append(wire.opt_record(UDP_MAX))
        data = wire.encode(reply)
        limit = min(client_size or UDP_DEFAULT, UDP_MAX)
        if proto == "udp" and len(data) > limit:
            # too big for the client's UDP buffer: send the header with TC so it retries on TCP
            reply.flags |= wire.TC
            reply.answers, reply.authority = [], []
            reply.additional = [r for r in reply.additional if r.rtype == wire.OPT]
            data = wire.encode(reply)
        return data


def _formerr(data: bytes) -> bytes | None:
    if len(data) < 12:
        return None
    (ident,) = struct.unpack("!H", data[:2])
    return wire.encode(Message(ident, wire.QR | wire.FORMERR))
