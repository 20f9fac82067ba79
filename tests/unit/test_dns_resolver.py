"""The answer logic: from Services, EndpointSlices and Pods (plain dicts) to DNS records."""
from __future__ import annotations

import pytest

from cluster_dns import wire
from cluster_dns.resolver import Zone, resolve
from cluster_dns.view import POD_INDEXES, SERVICE_INDEXES, SLICE_INDEXES, ClusterView, StaticStore
from cluster_dns.wire import Question

pytestmark = pytest.mark.unit

ZONE = Zone("cluster.local", ttl=30, serial=5)
D = "cluster.local"


def service(name, ns="default", cluster_ip="10.96.0.20", ports=(("http", 80, "TCP"),), **spec):
    body = {"clusterIP": cluster_ip, "type": spec.pop("type", "ClusterIP"),
            "ports": [{"name": n, "port": p, "protocol": pr} for n, p, pr in ports], **spec}
    if cluster_ip and cluster_ip != "None":
        body["clusterIPs"] = [cluster_ip]
    return {"metadata": {"name": name, "namespace": ns}, "spec": body}


def endpoint_slice(svc, endpoints, ns="default", name=None, ports=(("http", 8080, "TCP"),)):
    return {"metadata": {"name": name or f"{svc}-abc", "namespace": ns,
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready},
                           **({"hostname": host} if host else {})}
                          for ip, ready, host in endpoints],
            "ports": [{"name": n, "port": p, "protocol": pr} for n, p, pr in ports]}


def pod(name, ip, ns="default"):
    return {"metadata": {"name": name, "namespace": ns}, "status": {"podIP": ip,
                                                                   "podIPs": [{"ip": ip}]}}


def view(services=(), slices=(), pods=()):
    return ClusterView(StaticStore(services, SERVICE_INDEXES), StaticStore(slices, SLICE_INDEXES),
                       StaticStore(pods, POD_INDEXES))


def ask(v, name, qtype=wire.A):
    return resolve(Question(name, qtype), v, ZONE)


def data(answer, rtype=None):
    return sorted(r.data for r in answer.answers if rtype is None or r.rtype == rtype)


WORLD = view(
    services=[
        service("web"),
        service("db", cluster_ip="None", ports=(("pg", 5432, "TCP"),)),
        service("ext", cluster_ip="", type="ExternalName", externalName="example.com."),
        service("dns", ns="kube-system", cluster_ip="10.96.0.10",
                ports=(("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP"))),
        service("empty", cluster_ip="None"),
        service("nr", cluster_ip="None", publishNotReadyAddresses=True),
    ],
    slices=[
        endpoint_slice("web", [("10.244.1.5", True, None)]),
        endpoint_slice("db", [("10.244.1.7", True, "db-0"), ("10.244.2.8", True, "db-1"),
                              ("10.244.2.9", False, "db-2")], ports=(("pg", 5432, "TCP"),)),
        endpoint_slice("db", [("10.244.1.7", True, "db-0")], name="db-dup",
                       ports=(("pg", 5432, "TCP"),)),
        endpoint_slice("nr", [("10.244.3.3", False, None)]),
    ],
    pods=[pod("web-1", "10.244.1.5")],
)


def test_cluster_ip_service_a_record():
    answer = ask(WORLD, f"web.default.svc.{D}")
    assert answer.rcode == wire.NOERROR
    assert [(r.name, r.rtype, r.ttl, r.data) for r in answer.answers] == \
        [(f"web.default.svc.{D}", wire.A, 30, "10.96.0.20")]
    assert answer.authority == []


def test_names_are_case_insensitive_and_owner_keeps_case():
    answer = ask(WORLD, f"WEB.Default.svc.{D}.")
    assert data(answer) == ["10.96.0.20"] and answer.answers[0].name == f"WEB.Default.svc.{D}."


def test_headless_service_returns_ready_endpoints_deduplicated():
    assert data(ask(WORLD, f"db.default.svc.{D}")) == ["10.244.1.7", "10.244.2.8"]


def test_publish_not_ready_addresses_includes_unready():
    assert data(ask(WORLD, f"nr.default.svc.{D}")) == ["10.244.3.3"]


def test_headless_service_without_endpoints_is_nodata():
    answer = ask(WORLD, f"empty.default.svc.{D}")
    assert answer.rcode == wire.NOERROR and answer.answers == []
    assert [r.rtype for r in answer.authority] == [wire.SOA]


def test_aaaa_for_an_ipv4_service_is_nodata():
    answer = ask(WORLD, f"web.default.svc.{D}", wire.AAAA)
    assert answer.rcode == wire.NOERROR and answer.answers == [] and answer.authority


def test_srv_for_named_port_of_cluster_ip_service():
    answer = ask(WORLD, f"_dns._udp.dns.kube-system.svc.{D}", wire.SRV)
    assert data(answer) == [(0, 100, 53, f"dns.kube-system.svc.{D}")]
    assert [(r.name, r.data) for r in answer.additional] == [(f"dns.kube-system.svc.{D}",
                                                               "10.96.0.10")]


def test_srv_protocol_must_match():
    assert ask(WORLD, f"_dns._tcp.dns.kube-system.svc.{D}", wire.SRV).rcode == wire.NXDOMAIN


def test_srv_without_port_lists_every_named_port():
    answer = ask(WORLD, f"dns.kube-system.svc.{D}", wire.SRV)
    assert sorted(r.data[2] for r in answer.answers) == [53, 53, 9153]
    assert all(r.data[1] == 33 for r in answer.answers)


def test_srv_of_headless_service_targets_each_endpoint_hostname():
    answer = ask(WORLD, f"_pg._tcp.db.default.svc.{D}", wire.SRV)
    assert data(answer) == [(0, 50, 5432, f"db-0.db.default.svc.{D}"),
                            (0, 50, 5432, f"db-1.db.default.svc.{D}")]
    assert sorted((r.name, r.data) for r in answer.additional) == [
        (f"db-0.db.default.svc.{D}", "10.244.1.7"), (f"db-1.db.default.svc.{D}", "10.244.2.8")]


def test_statefulset_pod_name_through_headless_service():
    assert data(ask(WORLD, f"db-1.db.default.svc.{D}")) == ["10.244.2.8"]
    # not ready: not published
    assert ask(WORLD, f"db-2.db.default.svc.{D}").rcode == wire.NXDOMAIN


def test_endpoint_without_hostname_is_named_by_dashed_ip():
    assert data(ask(WORLD, f"10-244-1-5.web.default.svc.{D}")) == ["10.244.1.5"]


def test_external_name_is_a_cname_to_chase():
    answer = ask(WORLD, f"ext.default.svc.{D}")
    assert [(r.rtype, r.data) for r in answer.answers] == [(wire.CNAME, "example.com")]
    assert answer.chase == "example.com"
    assert ask(WORLD, f"ext.default.svc.{D}", wire.CNAME).chase is None


def test_pod_name_from_dashed_ip_verified():
    assert data(ask(WORLD, f"10-244-1-5.default.pod.{D}")) == ["10.244.1.5"]
    assert ask(WORLD, f"10-244-1-5.other.pod.{D}").rcode == wire.NXDOMAIN    # no such pod there
    assert ask(WORLD, f"10-244-9-9.default.pod.{D}").rcode == wire.NXDOMAIN
    assert ask(WORLD, f"not-an-ip.default.pod.{D}").rcode == wire.NXDOMAIN


def test_pod_names_insecure_mode_without_pod_store():
    insecure = ClusterView(StaticStore([], SERVICE_INDEXES), StaticStore([], SLICE_INDEXES), None)
    assert data(ask(insecure, f"1-2-3-4.any.pod.{D}")) == ["1.2.3.4"]


@pytest.mark.parametrize("name", [f"nope.default.svc.{D}", f"web.nope.svc.{D}", f"x.{D}",
                                  f"a.b.web.default.svc.{D}", f"_x.web.default.svc.{D}"])
def test_unknown_names_in_the_zone_are_nxdomain_with_soa(name):
    answer = ask(WORLD, name)
    assert answer.rcode == wire.NXDOMAIN and answer.answers == []
    soa = answer.authority[0]
    assert soa.rtype == wire.SOA and soa.name == D
    assert soa.data == (f"ns.dns.{D}", f"hostmaster.{D}", 5, 7200, 1800, 86400, 30)


@pytest.mark.parametrize("name", [D, f"svc.{D}", f"default.svc.{D}", f"pod.{D}"])
def test_existing_intermediate_names_are_nodata(name):
    answer = ask(WORLD, name)
    assert answer.rcode == wire.NOERROR and answer.answers == [] and answer.authority


def test_apex_soa_and_ns():
    assert ask(WORLD, D, wire.SOA).answers[0].rtype == wire.SOA
    assert data(ask(WORLD, D, wire.NS)) == [f"ns.dns.{D}"]


def test_dns_version_txt():
    assert data(ask(WORLD, f"dns-version.{D}", wire.TXT)) == [["1.1.0"]]


@pytest.mark.parametrize("name", ["example.com", "cluster.local.example.com", "local",
                                  "1.2.3.4.in-addr.arpa"])
def test_names_outside_the_cluster_are_not_ours(name):
    assert ask(WORLD, name) is None


def test_reverse_lookup_of_cluster_ip_and_endpoint():
    assert data(ask(WORLD, "10.0.96.10.in-addr.arpa", wire.PTR)) == [f"dns.kube-system.svc.{D}"]
    assert data(ask(WORLD, "8.2.244.10.in-addr.arpa", wire.PTR)) == [f"db-1.db.default.svc.{D}"]


def test_other_cluster_domain():
    v = view(services=[service("web")])
    answer = resolve(Question("web.default.svc.k8s.test", wire.A), v, Zone("k8s.test"))
    assert data(answer) == ["10.96.0.20"]
    assert resolve(Question(f"web.default.svc.{D}", wire.A), v, Zone("k8s.test")) is None
