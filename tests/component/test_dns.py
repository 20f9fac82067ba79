"""Cluster DNS in-process against the real api-server, queried over real UDP and TCP sockets.

The DNS server listens on a free port of 127.0.0.1; Services, EndpointSlices and Pods are
created through the API (the slices directly, as no endpointslice controller runs here); names
outside the cluster go to a fake upstream resolver that the test starts.
"""
from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path

import httpx
import yaml
import pytest

from cluster_dns import wire
from cluster_dns.app import ClusterDns
from cluster_dns.client import query
from cluster_dns.settings import DnsSettings
from machinery.api import resources
from tests.helpers import async_eventually

pytestmark = pytest.mark.component

NAMESPACES = resources.lookup("", "v1", "namespaces")
SERVICES = resources.lookup("", "v1", "services")
SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
PODS = resources.lookup("", "v1", "pods")
UPSTREAM_ANSWER = "192.0.2.99"


class FakeUpstream(asyncio.DatagramProtocol):
    """Answers every A question with UPSTREAM_ANSWER and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        msg = wire.parse(data)
        self.asked.append(msg.questions[0].name)
        reply = wire.reply_to(msg)
        reply.answers = [wire.Record(msg.questions[0].name, wire.A, 60, UPSTREAM_ANSWER)]
        self.transport.sendto(wire.encode(reply), addr)


@pytest.fixture
async def upstream():
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(FakeUpstream,
                                                           local_addr=("127.0.0.1", 0))
    proto.port = transport.get_extra_info("sockname")[1]
    yield proto
    transport.close()


@pytest.fixture
async def namespace(api_client):
    name = f"dns-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"metadata": {"name": name}})
    yield name
    await api_client.delete(NAMESPACES, name)


@pytest.fixture
async def dns(api_server, api_client, upstream):
    settings = DnsSettings(kubeconfig=api_server.kubeconfig, bind_address="127.0.0.1", port=0,
                           upstream=f"127.0.0.1:{upstream.port}", upstream_timeout_s=1.0,
                           health_port=0, metrics_port=0, ttl_s=5)
    app = ClusterDns(settings, api_client)
    await app.start()
    task = asyncio.create_task(app.run())
    await async_eventually(lambda: app.ready, timeout=10)
    yield app
    app.stop()
    await asyncio.wait_for(task, 10)


def svc_body(name, **spec):
    return {"metadata": {"name": name}, "spec": {"ports": [{"name": "http", "port": 80}],
                                                 **spec}}


def slice_body(svc, endpoints, port=8080):
    return {"metadata": {"name": f"{svc}-{uuid.uuid4().hex[:5]}",
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True},
                           **({"hostname": host} if host else {})} for ip, host in endpoints]}


async def ask(app, name, qtype=wire.A, tcp=False):
    return await query("127.0.0.1", app.dns.port, name, qtype, tcp=tcp)


def rdata(msg):
    return sorted(str(r.data) for r in msg.answers)


async def test_service_records_follow_the_api(dns, api_client, namespace):
    ns = namespace
    web = await api_client.create(SERVICES, svc_body("web"), ns)
    ip = web["spec"]["clusterIP"]
    name = f"web.{ns}.svc.cluster.local"

    async def resolved():
        msg = await ask(dns, name)
        return msg.rcode == wire.NOERROR and rdata(msg) == [ip]
    await async_eventually(resolved, timeout=10)
    tcp = await ask(dns, name, tcp=True)
    assert rdata(tcp) == [ip] and tcp.flag(wire.AA)

    srv = await ask(dns, f"_http._tcp.{name}", wire.SRV)
    assert [r.data for r in srv.answers] == [(0, 100, 80, name)]
    assert rdata(wire.Message(answers=srv.additional)) == [ip]

    await api_client.delete(SERVICES, "web", ns)

    async def gone():
        msg = await ask(dns, name)
        return msg.rcode == wire.NXDOMAIN and msg.authority[0].rtype == wire.SOA
    await async_eventually(gone, timeout=10)


async def test_headless_service_and_statefulset_names(dns, api_client, namespace):
    ns = namespace
    await api_client.create(SERVICES, svc_body("db", clusterIP="None"), ns)
    await api_client.create(SLICES, slice_body("db", [("10.244.1.10", "db-0"),
                                                      ("10.244.2.11", "db-1")]), ns)
    name = f"db.{ns}.svc.cluster.local"

    async def both():
        return rdata(await ask(dns, name)) == ["10.244.1.10", "10.244.2.11"]
    await async_eventually(both, timeout=10)
    assert rdata(await ask(dns, f"db-1.{name}")) == ["10.244.2.11"]
    srv = await ask(dns, f"_http._tcp.{name}", wire.SRV)
    assert sorted(r.data[2:] for r in srv.answers) == [(8080, f"db-0.{name}"),
                                                       (8080, f"db-1.{name}")]


async def test_pod_names_are_verified_against_pods(dns, api_client, namespace):
    ns = namespace
    await api_client.create(PODS, {"metadata": {"name": "p"}, "spec": {
        "containers": [{"name": "c", "image": "busybox"}]}}, ns)
    pod = await api_client.get(PODS, "p", ns)
    pod["status"] = {"phase": "Running", "podIP": "10.244.3.7", "podIPs": [{"ip": "10.244.3.7"}]}
    await api_client.update_status(PODS, pod)

    async def found():
        return rdata(await ask(dns, f"10-244-3-7.{ns}.pod.cluster.local")) == ["10.244.3.7"]
    await async_eventually(found, timeout=10)
    other = await ask(dns, "10-244-3-7.default.pod.cluster.local")
    assert other.rcode == wire.NXDOMAIN


async def test_external_name_cname_chased_through_upstream(dns, api_client, namespace, upstream):
    ns = namespace
    await api_client.create(SERVICES, {"metadata": {"name": "ext"}, "spec": {
        "type": "ExternalName", "externalName": "db.example.org"}}, ns)

    async def chased():
        msg = await ask(dns, f"ext.{ns}.svc.cluster.local")
        return [(r.rtype, r.data) for r in msg.answers] == [(wire.CNAME, "db.example.org"),
                                                            (wire.A, UPSTREAM_ANSWER)]
    await async_eventually(chased, timeout=10)
    assert "db.example.org" in upstream.asked


async def test_names_outside_the_cluster_are_forwarded(dns, upstream):
    msg = await ask(dns, "www.example.net")
    assert rdata(msg) == [UPSTREAM_ANSWER] and not msg.flag(wire.AA)
    assert upstream.asked[-1] == "www.example.net"
    # the kubernetes Service answers with its allocated IP, not from upstream
    own = await ask(dns, "kubernetes.default.svc.cluster.local")
    assert rdata(own) == ["10.96.0.1"] and len(upstream.asked) == 1


async def test_unreachable_upstream_gives_servfail(api_server, api_client):
    settings = DnsSettings(bind_address="127.0.0.1", port=0, upstream="127.0.0.1:9",
                           upstream_timeout_s=0.3, health_port=0, metrics_port=0,
                           pods="disabled")
    app = ClusterDns(settings, api_client)
    await app.start()
    task = asyncio.create_task(app.run())
    try:
        msg = await ask(app, "www.example.net")
        assert msg.rcode == wire.SERVFAIL
    finally:
        app.stop()
        await asyncio.wait_for(task, 10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_health_ready_and_metrics_endpoints(api_server, api_client, upstream):
    health, metrics = free_port(), free_port()
    settings = DnsSettings(bind_address="127.0.0.1", port=0, health_port=health,
                           metrics_port=metrics, upstream=f"127.0.0.1:{upstream.port}")
    app = ClusterDns(settings, api_client)
    await app.start()
    task = asyncio.create_task(app.run())
    try:
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{health}/health")).status_code == 200

            async def ready():
                return (await http.get(f"http://127.0.0.1:{health}/ready")).status_code == 200
            await async_eventually(ready, timeout=10)
            await ask(app, "nope.default.svc.cluster.local")
            text = (await http.get(f"http://127.0.0.1:{metrics}/metrics")).text
        assert 'coredns_dns_responses_total{rcode="NXDOMAIN"} 1' in text
        assert 'coredns_dns_requests_total{proto="udp",type="A"} 1' in text
    finally:
        app.stop()
        await asyncio.wait_for(task, 10)


async def test_manifest_is_accepted_by_the_api_server(api_client):
    """deploy/manifests/cluster-dns.yaml validates (server-side dry run), as upstream's."""
    path = Path(__file__).resolve().parents[2] / "deploy/manifests/cluster-dns.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    kinds = []
    for doc in docs:
        info = resources.for_kind(doc["apiVersion"], doc["kind"])
        created = await api_client.create(info, doc, doc["metadata"].get("namespace"),
                                          dry_run=True)
        kinds.append(created["kind"])
    assert kinds == ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment",
                     "Service"]
    service = docs[-1]
    assert service["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in service["spec"]["ports"]] == \
        [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
