"""Unit tests of every filter and score plugin, on plain Node/Pod dicts (no api-server).

The `node()`/`pod()` builders here are shared by the other scheduler unit tests.
"""
from __future__ import annotations

import pytest

from scheduler.framework import SKIP, SUCCESS, Code, Listers, Rejected, Snapshot
from scheduler.nodeinfo import NodeInfo, pod_requests
from scheduler.plugins.interpod_affinity import InterPodAffinity
from scheduler.plugins.node_affinity import NodeAffinity
from scheduler.plugins.node_basic import NodeName, NodePorts, NodeReady, NodeUnschedulable
from scheduler.plugins.resources import (NodeResourcesBalancedAllocation, NodeResourcesFit,
                                         NodeResourcesLeastAllocated)
from scheduler.plugins.selector_spread import SelectorSpread
from scheduler.plugins.taints import TaintToleration
from scheduler.plugins.topology_spread import PodTopologySpread
from scheduler.plugins.volumes import VolumeBinding, VolumeZone

pytestmark = pytest.mark.unit


def node(name, cpu="4", memory="8Gi", pods="110", labels=None, taints=None, ready="True",
         unschedulable=False, **extra_alloc):
    alloc = {"cpu": cpu, "memory": memory, "pods": pods, **extra_alloc}
    obj = {"metadata": {"name": name,
                        "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
           "spec": {}, "status": {"allocatable": alloc, "capacity": alloc}}
    if ready is not None:
        obj["status"]["conditions"] = [{"type": "Ready", "status": ready}]
    if taints:
        obj["spec"]["taints"] = taints
    if unschedulable:
        obj["spec"]["unschedulable"] = True
    return obj


def pod(name, namespace="default", cpu=None, memory=None, labels=None, node_name=None,
        **spec_fields):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    container = {"name": "c", "image": "x", "resources": {"requests": requests} if requests else {}}
    spec = {"containers": [container], **spec_fields}
    if node_name:
        spec["nodeName"] = node_name
    return {"metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                         "labels": labels or {}}, "spec": spec, "status": {}}


def info(n, *pods):
    return NodeInfo(n, pods)


def run_filter(plugin, p, node_info, snapshot=None):
    """prepare + filter, as the algorithm runs them (SKIP: nothing to check, success)."""
    snapshot = snapshot or Snapshot([node_info])
    data = plugin.prepare(p, snapshot)
    return SUCCESS if data is SKIP else plugin.filter(p, node_info, data)


def run_scores(plugin, p, infos, listers=None):
    """Normalised scores (SKIP: the plugin scores every node the same, 0)."""
    snapshot = Snapshot(infos, listers or Listers())
    data = plugin.prepare_score(p, snapshot, infos)
    if data is SKIP:
        return [0 for _ in infos]
    return plugin.normalize([plugin.score(p, n, data) for n in infos])


# --- requests ----------------------------------------------------------------------------------

def test_pod_requests_take_the_larger_of_containers_and_init_and_add_overhead():
    p = pod("p", cpu="500m", memory="100Mi")
    p["spec"]["containers"].append({"name": "d", "resources": {"requests": {"cpu": "250m"}}})
    p["spec"]["initContainers"] = [{"name": "i", "resources": {"requests": {"cpu": "1",
                                                                          "memory": "50Mi"}}}]
    p["spec"]["overhead"] = {"cpu": "100m"}
    req = pod_requests(p)
    assert req.milli_cpu == 1000 + 100           # init container 1 > 750m of the app
    assert req.memory == 100 * 2 ** 20           # app 100Mi > init 50Mi


def test_sidecar_init_containers_add_to_the_app_containers():
    p = pod("p", cpu="500m")
    p["spec"]["initContainers"] = [
        {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "200m"}}},
        {"name": "init", "resources": {"requests": {"cpu": "600m"}}}]
    assert pod_requests(p).milli_cpu == 800     # max(500+200, 200+600)


# --- NodeResourcesFit --------------------------------------------------------------------------

def test_fit_counts_requests_of_pods_already_on_the_node():
    n = info(node("n", cpu="2", memory="1Gi"), pod("a", cpu="1500m", node_name="n"))
    assert run_filter(NodeResourcesFit(), pod("p", cpu="500m"), n).ok
    status = run_filter(NodeResourcesFit(), pod("p", cpu="600m", memory="2Gi"), n)
    assert status.reasons == ("Insufficient cpu", "Insufficient memory")
    assert status.code == Code.UNRESOLVABLE      # 2Gi exceeds the whole node


def test_fit_short_but_resolvable_and_pod_count():
    n = info(node("n", cpu="2", pods="1"), pod("a", cpu="1500m", node_name="n"))
    status = run_filter(NodeResourcesFit(), pod("p", cpu="1"), n)
    assert status.code == Code.UNSCHEDULABLE
    assert status.reasons == ("Too many pods", "Insufficient cpu")


def test_fit_checks_extended_resources_and_ignores_zero_requests():
    n = info(node("n", **{"example.com/gpu": "1"}))
    p = pod("p")
    p["spec"]["containers"][0]["resources"] = {"requests": {"example.com/gpu": "2"}}
    assert run_filter(NodeResourcesFit(), p, n).reasons == ("Insufficient example.com/gpu",)
    assert run_filter(NodeResourcesFit(), pod("q"), info(node("m", cpu="0"))).ok


# --- resource scores ---------------------------------------------------------------------------

def test_least_allocated_prefers_the_emptier_node():
    empty = info(node("empty", cpu="4", memory="4Gi"))
    busy = info(node("busy", cpu="4", memory="4Gi"), pod("a", cpu="2", memory="2Gi", node_name="busy"))
    scores = run_scores(NodeResourcesLeastAllocated(), pod("p", cpu="1", memory="1Gi"), [empty, busy])
    assert scores == [75, 25]


def test_balanced_allocation_prefers_even_use():
    even = info(node("even", cpu="4", memory="4Gi"))
    skewed = info(node("skewed", cpu="4", memory="4Gi"),
                  pod("a", cpu="3", memory="100Mi", node_name="skewed"))
    scores = run_scores(NodeResourcesBalancedAllocation(), pod("p", cpu="1", memory="1Gi"),
                        [even, skewed])
    assert scores[0] == 100 and scores[1] < 70


# --- basic node filters ------------------------------------------------------------------------

def test_cordoned_node_is_filtered_unless_tolerated():
    n = info(node("n", unschedulable=True))
    assert run_filter(NodeUnschedulable(), pod("p"), n).reasons == ("node(s) were unschedulable",)
    tolerant = pod("t", tolerations=[{"key": "node.kubernetes.io/unschedulable",
                                      "operator": "Exists", "effect": "NoSchedule"}])
    assert run_filter(NodeUnschedulable(), tolerant, n).ok


def test_node_name_filter():
    assert run_filter(NodeName(), pod("p", node_name=None), info(node("a"))).ok
    p = pod("p")
    p["spec"]["nodeName"] = "b"
    assert run_filter(NodeName(), p, info(node("a"))).code == Code.UNRESOLVABLE


def test_node_ready_filters_not_ready_and_unreachable_unless_tolerated():
    assert run_filter(NodeReady(), pod("p"), info(node("a"))).ok
    not_ready = run_filter(NodeReady(), pod("p"), info(node("a", ready="False")))
    assert not_ready.reasons == ("node(s) had untolerated taint {node.kubernetes.io/not-ready: }",)
    unknown = run_filter(NodeReady(), pod("p"), info(node("a", ready="Unknown")))
    assert "unreachable" in unknown.reasons[0]
    tolerant = pod("t", tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}])
    assert run_filter(NodeReady(), tolerant, info(node("a", ready="False"))).ok
    # upstream's default NoExecute toleration does not tolerate the NoSchedule taint
    default = pod("d", tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                     "effect": "NoExecute", "tolerationSeconds": 300}])
    assert not run_filter(NodeReady(), default, info(node("a", ready="False"))).ok


def test_host_port_conflicts():
    used = pod("a", node_name="n")
    used["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    n = info(node("n"), used)
    wanted = pod("p")
    wanted["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    assert run_filter(NodePorts(), wanted, n).reasons == (
        "node(s) didn't have free ports for the requested pod ports",)
    wanted["spec"]["containers"][0]["ports"][0]["protocol"] = "UDP"
    assert run_filter(NodePorts(), wanted, n).ok
    wanted["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 9090}]
    assert run_filter(NodePorts(), wanted, n).ok


# --- taints ------------------------------------------------------------------------------------

def test_taints_filter_with_upstream_message():
    n = info(node("cp", taints=[{"key": "node-role.kubernetes.io/control-plane",
                                 "effect": "NoSchedule"}]))
    status = run_filter(TaintToleration(), pod("p"), n)
    assert status.code == Code.UNRESOLVABLE
    assert status.reasons == ("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",)
    for toleration in ({"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"},
                       {"operator": "Exists"},
                       {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                        "effect": "NoSchedule"}):
        assert run_filter(TaintToleration(), pod("t", tolerations=[toleration]), n).ok
    wrong_effect = {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                    "effect": "NoExecute"}
    assert not run_filter(TaintToleration(), pod("t", tolerations=[wrong_effect]), n).ok


def test_taint_value_must_equal_and_prefer_no_schedule_only_scores():
    n = info(node("n", taints=[{"key": "k", "value": "v", "effect": "NoExecute"}]))
    assert not run_filter(TaintToleration(), pod("p", tolerations=[
        {"key": "k", "operator": "Equal", "value": "w"}]), n).ok
    assert run_filter(TaintToleration(), pod("p", tolerations=[
        {"key": "k", "operator": "Equal", "value": "v"}]), n).ok
    soft = info(node("soft", taints=[{"key": "k", "effect": "PreferNoSchedule"}]))
    clean = info(node("clean"))
    assert run_filter(TaintToleration(), pod("p"), soft).ok
    assert run_scores(TaintToleration(), pod("p"), [soft, clean]) == [0, 100]


# --- node affinity -----------------------------------------------------------------------------

def required_affinity(*expressions):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": list(expressions)}]}}}


@pytest.mark.parametrize("expression,fits", [
    ({"key": "zone", "operator": "In", "values": ["a", "b"]}, True),
    ({"key": "zone", "operator": "NotIn", "values": ["a"]}, False),
    ({"key": "zone", "operator": "Exists"}, True),
    ({"key": "zone", "operator": "DoesNotExist"}, False),
    ({"key": "cores", "operator": "Gt", "values": ["8"]}, True),
    ({"key": "cores", "operator": "Lt", "values": ["8"]}, False),
    ({"key": "missing", "operator": "Gt", "values": ["1"]}, False),
])
def test_required_node_affinity_operators(expression, fits):
    n = info(node("n", labels={"zone": "a", "cores": "16"}))
    status = run_filter(NodeAffinity(), pod("p", affinity=required_affinity(expression)), n)
    assert status.ok is fits
    if not fits:
        assert status.reasons == ("node(s) didn't match Pod's node affinity/selector",)


def test_node_selector_terms_are_ored_and_match_fields():
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["x"]}]},
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n"]}]}]}}}
    assert run_filter(NodeAffinity(), pod("p", affinity=affinity), info(node("n"))).ok
    assert not run_filter(NodeAffinity(), pod("p", affinity=affinity), info(node("m"))).ok


def test_node_selector():
    n = info(node("n", labels={"disk": "ssd"}))
    assert run_filter(NodeAffinity(), pod("p", nodeSelector={"disk": "ssd"}), n).ok
    assert not run_filter(NodeAffinity(), pod("p", nodeSelector={"disk": "hdd"}), n).ok


def test_preferred_node_affinity_scores_by_weight():
    affinity = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 80, "preference": {"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a"]}]}},
        {"weight": 20, "preference": {"matchExpressions": [
            {"key": "disk", "operator": "Exists"}]}}]}}
    nodes = [info(node("a", labels={"zone": "a"})), info(node("b", labels={"disk": "ssd"})),
             info(node("c"))]
    assert run_scores(NodeAffinity(), pod("p", affinity=affinity), nodes) == [100, 25, 0]


# --- inter-pod affinity ------------------------------------------------------------------------

def anti_affinity(labels, key="kubernetes.io/hostname"):
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": labels}, "topologyKey": key}]}}


def pod_affinity(labels, key="kubernetes.io/hostname"):
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": labels}, "topologyKey": key}]}}


def filter_all(plugin, p, infos, listers=None):
    snapshot = Snapshot(infos, listers or Listers())
    data = plugin.prepare(p, snapshot)
    return [SUCCESS if data is SKIP else plugin.filter(p, n, data) for n in infos]


def test_anti_affinity_keeps_replicas_apart():
    a = info(node("a"), pod("web-1", labels={"app": "web"}, node_name="a"))
    b = info(node("b"))
    p = pod("web-2", labels={"app": "web"}, affinity=anti_affinity({"app": "web"}))
    statuses = filter_all(InterPodAffinity(), p, [a, b])
    assert statuses[0].reasons == ("node(s) didn't match pod anti-affinity rules",)
    assert statuses[1].ok


def test_existing_pods_anti_affinity_is_respected():
    loner = pod("loner", labels={"app": "db"}, node_name="a",
                affinity=anti_affinity({"app": "web"}, "zone"))
    a = info(node("a", labels={"zone": "z1"}), loner)
    a2 = info(node("a2", labels={"zone": "z1"}))
    b = info(node("b", labels={"zone": "z2"}))
    statuses = filter_all(InterPodAffinity(), pod("w", labels={"app": "web"}), [a, a2, b])
    assert [s.ok for s in statuses] == [False, False, True]
    assert statuses[1].reasons == ("node(s) didn't satisfy existing pods anti-affinity rules",)


def test_pod_affinity_requires_a_matching_pod_in_the_domain():
    a = info(node("a", labels={"zone": "z1"}), pod("cache", labels={"app": "cache"}, node_name="a"))
    a2 = info(node("a2", labels={"zone": "z1"}))
    b = info(node("b", labels={"zone": "z2"}))
    p = pod("web", affinity=pod_affinity({"app": "cache"}, "zone"))
    statuses = filter_all(InterPodAffinity(), p, [a, a2, b])
    assert [s.ok for s in statuses] == [True, True, False]
    assert statuses[2].code == Code.UNRESOLVABLE
    assert statuses[2].reasons == ("node(s) didn't match pod affinity rules",)


def test_first_pod_of_a_self_affine_group_may_go_anywhere():
    p = pod("w", labels={"app": "w"}, affinity=pod_affinity({"app": "w"}))
    assert all(s.ok for s in filter_all(InterPodAffinity(), p, [info(node("a")), info(node("b"))]))
    other = pod("x", labels={"app": "x"}, affinity=pod_affinity({"app": "w"}))
    assert not any(s.ok for s in filter_all(InterPodAffinity(), other, [info(node("a"))]))


def test_affinity_namespaces_default_to_the_pods_own():
    a = info(node("a"), pod("web-1", namespace="other", labels={"app": "web"}, node_name="a"))
    p = pod("web-2", labels={"app": "web"}, affinity=anti_affinity({"app": "web"}))
    assert filter_all(InterPodAffinity(), p, [a])[0].ok
    p["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0][
        "namespaceSelector"] = {}
    assert not filter_all(InterPodAffinity(), p, [a])[0].ok


def test_preferred_pod_affinity_and_anti_affinity_score():
    a = info(node("a"), pod("cache", labels={"app": "cache"}, node_name="a"))
    b = info(node("b"))
    prefer = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "cache"}},
                                           "topologyKey": "kubernetes.io/hostname"}}]}}
    assert run_scores(InterPodAffinity(), pod("p", affinity=prefer), [a, b]) == [100, 0]
    avoid = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "cache"}},
                                           "topologyKey": "kubernetes.io/hostname"}}]}}
    assert run_scores(InterPodAffinity(), pod("p", affinity=avoid), [a, b]) == [0, 100]


# --- topology spread ---------------------------------------------------------------------------

def spread(max_skew=1, key="zone", when="DoNotSchedule", **extra):
    return [{"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when,
             "labelSelector": {"matchLabels": {"app": "w"}}, **extra}]


def test_topology_spread_filter_respects_max_skew():
    z1 = info(node("a", labels={"zone": "z1"}), pod("w1", labels={"app": "w"}, node_name="a"),
              pod("w2", labels={"app": "w"}, node_name="a"))
    z2 = info(node("b", labels={"zone": "z2"}), pod("w3", labels={"app": "w"}, node_name="b"))
    nozone = info(node("c"))
    p = pod("w4", labels={"app": "w"}, topologySpreadConstraints=spread())
    statuses = filter_all(PodTopologySpread(), p, [z1, z2, nozone])
    assert statuses[0].reasons == ("node(s) didn't match pod topology spread constraints",)
    assert statuses[1].ok
    assert statuses[2].code == Code.UNRESOLVABLE and "missing required label" in statuses[2].reasons[0]
    p2 = pod("w4", labels={"app": "w"}, topologySpreadConstraints=spread(max_skew=2))
    assert filter_all(PodTopologySpread(), p2, [z1, z2])[0].ok


def test_topology_spread_min_domains():
    z1 = info(node("a", labels={"zone": "z1"}), pod("w1", labels={"app": "w"}, node_name="a"))
    p = pod("w2", labels={"app": "w"}, topologySpreadConstraints=spread(minDomains=2))
    assert not filter_all(PodTopologySpread(), p, [z1])[0].ok     # global minimum is 0
    p = pod("w2", labels={"app": "w"}, topologySpreadConstraints=spread())
    assert filter_all(PodTopologySpread(), p, [z1])[0].ok


def test_topology_spread_schedule_anyway_scores_emptier_domains_higher():
    z1 = info(node("a", labels={"zone": "z1"}), pod("w1", labels={"app": "w"}, node_name="a"))
    z2 = info(node("b", labels={"zone": "z2"}))
    p = pod("w2", labels={"app": "w"}, topologySpreadConstraints=spread(when="ScheduleAnyway"))
    assert filter_all(PodTopologySpread(), p, [z1, z2])[0].ok   # not a filter constraint
    scores = run_scores(PodTopologySpread(), p, [z1, z2, info(node("c"))])
    assert scores[1] > scores[0] and scores[2] == 0


# --- selector (owner) spread -------------------------------------------------------------------

def owned(name, node_name=None, uid="rs-1"):
    p = pod(name, node_name=node_name)
    p["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "rs", "uid": uid,
                                         "controller": True}]
    return p


def test_selector_spread_prefers_nodes_without_siblings():
    a = info(node("a"), owned("x", "a"), owned("y", "a"))
    b = info(node("b"), owned("z", "b"))
    c = info(node("c"), owned("other", "c", uid="rs-2"))
    assert run_scores(SelectorSpread(), owned("new"), [a, b, c]) == [0, 50, 100]
    assert run_scores(SelectorSpread(), pod("orphan"), [a, b]) == [0, 0]


# --- volumes -----------------------------------------------------------------------------------

def pvc_pod():
    return pod("p", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}])


def test_missing_or_unbound_claims_reject_the_pod():
    with pytest.raises(Rejected) as missing:
        VolumeBinding().prepare(pvc_pod(), Snapshot([]))
    assert missing.value.status.reasons == ('persistentvolumeclaim "data" not found',)
    unbound = {"metadata": {"name": "data", "namespace": "default"}, "spec": {}}
    listers = Listers(pvc=lambda ns, name: unbound)
    with pytest.raises(Rejected) as immediate:
        VolumeBinding().prepare(pvc_pod(), Snapshot([], listers))
    assert immediate.value.status.reasons == ("pod has unbound immediate PersistentVolumeClaims",)
    waiting = {**unbound, "spec": {"storageClassName": "local"}}
    listers = Listers(pvc=lambda ns, name: waiting,
                      storage_class=lambda name: {"volumeBindingMode": "WaitForFirstConsumer"})
    assert VolumeBinding().prepare(pvc_pod(), Snapshot([], listers)) is SKIP


def test_bound_volume_node_affinity_and_zone():
    pvc = {"metadata": {"name": "data", "namespace": "default"}, "spec": {"volumeName": "pv1"}}
    pv = {"metadata": {"name": "pv1", "labels": {"topology.kubernetes.io/zone": "z1"}},
          "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
              {"key": "kubernetes.io/hostname", "operator": "In", "values": ["a"]}]}]}}}}
    listers = Listers(pvc=lambda ns, name: pvc, pv=lambda name: pv)
    a = info(node("a", labels={"topology.kubernetes.io/zone": "z1"}))
    b = info(node("b", labels={"topology.kubernetes.io/zone": "z2"}))
    binding = filter_all(VolumeBinding(), pvc_pod(), [a, b], listers)
    assert binding[0].ok and binding[1].reasons == ("node(s) had volume node affinity conflict",)
    zone = filter_all(VolumeZone(), pvc_pod(), [a, b], listers)
    assert zone[0].ok and zone[1].reasons == ("node(s) had no available volume zone",)
