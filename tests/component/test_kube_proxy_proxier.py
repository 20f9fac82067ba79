"""The whole kube-proxy (informers, runner, sync, load balancer, /healthz, /metrics) against the
session's real api-server, programming a NetLab namespace's real iptables."""
from __future__ import annotations

import asyncio
import collections
import socket
import uuid

import httpx
import pytest

from kube_proxy.iptables import Iptables
from kube_proxy.proxier import ENDPOINT_SLICES, SERVICES, Proxier
from kube_proxy.settings import ProxySettings
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client import ApiClient
from tests.component.test_kube_proxy_netlab import NetLab, netns_exists, requires_netns
from tests.helpers import async_eventually

pytestmark = [pytest.mark.component, requires_netns]

NAMESPACES = resources.lookup("", "v1", "namespaces")
PODS = ["10.244.1.2", "10.244.1.3"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab():
    lab = NetLab()
    try:
        lab.create()
        lab.add_pod("pod-a", PODS[0])
        lab.add_pod("pod-b", PODS[1])
        yield lab
    finally:
        lab.close()
    assert not netns_exists(lab.node)


@pytest.fixture
async def namespace(api_client):
    name = f"kp-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"metadata": {"name": name}})
    yield name
    await api_client.delete(NAMESPACES, name)


@pytest.fixture
async def proxier(lab, api_server):
    settings = ProxySettings(
        kubeconfig=api_server.kubeconfig, command_prefix=" ".join(lab.prefix),
        min_sync_period_s=0.1, sync_period_s=5, healthz_port=free_port(),
        healthz_bind_address="127.0.0.1", metrics_port=free_port(),
        load_balancer_cidr="127.0.100.0/24")
    client = ApiClient.from_kubeconfig(api_server.kubeconfig)
    proxier = Proxier(settings, client)
    task = asyncio.create_task(proxier.run())
    try:
        yield proxier
    finally:
        proxier.stop()
        await asyncio.wait_for(task, 10)
        await client.close()
        # `--cleanup` of the namespace's tables: nothing of ours may be left
        assert await Iptables(proxier.names, lab.prefix).cleanup() > 0
        assert "KUBE-" not in lab.node_exec("iptables-save")


def web_service(name, type_="NodePort"):
    return {"metadata": {"name": name}, "spec": {
        "type": type_, "selector": {"app": name},
        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "web"}]}}


def web_slice(service, ips, ready=True):
    return {"metadata": {"name": f"{service}-abcde",
                         "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready}} for ip in ips]}


async def spread(lab, host, port, count=40):
    return collections.Counter(await asyncio.to_thread(lab.answers, "tcp", host, port, count))


async def test_proxier_programs_services_from_the_api_server(lab, proxier, api_client, namespace):
    svc = await api_client.create(SERVICES, web_service("web"), namespace)
    ip, node_port = svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["nodePort"]
    eps = await api_client.create(ENDPOINT_SLICES, web_slice("web", PODS), namespace)

    async def both_pods_answer():
        return set(await spread(lab, ip, 80)) == {"pod-a", "pod-b"}
    await async_eventually(both_pods_answer, timeout=15)
    assert set(await spread(lab, "127.0.0.1", node_port)) == {"pod-a", "pod-b"}
    assert lab.node_exec("ip", "route", "show", "10.96.0.0/16").startswith(
        "10.96.0.0/16 dev tkpods0")

    # readiness lost everywhere: refused at once, not a timeout
    eps["endpoints"] = [{**e, "conditions": {"ready": False}} for e in eps["endpoints"]]
    await api_client.update(ENDPOINT_SLICES, eps)

    async def refused():
        (answer, error, seconds), = await asyncio.to_thread(lab.client, "tcp", ip, 80, 1, 3.0)
        return error == "ConnectionRefusedError" and seconds < 1
    await async_eventually(refused, timeout=15)

    # deleting the Service removes its chains
    chain = proxier.names.svc(f"{namespace}/web:http", "tcp")
    await api_client.delete(SERVICES, "web", namespace)
    await async_eventually(lambda: chain not in lab.saved_chains(), timeout=15)


async def test_load_balancer_gets_a_loopback_address_that_works(lab, proxier, api_client,
                                                                  namespace):
    await api_client.create(SERVICES, web_service("lb", "LoadBalancer"), namespace)
    await api_client.create(ENDPOINT_SLICES, web_slice("lb", PODS), namespace)

    async def lb_ip():
        svc = await api_client.get(SERVICES, "lb", namespace)
        ingress = svc["status"].get("loadBalancer", {}).get("ingress") or []
        return ingress and ingress[0]["ip"]
    ip = await async_eventually(lb_ip, timeout=15)
    assert ip.startswith("127.0.100.")

    async def both_pods_answer():
        return set(await spread(lab, ip, 80)) == {"pod-a", "pod-b"}
    await async_eventually(both_pods_answer, timeout=15)

    # no longer a LoadBalancer: the address is released
    svc = await api_client.get(SERVICES, "lb", namespace)
    svc["spec"]["type"] = "ClusterIP"
    svc["spec"]["ports"][0].pop("nodePort", None)
    for field in ("externalTrafficPolicy", "allocateLoadBalancerNodePorts"):
        svc["spec"].pop(field, None)            # as upstream, only for external Services
    await api_client.update(SERVICES, svc)
    await async_eventually(lambda: lb_ip_gone(api_client, namespace), timeout=15)


async def lb_ip_gone(api_client, namespace):
    try:
        svc = await api_client.get(SERVICES, "lb", namespace)
    except NotFound:
        return True
    return not (svc["status"].get("loadBalancer") or {}).get("ingress")


async def test_healthz_and_metrics(lab, proxier):
    s = proxier.settings
    async with httpx.AsyncClient() as http:
        async def healthy():
            r = await http.get(f"http://127.0.0.1:{s.healthz_port}/healthz")
            return r.status_code == 200 and r.json()
        body = await async_eventually(healthy, timeout=15)
        assert body["lastUpdated"] and body["currentTime"]
        metrics = (await http.get(f"http://127.0.0.1:{s.metrics_port}/metrics")).text
    assert "kubeproxy_sync_proxy_rules_duration_seconds_count" in metrics
    assert proxier.metrics.sync.count >= 1 and proxier.last_sync_full in (True, False)
