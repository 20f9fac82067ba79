"""DaemonSet node placement and rolling arithmetic, StatefulSet identity and status,
ControllerRevisions, and PodDisruptionBudget status."""
from datetime import datetime, timedelta, timezone

import pytest

from controller_manager import controller_history as history
from controller_manager import daemonset_util as dsu
from controller_manager import disruption_util as du
from controller_manager import statefulset_util as su
from controller_manager.daemonset_plan import NodePlan

pytestmark = pytest.mark.unit
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)


def node(name, labels=None, taints=None):
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": taints or []}}


def ds(**pod_spec):
    return {"metadata": {"name": "logs", "namespace": "ns", "uid": "ds-uid", "generation": 2},
            "spec": {"selector": {"matchLabels": {"app": "logs"}},
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxUnavailable": 1}},
                     "template": {"metadata": {"labels": {"app": "logs"}},
                                  "spec": {"containers": [{"name": "c"}], **pod_spec}}}}


def test_daemon_tolerations_added_once():
    tols = dsu.daemon_tolerations({"tolerations": [
        {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute", "tolerationSeconds": 5},
        {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}]})
    keys = [(t.get("key"), t.get("effect")) for t in tols]
    assert len(keys) == len(set(keys)) == 7
    not_ready = next(t for t in tols if t["key"] == "node.kubernetes.io/not-ready")
    assert "tolerationSeconds" not in not_ready       # the DaemonSet one wins: forever
    assert ("node.kubernetes.io/network-unavailable", "NoSchedule") in [
        (t["key"], t["effect"]) for t in dsu.daemon_tolerations({"hostNetwork": True})]


def test_node_should_run():
    d = ds(nodeSelector={"disk": "ssd"})
    assert dsu.node_should_run(d, node("a", {"disk": "ssd"})) == (True, True)
    assert dsu.node_should_run(d, node("b")) == (False, False)
    master = {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}
    assert dsu.node_should_run(ds(), node("m", taints=[master])) == (False, True)
    tolerant = ds(tolerations=[{"key": "node-role.kubernetes.io/master",
                                "operator": "Exists", "effect": "NoSchedule"}])
    assert dsu.node_should_run(tolerant, node("m", taints=[master])) == (True, True)
    evict = {"key": "gpu", "effect": "NoExecute"}
    assert dsu.node_should_run(ds(), node("g", taints=[evict])) == (False, False)
    unreachable = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    assert dsu.node_should_run(ds(), node("u", taints=[unreachable])) == (True, True)


def test_node_affinity_terms():
    d = ds(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]},
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["x"]}]}]}}})
    assert dsu.node_should_run(d, node("n", {"zone": "b"}))[0]
    assert dsu.node_should_run(d, node("x"))[0]
    assert not dsu.node_should_run(d, node("n", {"zone": "c"}))[0]
    gt = ds(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "cores", "operator": "Gt", "values": ["4"]}]}]}}})
    assert dsu.node_should_run(gt, node("n", {"cores": "8"}))[0]
    assert not dsu.node_should_run(gt, node("n", {"cores": "2"}))[0]


def test_daemon_pod():
    ref = {"kind": "DaemonSet", "uid": "ds-uid", "controller": True}
    pod = dsu.daemon_pod(ds(), "node-7", ref, "abc")
    assert pod["metadata"]["generateName"] == "logs-"
    assert pod["metadata"]["labels"] == {"app": "logs", "controller-revision-hash": "abc",
                                         "pod-template-generation": "2"}
    assert dsu.target_node(pod) == "node-7" and "nodeName" not in pod["spec"]
    assert dsu.max_unavailable(ds(), 10) == 1
    pct = ds()
    pct["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = "25%"
    assert dsu.max_unavailable(pct, 10) == 3
    pct["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = "0%"
    assert dsu.max_unavailable(pct, 10) == 1


def dpod(name, node, rev="new", ready=True, phase="Running", created="2024-01-01T00:00:00Z"):
    return {"metadata": {"name": name, "creationTimestamp": created,
                         "labels": {"controller-revision-hash": rev}},
            "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"}]}}


def test_node_plan_creates_deletes_and_status():
    d = ds(nodeSelector={"run": "yes"})
    nodes = [node("a", {"run": "yes"}), node("b", {"run": "yes"}), node("c"),
             node("d", {"run": "yes"})]
    pods = [dpod("p-a", "a"), dpod("p-a2", "a", created="2024-01-02T00:00:00Z"),
            dpod("p-c", "c"), dpod("p-d", "d", phase="Failed"), dpod("p-gone", "zzz")]
    plan = NodePlan(d, nodes, pods, "new")
    create, delete = plan.creates_and_deletes()
    assert create == ["b"]
    assert sorted(p["metadata"]["name"] for p in delete) == ["p-a2", "p-c", "p-d", "p-gone"]
    assert [p["metadata"]["name"] for p in plan.failed] == ["p-d"]
    status = plan.status()
    assert status["desiredNumberScheduled"] == 3 and status["currentNumberScheduled"] == 2
    assert status["numberMisscheduled"] == 1 and status["observedGeneration"] == 2


def test_rolling_victims_respect_max_unavailable():
    nodes = [node(n) for n in "abcd"]
    pods = [dpod("p-a", "a", rev="old"), dpod("p-b", "b", rev="old"),
            dpod("p-c", "c", rev="old", ready=False), dpod("p-d", "d", rev="new")]
    victims = NodePlan(ds(), nodes, pods, "new").rolling_victims()
    # c is unavailable already (uses the budget of 1, and goes at once); a and b wait
    assert [p["metadata"]["name"] for p in victims] == ["p-c"]
    pods[2] = dpod("p-c", "c", rev="new")
    victims = NodePlan(ds(), nodes, pods, "new").rolling_victims()
    assert [p["metadata"]["name"] for p in victims] == ["p-a"]


def sts(**spec):
    return {"metadata": {"name": "web", "namespace": "ns", "uid": "sts-uid", "generation": 3},
            "spec": {"replicas": 3, "serviceName": "nginx",
                     "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "v1"}],
                                           "volumes": [{"name": "www", "emptyDir": {}}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {}}],
                     **spec}}


def test_statefulset_pod_identity_and_claims():
    s = sts()
    pod = su.new_pod(s, s, 2, "web-abc")
    assert pod["metadata"]["name"] == "web-2"
    assert pod["metadata"]["labels"] == {"app": "web", su.POD_NAME_LABEL: "web-2",
                                         su.POD_INDEX_LABEL: "2", su.HASH_LABEL: "web-abc"}
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-2", "nginx")
    assert pod["spec"]["volumes"] == [{"name": "www", "persistentVolumeClaim": {
        "claimName": "www-web-2"}}]
    (claim,) = su.claims_for(s, 2)
    assert claim["metadata"]["name"] == "www-web-2"
    assert claim["metadata"]["labels"] == {"app": "web"}
    assert "ownerReferences" not in claim["metadata"]
    deleting = sts(persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete",
                                                         "whenScaled": "Delete"})
    assert su.claims_for(deleting, 0)[0]["metadata"]["ownerReferences"][0]["uid"] == "sts-uid"
    assert su.delete_claims_on_scale_down(deleting) and not su.delete_claims_on_scale_down(s)
    assert su.ordinal_of(s, pod) == 2
    assert su.ordinal_of(s, {"metadata": {"name": "web-x"}}) is None
    assert su.ordinal_of(s, {"metadata": {"name": "webby-1"}}) is None


def test_revision_for_partition_and_applied_revision():
    s = sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    assert [su.revision_for(s, i) for i in range(3)] == ["current", "current", "update"]
    assert su.revision_for(sts(updateStrategy={"type": "OnDelete"}), 0) == "update"
    rev = {"data": history.revision_data(sts())}
    newer = sts()
    newer["spec"]["template"]["spec"]["containers"][0]["image"] = "v2"
    applied = su.set_at_revision(newer, rev)
    assert applied["spec"]["template"]["spec"]["containers"][0]["image"] == "v1"
    assert "$patch" not in applied["spec"]["template"]


def spod(i, rev, ready=True):
    return {"metadata": {"name": f"web-{i}", "labels": {su.HASH_LABEL: rev}},
            "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"}]}}


def test_statefulset_status():
    s = sts()
    status = su.compute_status(s, [spod(0, "r1"), spod(1, "r2"), spod(2, "r2", False)],
                               "r1", "r2")
    assert (status["replicas"], status["readyReplicas"], status["currentReplicas"],
            status["updatedReplicas"]) == (3, 2, 1, 2)
    assert status["currentRevision"] == "r1" and status["observedGeneration"] == 3
    done = su.compute_status(s, [spod(i, "r2") for i in range(3)], "r1", "r2")
    assert done["currentRevision"] == "r2" and done["currentReplicas"] == 3


def test_revision_hash_and_labels():
    d = ds()
    d["metadata"]["annotations"] = {"kubernetes.io/change-cause": "v2"}
    data = history.revision_data(d)
    assert data["spec"]["template"]["$patch"] == "replace"
    rev = history.new_revision(d, "apps/v1", "DaemonSet", data, 3, None)
    h = history.revision_hash(data)
    assert rev["metadata"]["name"] == f"logs-{h}" and rev["revision"] == 3
    assert rev["metadata"]["labels"] == {"app": "logs", history.HASH_LABEL: h}
    assert rev["metadata"]["annotations"] == {"kubernetes.io/change-cause": "v2"}
    assert history.revision_hash(data, 1) != h
    assert history.revision_hash(history.revision_data(ds())) == h


def pdb(**spec):
    return {"metadata": {"name": "p", "generation": 4}, "spec": spec, "status": {}}


def ready(name, deleting=False):
    meta = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = "x"
    return {"metadata": meta, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}


def test_pdb_min_available():
    status = du.budget_status(pdb(minAvailable=2), [ready("a"), ready("b"), ready("c")],
                              None, NOW)
    assert (status["currentHealthy"], status["desiredHealthy"], status["disruptionsAllowed"],
            status["expectedPods"], status["observedGeneration"]) == (3, 2, 1, 3, 4)
    assert status["conditions"][0]["reason"] == "SufficientPods"
    status = du.budget_status(pdb(minAvailable=2), [ready("a"), ready("b", deleting=True)],
                              None, NOW)
    assert status["disruptionsAllowed"] == 0
    assert status["conditions"][0]["status"] == "False"


def test_pdb_scale_based_and_disrupted_pods():
    assert du.needs_scale(pdb(maxUnavailable=1)) and du.needs_scale(pdb(minAvailable="50%"))
    assert not du.needs_scale(pdb(minAvailable=1))
    assert du.expected_and_desired(pdb(maxUnavailable="30%"), 0, 10) == (10, 7)
    assert du.expected_and_desired(pdb(minAvailable="50%"), 0, 5) == (5, 3)
    recent = (NOW - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = (NOW - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    budget = pdb(maxUnavailable=1)
    budget["status"]["disruptedPods"] = {"a": recent, "b": old, "gone": recent}
    status = du.budget_status(budget, [ready("a"), ready("b"), ready("c")], 3, NOW)
    assert status["disruptedPods"] == {"a": recent}
    assert status["currentHealthy"] == 2 and status["disruptionsAllowed"] == 0
    assert du.budget_status(pdb(maxUnavailable=1), [], 0, NOW)["disruptionsAllowed"] == 0
