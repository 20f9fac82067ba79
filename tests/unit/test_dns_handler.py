"""The query handler: forwarding, CNAME chasing, truncation, malformed queries, upstream config."""
from __future__ import annotations

import pytest

from cluster_dns import wire
from cluster_dns.forward import Forwarder, nameservers, parse_upstreams
from cluster_dns.handler import DnsHandler
from cluster_dns.resolver import Zone
from cluster_dns.view import SERVICE_INDEXES, SLICE_INDEXES, ClusterView, StaticStore
from cluster_dns.wire import Message, Question, Record

pytestmark = pytest.mark.unit


class CannedUpstream(Forwarder):
    """Answers every forwarded query with fixed A records (the network edge, faked)."""

    def __init__(self, ips=("93.184.216.34",), fail=False):
        super().__init__([("192.0.2.53", 53)])
        self.ips, self.fail, self.asked = ips, fail, []

    async def query(self, data, *, tcp=False):
        msg = wire.parse(data)
        self.asked.append((msg.questions[0].name, tcp))
        if self.fail:
            return None
        reply = wire.reply_to(msg)
        reply.answers = [Record(msg.questions[0].name, wire.A, 60, ip) for ip in self.ips]
        return wire.encode(reply)


def headless(n):
    svc = {"metadata": {"name": "big", "namespace": "default"},
           "spec": {"clusterIP": "None", "ports": []}}
    es = {"metadata": {"name": "big-1", "namespace": "default",
                       "labels": {"kubernetes.io/service-name": "big"}},
          "addressType": "IPv4", "ports": [],
          "endpoints": [{"addresses": [f"10.244.{i // 250}.{i % 250 + 1}"]} for i in range(n)]}
    return svc, es


def handler(upstream=None, services=(), slices=()):
    ext = {"metadata": {"name": "ext", "namespace": "default"},
           "spec": {"type": "ExternalName", "externalName": "example.com"}}
    v = ClusterView(StaticStore([ext, *services], SERVICE_INDEXES),
                    StaticStore(slices, SLICE_INDEXES), None)
    return DnsHandler(v, Zone(), upstream or CannedUpstream())


def query(name, qtype=wire.A, edns=None):
    msg = Message(77, wire.RD, [Question(name, qtype)])
    if edns:
        msg.additional.append(wire.opt_record(edns))
    return wire.encode(msg)


async def test_names_outside_the_zone_are_forwarded_unchanged():
    upstream = CannedUpstream()
    reply = wire.parse(await handler(upstream).handle(query("example.org"), "tcp"))
    assert upstream.asked == [("example.org", True)]
    assert reply.id == 77 and [r.data for r in reply.answers] == ["93.184.216.34"]
    assert not reply.flag(wire.AA)


async def test_upstream_failure_is_servfail():
    reply = wire.parse(await handler(CannedUpstream(fail=True)).handle(query("example.org")))
    assert reply.rcode == wire.SERVFAIL and reply.id == 77


async def test_external_name_cname_is_chased_upstream():
    upstream = CannedUpstream()
    reply = wire.parse(await handler(upstream).handle(query("ext.default.svc.cluster.local")))
    assert [(r.rtype, r.data) for r in reply.answers] == [(wire.CNAME, "example.com"),
                                                          (wire.A, "93.184.216.34")]
    assert upstream.asked == [("example.com", False)]
    assert reply.flag(wire.AA)


async def test_big_udp_answer_is_truncated_but_tcp_is_whole():
    svc, es = headless(60)                 # 60 A records: ~1 KB, over 512 bytes
    h = handler(services=[svc], slices=[es])
    name = "big.default.svc.cluster.local"
    udp = wire.parse(await h.handle(query(name), "udp"))
    assert udp.flag(wire.TC) and udp.answers == []
    tcp = wire.parse(await h.handle(query(name), "tcp"))
    assert not tcp.flag(wire.TC) and len(tcp.answers) == 60
    edns = wire.parse(await h.handle(query(name, edns=4096), "udp"))
    assert not edns.flag(wire.TC) and len(edns.answers) == 60
    assert [r.rtype for r in edns.additional] == [wire.OPT]


async def test_malformed_query_gets_formerr_and_garbage_is_dropped():
    h = handler()
    bad = query("x.cluster.local")[:-3]
    reply = wire.parse(await h.handle(bad))
    assert reply.id == 77 and reply.rcode == wire.FORMERR
    assert await h.handle(b"\x01") is None


async def test_responses_and_non_query_opcodes():
    h = handler()
    response = wire.encode(Message(1, wire.QR, [Question("a.cluster.local", wire.A)]))
    assert await h.handle(response) is None
    notify = wire.encode(Message(2, 4 << 11, [Question("cluster.local", wire.SOA)]))
    assert wire.parse(await h.handle(notify)).rcode == wire.NOTIMP


async def test_metrics_count_requests_and_rcodes():
    h = handler()
    await h.handle(query("nope.default.svc.cluster.local"))
    assert h.metrics.responses.get("NXDOMAIN") == 1
    assert h.metrics.requests.get("udp", "A") == 1
    assert 'coredns_dns_responses_total{rcode="NXDOMAIN"} 1' in h.metrics.text()


def test_upstreams_from_flag_and_resolv_conf(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("# generated\nsearch example\nnameserver 192.0.2.1\nnameserver fd00::53 "
                    "# v6\noptions ndots:1\n")
    assert nameservers(str(conf)) == ["192.0.2.1", "[fd00::53]"]
    assert parse_upstreams("", str(conf)) == [("192.0.2.1", 53), ("fd00::53", 53)]
    assert parse_upstreams("127.0.0.1:5300, [::1]:53,8.8.8.8") == \
        [("127.0.0.1", 5300), ("::1", 53), ("8.8.8.8", 53)]
    assert parse_upstreams("", str(tmp_path / "missing")) == []
