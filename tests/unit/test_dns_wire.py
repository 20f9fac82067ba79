"""The DNS codec: round trips, name compression, hand-made packets, malformed input."""
from __future__ import annotations

import struct

import pytest

from cluster_dns import wire
from cluster_dns.wire import Message, Question, Record

pytestmark = pytest.mark.unit


def test_query_bytes_match_rfc1035_layout():
    msg = Message(0x1234, wire.RD, [Question("example.com", wire.A)])
    assert wire.encode(msg) == (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                                b"\x07example\x03com\x00\x00\x01\x00\x01")


def test_round_trip_every_record_type():
    records = [
        Record("a.svc.cluster.local", wire.A, 30, "10.96.0.10"),
        Record("a.svc.cluster.local", wire.AAAA, 30, "fd00::1"),
        Record("x.cluster.local", wire.CNAME, 5, "example.com"),
        Record("10.0.96.10.in-addr.arpa", wire.PTR, 30, "kube-dns.kube-system.svc.cluster.local"),
        Record("_dns._udp.kube-dns.kube-system.svc.cluster.local", wire.SRV, 30,
               wire.srv(0, 100, 53, "kube-dns.kube-system.svc.cluster.local")),
        Record("cluster.local", wire.SOA, 30, wire.soa("ns.dns.cluster.local",
                                                        "hostmaster.cluster.local", 7, 7200,
                                                        1800, 86400, 30)),
        Record("dns-version.cluster.local", wire.TXT, 30, ["1.1.0", "second"]),
        Record("cluster.local", wire.NS, 30, "ns.dns.cluster.local"),
        Record("weird.example", 99, 30, b"\x01\x02\x03"),
    ]
    msg = Message(7, wire.QR | wire.AA, [Question("a.svc.cluster.local", wire.A)],
                  answers=records[:5], authority=records[5:7], additional=records[7:])
    back = wire.parse(wire.encode(msg))
    assert back == msg


def test_names_are_compressed():
    name = "web.default.svc.cluster.local"
    msg = Message(1, wire.QR, [Question(name, wire.A)],
                  [Record(name, wire.A, 30, "10.0.0.1"), Record(name, wire.A, 30, "10.0.0.2")])
    data = wire.encode(msg)
    assert data.count(b"\x03web") == 1            # answers point back at the question's name
    assert wire.parse(data).answers[1].data == "10.0.0.2"


def test_parse_follows_pointers_and_keeps_case():
    header = struct.pack("!HHHHHH", 9, 0x8180, 1, 1, 0, 0)
    question = b"\x03Foo\x07Example\x03com\x00\x00\x01\x00\x01"
    answer = b"\xc0\x0c" + struct.pack("!HHIH", wire.A, 1, 60, 4) + bytes([1, 2, 3, 4])
    msg = wire.parse(header + question + answer)
    assert msg.questions == [Question("Foo.Example.com", wire.A)]
    assert msg.answers == [Record("Foo.Example.com", wire.A, 60, "1.2.3.4")]
    assert msg.rcode == wire.NOERROR and msg.flag(wire.QR) and msg.flag(wire.RA)


@pytest.mark.parametrize("data", [
    b"\x00\x01",                                                   # short header
    struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\x05ab",          # label past the end
    struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01",   # pointer loop
    struct.pack("!HHHHHH", 1, 0, 0, 1, 0, 0) + b"\x00" + struct.pack("!HHIH", 1, 1, 0, 40),
])
def test_malformed_input_raises_format_error(data):
    with pytest.raises(wire.FormatError):
        wire.parse(data)


def test_reply_to_copies_id_question_and_rd():
    query = Message(42, wire.RD, [Question("x.cluster.local", wire.SRV)])
    reply = wire.reply_to(query, wire.NXDOMAIN, authoritative=True)
    assert reply.id == 42 and reply.questions == query.questions
    assert reply.flag(wire.QR) and reply.flag(wire.RD) and reply.flag(wire.AA)
    assert reply.rcode == wire.NXDOMAIN


def test_edns_payload_size_read_from_opt():
    query = Message(1, 0, [Question("x", wire.A)], additional=[wire.opt_record(4096)])
    assert wire.edns_payload_size(wire.parse(wire.encode(query))) == 4096
    assert wire.edns_payload_size(Message(1, 0, [Question("x", wire.A)])) is None
