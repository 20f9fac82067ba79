"""Endpoints subsets and EndpointSlice plans: the pure logic of both controllers."""
import pytest

from controller_manager import endpoints_util as eu
from controller_manager import endpointslice_util as esu
from controller_manager.controllers.endpoints import compute_subsets
from controller_manager.controllers.endpointslice import SliceTracker

pytestmark = pytest.mark.unit


def pod(name, ip, ready=True, ports=None, labels=None, deleting=False, phase="Running",
        restart="Always", node="n1", **spec):
    meta = {"name": name, "namespace": "ns", "uid": f"uid-{name}",
            "labels": labels or {"app": "web"}}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return {"metadata": meta,
            "spec": {"nodeName": node, "restartPolicy": restart,
                     "containers": [{"name": "c", "ports": ports or []}], **spec},
            "status": {"phase": phase, "podIP": ip,
                       "conditions": [{"type": "Ready",
                                       "status": "True" if ready else "False"}]}}


def service(ports=None, **spec):
    return {"metadata": {"name": "web", "namespace": "ns", "uid": "svc-uid",
                         "labels": {"tier": "x"}},
            "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.9",
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"}]
                     if ports is None else ports, **spec}}


def test_find_port_named_numeric_and_protocol():
    p = pod("a", "1.1.1.1", ports=[{"name": "http", "containerPort": 8080},
                                   {"name": "dns", "containerPort": 53, "protocol": "UDP"}])
    assert eu.find_port(p, {"port": 80, "targetPort": "http"}) == 8080
    assert eu.find_port(p, {"port": 80, "targetPort": 9000}) == 9000
    assert eu.find_port(p, {"port": 80}) == 80
    assert eu.find_port(p, {"port": 53, "targetPort": "dns", "protocol": "UDP"}) == 53
    assert eu.find_port(p, {"port": 53, "targetPort": "dns"}) is None   # TCP: no such port


def test_should_be_endpoint_rules():
    assert eu.should_be_endpoint(pod("a", "1.1.1.1"), False)
    assert not eu.should_be_endpoint(pod("a", None), True)
    assert not eu.should_be_endpoint(pod("a", "1.1.1.1", deleting=True), False)
    assert eu.should_be_endpoint(pod("a", "1.1.1.1", deleting=True), True)
    assert not eu.should_be_endpoint(pod("a", "1.1.1.1", phase="Succeeded"), True)
    assert eu.should_be_endpoint(pod("a", "1.1.1.1", phase="Failed", restart="OnFailure"), True)
    assert not eu.should_be_endpoint(pod("a", "1.1.1.1", phase="Failed", restart="Never"), True)


def test_kubernetes_service_and_selectorless_are_not_managed():
    assert eu.managed_service(service())
    k = service()
    k["metadata"].update(name="kubernetes", namespace="default")
    assert not eu.managed_service(k)
    s = service()
    del s["spec"]["selector"]
    assert not eu.managed_service(s)


def test_subsets_group_by_resolved_ports_and_readiness():
    pods = [pod("a", "10.0.0.2", ports=[{"name": "http", "containerPort": 8080}]),
            pod("b", "10.0.0.10", ports=[{"name": "http", "containerPort": 8080}], ready=False),
            pod("c", "10.0.0.3", ports=[{"name": "http", "containerPort": 9090}]),
            pod("d", "10.0.0.4", ports=[{"name": "other", "containerPort": 1}]),
            pod("e", "10.0.0.5", ports=[{"name": "http", "containerPort": 8080}], deleting=True)]
    subsets = compute_subsets(service(), pods)
    assert len(subsets) == 2
    by_port = {s["ports"][0]["port"]: s for s in subsets}
    assert [a["ip"] for a in by_port[8080]["addresses"]] == ["10.0.0.2"]
    assert [a["ip"] for a in by_port[8080]["notReadyAddresses"]] == ["10.0.0.10"]
    assert by_port[9090]["addresses"][0]["targetRef"] == {
        "kind": "Pod", "namespace": "ns", "name": "c", "uid": "uid-c"}
    assert by_port[9090]["addresses"][0]["nodeName"] == "n1"


def test_addresses_sorted_numerically():
    pods = [pod(n, ip, ports=[{"name": "http", "containerPort": 80}])
            for n, ip in (("a", "10.0.0.10"), ("b", "10.0.0.9"))]
    (subset,) = compute_subsets(service(), pods)
    assert [a["ip"] for a in subset["addresses"]] == ["10.0.0.9", "10.0.0.10"]


def test_publish_not_ready_includes_unready_and_terminating():
    pods = [pod("a", "10.0.0.2", ready=False, deleting=True)]
    (subset,) = compute_subsets(service(ports=[{"port": 80}], publishNotReadyAddresses=True),
                                pods)
    assert subset["addresses"][0]["ip"] == "10.0.0.2" and "notReadyAddresses" not in subset


def test_headless_without_ports_and_hostname():
    svc = service(ports=[], clusterIP="None")
    p = pod("a", "10.0.0.2", hostname="a", subdomain="web")
    (subset,) = compute_subsets(svc, [p])
    assert subset == {"addresses": [{"ip": "10.0.0.2", "targetRef": eu.target_ref(p),
                                     "nodeName": "n1", "hostname": "a"}]}
    assert compute_subsets(service(ports=[]), [p]) == []     # not headless: nothing
    assert eu.service_labels(svc) == {"tier": "x", eu.HEADLESS_LABEL: ""}


def test_pod_to_endpoint_conditions():
    svc = service()
    ready = esu.pod_to_endpoint(pod("a", "1.1.1.1"), svc)
    assert ready["conditions"] == {"ready": True, "serving": True, "terminating": False}
    term = esu.pod_to_endpoint(pod("a", "1.1.1.1", deleting=True), svc)
    assert term["conditions"] == {"ready": False, "serving": True, "terminating": True}
    publish = esu.pod_to_endpoint(pod("a", "1.1.1.1", ready=False),
                                  service(publishNotReadyAddresses=True))
    assert publish["conditions"]["ready"] is True and publish["conditions"]["serving"] is False


def _slice(name, endpoints, ports):
    return {"metadata": {"name": name, "namespace": "ns",
                         "labels": esu.slice_labels(service())},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}


def _pods(n, port=8080):
    return [pod(f"p{i}", f"10.0.{i // 250}.{i % 250 + 1}",
                ports=[{"name": "http", "containerPort": port}]) for i in range(n)]


def test_plan_creates_chunks_of_max_and_labels():
    svc = service()
    groups = esu.desired_groups(svc, _pods(5))
    plan = esu.plan(svc, groups, [], max_per_slice=2)
    assert [len(s["endpoints"]) for s in plan.create] == [2, 2, 1]
    s = plan.create[0]
    assert s["metadata"]["generateName"] == "web-"
    assert s["metadata"]["labels"]["kubernetes.io/service-name"] == "web"
    assert s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslice-controller.k8s.io"
    assert s["metadata"]["ownerReferences"][0]["uid"] == "svc-uid"
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


def test_plan_no_change_is_empty_and_endpoints_stay_put():
    svc = service()
    groups = esu.desired_groups(svc, _pods(3))
    ((ports, endpoints),) = groups.values()
    existing = [_slice("web-a", endpoints[:1], ports), _slice("web-b", endpoints[1:], ports)]
    assert esu.plan(svc, groups, existing, max_per_slice=2).empty
    # one pod more: it fills web-a (room) rather than making a new slice
    groups = esu.desired_groups(svc, _pods(4))
    plan = esu.plan(svc, groups, existing, max_per_slice=2)
    assert not plan.create and [eu.meta(s)["name"] for s in plan.update] == ["web-a"]


def test_plan_deletes_emptied_and_keeps_placeholder():
    svc = service()
    groups = esu.desired_groups(svc, _pods(2))
    ((ports, endpoints),) = groups.values()
    existing = [_slice("web-a", endpoints, ports)]
    plan = esu.plan(svc, {}, existing)
    assert plan.delete == existing and len(plan.create) == 1
    assert plan.create[0]["endpoints"] == [] and plan.create[0]["ports"] == []
    placeholder = _slice("web-p", [], [])
    assert esu.plan(svc, {}, [placeholder]).empty


def test_plan_port_change_replaces_slices():
    svc = service()
    old = esu.desired_groups(svc, _pods(2, port=8080))
    ((ports, endpoints),) = old.values()
    existing = [_slice("web-a", endpoints, ports)]
    plan = esu.plan(svc, esu.desired_groups(svc, _pods(2, port=9090)), existing)
    assert plan.delete == existing and plan.create[0]["ports"][0]["port"] == 9090


def test_slice_tracker_waits_for_the_cache():
    tracker = SliceTracker()
    tracker.wrote("ns/web", "web-a", "10")
    cache = {"web-a": {"metadata": {"name": "web-a", "resourceVersion": "9"}}}
    assert tracker.stale("ns/web", cache.get)
    cache["web-a"]["metadata"]["resourceVersion"] = "10"
    assert not tracker.stale("ns/web", cache.get)
    tracker.wrote("ns/web", "web-b", "deleted")
    assert tracker.stale("ns/web", lambda n: {"metadata": {}})
    assert not tracker.stale("ns/web", lambda n: None)
