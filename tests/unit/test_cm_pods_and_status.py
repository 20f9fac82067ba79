"""Pod ordering for deletion, expectations, ReplicaSet and Deployment status, the GC graph."""
from datetime import datetime, timedelta, timezone

import pytest

from controller_manager import deployment_status as ds
from controller_manager import podutil
from controller_manager.expectations import ControllerExpectations
from controller_manager.gc_graph import FOREGROUND, OwnerGraph, node_for
from controller_manager.replica_status import calculate_status, status_changed
from machinery.api import resources

pytestmark = pytest.mark.unit
NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def stamp(seconds_ago):
    return podutil.format_time(NOW - timedelta(seconds=seconds_ago))


def pod(name, node="n1", phase="Running", ready=True, created=100, ready_since=50, restarts=0,
        labels=None):
    status = {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False",
         "lastTransitionTime": stamp(ready_since)}],
        "containerStatuses": [{"name": "c", "restartCount": restarts}]}
    return {"metadata": {"name": name, "namespace": "ns", "uid": name,
                         "creationTimestamp": stamp(created), "labels": labels or {"app": "web"}},
            "spec": {"nodeName": node}, "status": status}


def names(pods):
    return [p["metadata"]["name"] for p in pods]


# --- deletion order -----------------------------------------------------------------------------

def test_deletion_prefers_unscheduled_then_pending_then_unready():
    pods = [pod("running"), pod("unready", ready=False), pod("pending", phase="Pending", ready=False),
            pod("unscheduled", node="", phase="Pending", ready=False)]
    assert names(podutil.pods_to_delete(pods, [], 4)) == ["unscheduled", "pending", "unready",
                                                           "running"]


def test_deletion_prefers_newest_ready_then_restarts_then_newest():
    pods = [pod("old-ready", ready_since=500), pod("new-ready", ready_since=5),
            pod("crashy", ready_since=500, restarts=3)]
    assert names(podutil.pods_to_delete(pods, [], 3)) == ["new-ready", "crashy", "old-ready"]
    same = [pod("older", created=300, ready_since=50), pod("newer", created=10, ready_since=50)]
    assert names(podutil.pods_to_delete(same, [], 1)) == ["newer"]


def test_deletion_prefers_pods_on_crowded_nodes_and_respects_deletion_cost():
    a, b = pod("on-busy", node="busy"), pod("on-quiet", node="quiet")
    related = [pod(f"r{i}", node="busy") for i in range(3)]
    assert names(podutil.pods_to_delete([b, a], related, 1)) == ["on-busy"]
    expensive = pod("expensive", node="busy")
    expensive["metadata"]["annotations"] = {podutil.DELETION_COST_ANNOTATION: "100"}
    assert names(podutil.pods_to_delete([expensive, b], related, 1)) == ["on-quiet"]


def test_availability_needs_min_ready_seconds():
    p = pod("p", ready_since=5)
    assert podutil.is_available(p, 0, NOW)
    assert not podutil.is_available(p, 10, NOW)
    assert podutil.is_available(p, 5, NOW)
    assert podutil.seconds_until_available(p, 10, NOW) == pytest.approx(5)
    assert not podutil.is_active({**p, "metadata": {**p["metadata"], "deletionTimestamp": "x"}})
    assert not podutil.is_active(pod("done", phase="Succeeded"))


# --- expectations -------------------------------------------------------------------------------

def test_expectations_block_until_observed_and_expire():
    clock = [0.0]
    exp = ControllerExpectations(ttl_s=300, clock=lambda: clock[0])
    assert exp.satisfied("ns/rs")
    exp.expect_creations("ns/rs", 2)
    assert not exp.satisfied("ns/rs")
    exp.creation_observed("ns/rs")
    assert not exp.satisfied("ns/rs")
    exp.creation_observed("ns/rs")
    assert exp.satisfied("ns/rs")
    exp.expect_deletions("ns/rs", ["ns/a", "ns/b"])
    exp.deletion_observed("ns/rs", "ns/a")
    exp.deletion_observed("ns/rs", "ns/a")
    assert exp.pending("ns/rs") == (0, 1)
    clock[0] = 301
    assert exp.satisfied("ns/rs")


# --- replica set status -------------------------------------------------------------------------

def test_replicaset_status_counts():
    rs = {"metadata": {"generation": 4},
          "spec": {"replicas": 3, "minReadySeconds": 10,
                   "template": {"metadata": {"labels": {"app": "web", "tier": "x"}}}},
          "status": {}}
    pods = [pod("a", labels={"app": "web", "tier": "x"}), pod("b", ready_since=2),
            pod("c", ready=False)]
    status = calculate_status(rs, pods, None, NOW)
    assert status == {"replicas": 3, "fullyLabeledReplicas": 1, "readyReplicas": 2,
                      "availableReplicas": 1, "observedGeneration": 4}
    failed = calculate_status(rs, pods[:1], RuntimeError("quota"), NOW)
    assert failed["conditions"][0]["type"] == "ReplicaFailure"
    assert failed["conditions"][0]["reason"] == "FailedCreate"
    assert not status_changed(status, dict(status))
    assert status_changed({**status, "readyReplicas": 1}, status)
    assert not status_changed({"replicas": 0}, {"replicas": 0, "readyReplicas": 0})


# --- deployment status and conditions -----------------------------------------------------------

def deployment(replicas=3, generation=2, status=None):
    return {"metadata": {"name": "web", "generation": generation},
            "spec": {"replicas": replicas, "progressDeadlineSeconds": 600,
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}},
            "status": status or {}}


def rs(name, replicas, available, ready=None):
    return {"metadata": {"name": name}, "spec": {"replicas": replicas},
            "status": {"replicas": replicas, "availableReplicas": available,
                       "readyReplicas": available if ready is None else ready}}


def test_deployment_status_fields_and_available_condition():
    new, old = rs("new", 1, 0), rs("old", 3, 3)
    status = ds.calculate_status(deployment(), [old, new], new, NOW)
    assert status["replicas"] == 4 and status["updatedReplicas"] == 1
    assert status["availableReplicas"] == 3 and status["unavailableReplicas"] == 1
    assert status["observedGeneration"] == 2
    assert ds.condition(status, "Available")["reason"] == "MinimumReplicasAvailable"
    low = ds.calculate_status(deployment(), [rs("new", 3, 1)], None, NOW)
    assert ds.condition(low, "Available")["status"] == "False"


def test_progressing_conditions_through_a_rollout():
    d = deployment()
    new = rs("web-abc", 2, 1)
    status = ds.rollout_status(d, [new, rs("old", 2, 2)], new, NOW)
    cond = ds.condition(status, "Progressing")
    assert (cond["reason"], cond["message"]) == ("ReplicaSetUpdated",
                                                 'ReplicaSet "web-abc" is progressing.')
    d["status"] = status
    done = rs("web-abc", 3, 3)
    status = ds.rollout_status(d, [done], done, NOW + timedelta(seconds=5))
    cond = ds.condition(status, "Progressing")
    assert cond["reason"] == "NewReplicaSetAvailable"
    assert cond["message"] == 'ReplicaSet "web-abc" has successfully progressed.'
    assert ds.stuck_requeue_s(d, status, NOW) is None


def test_progress_deadline_exceeded():
    started = ds.new_condition("Progressing", "True", "ReplicaSetUpdated", "x", NOW)
    d = deployment(status={"replicas": 3, "updatedReplicas": 1, "availableReplicas": 2,
                           "readyReplicas": 2, "conditions": [started]})
    d["spec"]["progressDeadlineSeconds"] = 10
    stuck = rs("web-abc", 1, 0)
    later = NOW + timedelta(seconds=11)
    status = ds.rollout_status(d, [stuck, rs("old", 2, 2)], stuck, later)
    cond = ds.condition(status, "Progressing")
    assert (cond["status"], cond["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert ds.stuck_requeue_s(d, {"conditions": [started]}, NOW) == pytest.approx(11)


def test_pause_and_resume_conditions():
    d = deployment()
    d["spec"]["paused"] = True
    cond = ds.paused_condition(d, NOW)
    assert (cond["status"], cond["reason"]) == ("Unknown", "DeploymentPaused")
    d["status"] = {"conditions": [cond]}
    assert ds.paused_condition(d, NOW) is None
    d["spec"]["paused"] = False
    assert ds.paused_condition(d, NOW)["reason"] == "DeploymentResumed"


def test_set_condition_keeps_transition_time_for_same_status():
    status = {}
    ds.set_condition(status, ds.new_condition("Progressing", "True", "A", "a", NOW))
    ds.set_condition(status, ds.new_condition("Progressing", "True", "B", "b",
                                              NOW + timedelta(seconds=9)))
    cond = ds.condition(status, "Progressing")
    assert cond["reason"] == "B" and cond["lastTransitionTime"] == podutil.format_time(NOW)


# --- the garbage collector's graph --------------------------------------------------------------

PODS = resources.lookup("", "v1", "pods")
RSS = resources.lookup("apps", "v1", "replicasets")


def obj(name, uid, owners=(), deleting=False, finalizers=()):
    meta = {"name": name, "namespace": "ns", "uid": uid,
            "ownerReferences": [{"uid": o, "kind": "ReplicaSet", "name": o,
                                 "apiVersion": "apps/v1", "blockOwnerDeletion": b}
                                for o, b in owners],
            "finalizers": list(finalizers)}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return {"metadata": meta}


def test_graph_tracks_dependents_and_blocking():
    g = OwnerGraph()
    g.upsert(node_for(RSS, obj("rs", "rs1", deleting=True, finalizers=[FOREGROUND])))
    g.upsert(node_for(PODS, obj("a", "p1", [("rs1", True)])))
    g.upsert(node_for(PODS, obj("b", "p2", [("rs1", False)])))
    assert [n.uid for n in g.dependents("rs1")] == ["p1", "p2"]
    assert [n.uid for n in g.blocking_dependents("rs1")] == ["p1"]
    assert g.get("rs1").deleting_dependents
    g.upsert(node_for(PODS, obj("a", "p1")))             # reference removed
    assert [n.uid for n in g.dependents("rs1")] == ["p2"]
    g.remove("p2")
    assert not g.has_dependents("rs1")
    assert [o.uid for o in g.owners(node_for(PODS, obj("c", "p3", [("rs1", True)])))] == ["rs1"]
