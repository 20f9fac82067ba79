"""Smaller kube-proxy parts: settings, load-balancer addresses, health, metrics, endpoints."""
from __future__ import annotations

import ipaddress
import json

import pytest

from kube_proxy.loadbalancer import is_ours, pick_ip
from kube_proxy.metrics import Histogram, ProxyMetrics
from kube_proxy.server import HealthState, health_route
from machinery.status_server import StatusServer
from kube_proxy.servicemap import Endpoint, ServicePort, categorize, service_ports
from kube_proxy.settings import ProxySettings

pytestmark = pytest.mark.unit

CIDR = ipaddress.IPv4Network("127.0.100.0/29")


# --- settings -----------------------------------------------------------------------------------

def test_flags_and_environment():
    s = ProxySettings.from_argv(["--chain-prefix", "TKT", "--local-nodes", "node-1, node-2"],
                                environ={"TINYKUBE_SYNC_PERIOD_S": "5"})
    assert s.chain_prefix == "TKT" and s.sync_period_s == 5.0
    assert s.local_node_set() == {"node-1", "node-2"}
    assert ProxySettings().local_node_set() is None
    rs = s.render_settings()
    assert rs.masquerade_mark == "0x4000" and rs.is_local("node-1") and not rs.is_local("x")


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        ProxySettings(chain_prefix="A-VERY-LONG-PREFIX")
    with pytest.raises(ValueError):
        ProxySettings(service_cidr="10.96.0.0/33")


def test_loopback_lb_range_is_not_routed_but_another_is():
    assert ProxySettings().routed_cidrs() == ["10.96.0.0/16"]
    assert ProxySettings(load_balancer_cidr="172.31.255.0/24").routed_cidrs() == [
        "10.96.0.0/16", "172.31.255.0/24"]


# --- load balancer ------------------------------------------------------------------------------

def test_pick_ip_keeps_current_then_honours_request_then_lowest_free():
    assert pick_ip(CIDR, set(), current=["127.0.100.5"]) == "127.0.100.5"
    assert pick_ip(CIDR, set(), requested="127.0.100.4") == "127.0.100.4"
    assert pick_ip(CIDR, {"127.0.100.1"}) == "127.0.100.2"
    assert pick_ip(CIDR, {"127.0.100.1"}, current=["127.0.100.1"]) == "127.0.100.2"
    assert pick_ip(CIDR, set(), requested="10.0.0.1") == "127.0.100.1"   # out of range
    assert pick_ip(CIDR, {f"127.0.100.{i}" for i in range(1, 7)}) is None


def test_only_load_balancers_without_a_class_are_ours():
    assert is_ours({"spec": {"type": "LoadBalancer"}})
    assert not is_ours({"spec": {"type": "LoadBalancer", "loadBalancerClass": "x/y"}})
    assert not is_ours({"spec": {"type": "NodePort"}})


# --- health and metrics -------------------------------------------------------------------------

def test_health_is_503_before_the_first_sync_and_when_stale():
    now = [1000.0]
    state = HealthState(timeout_s=60, clock=lambda: now[0])
    route = health_route(state)
    assert route()[0] == 503
    state.updated()
    now[0] += 30
    status, ctype, body = route()
    assert status == 200 and ctype == "application/json"
    data = json.loads(body)
    assert data["lastUpdated"].endswith("Z") and data["secondsSinceLastUpdate"] == 30
    now[0] += 31
    assert route()[0] == 503


def test_histogram_buckets_and_quantile():
    h = Histogram("x_seconds", "help")
    for v in (0.0005, 0.003, 0.003, 0.1):
        h.observe(v)
    assert h.count == 4 and h.counts[0] == 1 and h.quantile(0.5) == 0.004
    text = "\n".join(h.text())
    assert 'x_seconds_bucket{le="+Inf"} 4' in text and "x_seconds_count 4" in text


def test_metrics_text_has_upstream_names():
    m = ProxyMetrics()
    m.observe_sync(0.01, full=True)
    m.synced({"nat": 10, "filter": 4}, 3)
    text = m.text()
    assert "kubeproxy_sync_proxy_rules_duration_seconds_count 1" in text
    assert "kubeproxy_sync_full_proxy_rules_duration_seconds_count 1" in text
    assert 'kubeproxy_sync_proxy_rules_iptables_total{table="nat"} 10' in text


async def test_http_server_answers_routes_and_404():
    server = StatusServer("t", "127.0.0.1", 0, {"/healthz": lambda: (200, "text/plain", "ok")})
    await server.start()
    import asyncio
    task = asyncio.create_task(server.run())

    async def get(path):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = await reader.read()
        writer.close()
        return data.decode()

    assert (await get("/healthz")).startswith("HTTP/1.1 200") and (await get("/healthz")).endswith("ok")
    assert (await get("/nope")).startswith("HTTP/1.1 404")
    server.stop()
    await asyncio.wait_for(task, 2)


# --- service ports and endpoint categories -------------------------------------------------------

def test_service_ports_of_a_node_port_service():
    (sp,) = service_ports({"metadata": {"namespace": "a", "name": "b"}, "spec": {
        "type": "NodePort", "clusterIP": "10.96.0.9", "externalTrafficPolicy": "Local",
        "ports": [{"port": 80, "nodePort": 30080}]}})
    assert (sp.name_string, sp.protocol, sp.node_port) == ("a/b", "tcp", 30080)
    assert sp.external_local and sp.uses_local_endpoints and sp.uses_cluster_endpoints


def test_categorize_local_policy_prefers_ready_local_endpoints():
    sp = ServicePort("a", "b", "", "tcp", "10.96.0.9", 80, node_port=30080, external_local=True)
    eps = [Endpoint("10.244.1.2", 80, local=True), Endpoint("10.244.2.2", 80, local=False),
           Endpoint("10.244.1.3", 80, ready=False, serving=True, terminating=True, local=True)]
    cat = categorize(eps, sp)
    assert [str(e) for e in cat.local] == ["10.244.1.2:80"]
    assert [str(e) for e in cat.cluster] == ["10.244.1.2:80", "10.244.2.2:80"]
    assert cat.has_any
