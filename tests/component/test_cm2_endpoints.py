"""The endpoints and endpointslice controllers against the real api-server.

Pods are created already bound (spec.nodeName) and given a kubelet-like status by the test, so
readiness, IPs and graceful deletion (a bound pod is only marked terminating) are controlled
exactly; no kubelet runs."""
from __future__ import annotations

import pytest

from machinery.api import resources
from tests.component.cm2_harness import eventually, namespace, pod, running, running_status

pytestmark = pytest.mark.component

PODS = resources.lookup("", "v1", "pods")
SERVICES = resources.lookup("", "v1", "services")
ENDPOINTS = resources.lookup("", "v1", "endpoints")
SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")


@pytest.fixture(scope="module")
async def controllers(api_server):
    async with running(api_server.kubeconfig, ["endpoints", "endpointslice",
                                               "garbagecollector"]) as r:
        yield r


@pytest.fixture
async def ns(controllers):
    async with namespace(controllers.client, "ep") as name:
        yield name


async def make_pod(client, ns, name, ip, ready=True, labels=None, ports=None, node="n1",
                   **spec):
    created = await client.create(PODS, pod(name, labels or {"app": "web"}, ports=ports,
                                            nodeName=node, **spec), ns)
    return await client.update_status(PODS, running_status(created, ip, ready))


def service(name="web", ports=None, selector=None, **spec):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "labels": {"tier": "front"}},
            "spec": {"selector": selector or {"app": "web"},
                     "ports": ports if ports is not None else
                     [{"name": "http", "port": 80, "targetPort": "http"}], **spec}}


async def slices_of(client, ns, svc="web"):
    items = (await client.list(SLICES, ns,
                               label_selector=f"kubernetes.io/service-name={svc}"))["items"]
    return items


def endpoint_ips(slices, condition="ready"):
    return sorted(e["addresses"][0] for s in slices for e in s.get("endpoints") or []
                  if e["conditions"][condition])


async def test_named_target_ports_ready_and_not_ready(ns, controllers):
    c = controllers.client
    await make_pod(c, ns, "a", "10.244.1.2", ports=[{"name": "http", "containerPort": 8080}])
    await make_pod(c, ns, "b", "10.244.1.3", ports=[{"name": "http", "containerPort": 9090}])
    await make_pod(c, ns, "c", "10.244.1.4", ready=False,
                   ports=[{"name": "http", "containerPort": 8080}])
    await make_pod(c, ns, "other", "10.244.1.9", labels={"app": "db"})
    svc = await c.create(SERVICES, service(), ns)

    async def endpoints_complete():
        ep = await c.get(ENDPOINTS, "web", ns)
        return ep if len(ep.get("subsets") or []) == 2 else None
    ep = await eventually(endpoints_complete, 10, what="endpoints with two subsets")
    by_port = {s["ports"][0]["port"]: s for s in ep["subsets"]}
    assert [a["ip"] for a in by_port[8080]["addresses"]] == ["10.244.1.2"]
    assert [a["ip"] for a in by_port[8080]["notReadyAddresses"]] == ["10.244.1.4"]
    assert [a["ip"] for a in by_port[9090]["addresses"]] == ["10.244.1.3"]
    assert by_port[9090]["ports"] == [{"name": "http", "port": 9090, "protocol": "TCP"}]
    address = by_port[9090]["addresses"][0]
    assert address["nodeName"] == "n1"
    assert address["targetRef"]["kind"] == "Pod" and address["targetRef"]["name"] == "b"
    assert ep["metadata"]["labels"] == {"tier": "front"}

    async def slices_complete():
        slices = await slices_of(c, ns)
        return slices if len(slices) == 2 else None
    slices = await eventually(slices_complete, 10, what="two endpoint slices")
    for s in slices:
        assert s["metadata"]["name"].startswith("web-") and len(s["metadata"]["name"]) == 9
        assert s["addressType"] == "IPv4"
        assert s["metadata"]["labels"] == {
            "tier": "front", "kubernetes.io/service-name": "web",
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
        owner = s["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["uid"], owner["controller"]) == \
            ("Service", svc["metadata"]["uid"], True)
    assert endpoint_ips(slices) == ["10.244.1.2", "10.244.1.3"]
    assert endpoint_ips(slices, "serving") == ["10.244.1.2", "10.244.1.3"]
    s8080 = next(s for s in slices if s["ports"][0]["port"] == 8080)
    unready = next(e for e in s8080["endpoints"] if e["targetRef"]["name"] == "c")
    assert unready["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert unready["nodeName"] == "n1"
    assert s8080["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]

    # nothing changes: no writes
    rvs = {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in slices}
    ep_rv = ep["metadata"]["resourceVersion"]
    await c.patch(PODS, "other", {"metadata": {"annotations": {"x": "y"}}}, "merge", ns)
    await c.patch(SERVICES, "web", {"metadata": {"annotations": {"x": "y"}}}, "merge", ns)
    fresh = await c.get(ENDPOINTS, "web", ns)
    assert fresh["metadata"]["resourceVersion"] == ep_rv
    assert {s["metadata"]["name"]: s["metadata"]["resourceVersion"]
            for s in await slices_of(c, ns)} == rvs


async def test_readiness_change_deletion_and_terminating(ns, controllers):
    c = controllers.client
    await c.create(SERVICES, service(ports=[{"port": 80, "targetPort": 8080}]), ns)
    await make_pod(c, ns, "a", "10.244.1.2")
    b = await make_pod(c, ns, "b", "10.244.1.3", ready=False)

    async def ready_ips():
        ep = await c.get(ENDPOINTS, "web", ns)
        return [a["ip"] for s in ep.get("subsets") or [] for a in s.get("addresses") or []]
    await eventually(lambda: _eq(ready_ips(), ["10.244.1.2"]), 10, what="a ready")
    await c.update_status(PODS, running_status(b, "10.244.1.3", True))
    await eventually(lambda: _eq(ready_ips(), ["10.244.1.2", "10.244.1.3"]), 10,
                     what="b ready")

    await c.delete(PODS, "a", ns)      # bound: it stays, terminating
    await eventually(lambda: _eq(ready_ips(), ["10.244.1.3"]), 10, what="a gone from ep")

    async def terminating_in_slice():
        slices = await slices_of(c, ns)
        eps = [e for s in slices for e in s.get("endpoints") or []
               if e["targetRef"]["name"] == "a"]
        return eps[0] if eps and eps[0]["conditions"]["terminating"] else None
    term = await eventually(terminating_in_slice, 10, what="a terminating in slice")
    assert term["conditions"] == {"ready": False, "serving": True, "terminating": True}

    await c.delete(PODS, "a", ns, grace_period_s=0)
    await c.patch(PODS, "b", {"metadata": {"labels": {"app": "other"}}}, "merge", ns)

    async def empty():
        ep = await c.get(ENDPOINTS, "web", ns)
        slices = await slices_of(c, ns)
        placeholder = len(slices) == 1 and not slices[0].get("endpoints")
        return not ep.get("subsets") and placeholder
    await eventually(empty, 10, what="no endpoints, one placeholder slice")


async def test_publish_not_ready_and_headless(ns, controllers):
    c = controllers.client
    await make_pod(c, ns, "a", "10.244.1.2", ready=False, hostname="a", subdomain="web")
    await c.create(SERVICES, service(ports=[], clusterIP="None",
                                     publishNotReadyAddresses=True), ns)

    async def endpoints_of():
        ep = await c.get(ENDPOINTS, "web", ns)
        return ep if ep.get("subsets") else None
    ep = await eventually(endpoints_of, 10, what="headless endpoints")
    (subset,) = ep["subsets"]
    assert subset["addresses"][0]["ip"] == "10.244.1.2"
    assert subset["addresses"][0]["hostname"] == "a"
    assert "ports" not in subset
    assert ep["metadata"]["labels"]["service.kubernetes.io/headless"] == ""

    async def slice_of():
        slices = await slices_of(c, ns)
        return slices[0] if slices and slices[0].get("endpoints") else None
    s = await eventually(slice_of, 10, what="headless slice")
    assert s["endpoints"][0]["conditions"] == {"ready": True, "serving": False,
                                               "terminating": False}
    assert s["endpoints"][0]["hostname"] == "a"
    assert s["metadata"]["labels"]["service.kubernetes.io/headless"] == ""


async def test_service_deleted_takes_its_endpoints(ns, controllers):
    c = controllers.client
    await make_pod(c, ns, "a", "10.244.1.2", ports=[{"name": "http", "containerPort": 80}])
    await c.create(SERVICES, service(), ns)
    await eventually(lambda: c.get(ENDPOINTS, "web", ns), 10, what="endpoints")
    await eventually(lambda: slices_of(c, ns), 10, what="slices")
    await c.delete(SERVICES, "web", ns)

    async def gone():
        eps = (await c.list(ENDPOINTS, ns))["items"]
        return not eps and not await slices_of(c, ns)
    await eventually(gone, 10, what="endpoints and slices deleted")


async def test_kubernetes_service_left_alone(controllers):
    ep = await controllers.client.get(ENDPOINTS, "kubernetes", "default")
    assert "endpointslice.kubernetes.io/managed-by" not in (ep["metadata"].get("labels") or {})
    slices = await slices_of(controllers.client, "default", "kubernetes")
    assert all(s["metadata"]["labels"].get("endpointslice.kubernetes.io/managed-by")
               != "endpointslice-controller.k8s.io" for s in slices)


async def _eq(coro, expected):
    return sorted(await coro) == sorted(expected)
