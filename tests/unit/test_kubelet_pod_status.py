"""Pod status from runtime facts: phase, conditions, container statuses (upstream's rules)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kubelet.pod_status import PodView, compute_status, qos_class
from kubelet.runtime.base import APP, EXITED, INIT, RUNNING, SANDBOX, ContainerInfo

pytestmark = pytest.mark.unit
NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def pod(restart="Always", init=(), apps=("a",), conditions=None) -> dict:
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u1"},
            "spec": {"restartPolicy": restart,
                     "initContainers": [{"name": n, "image": "busybox"} for n in init],
                     "containers": [{"name": n, "image": "busybox"} for n in apps]},
            "status": {"conditions": conditions or [
                {"type": "PodScheduled", "status": "True",
                 "lastTransitionTime": "2025-01-01T00:00:00Z"}]}}


def c(name, kind=APP, state=RUNNING, attempt=0, code=None, ip="") -> ContainerInfo:
    return ContainerInfo(id=f"{name}{attempt}", node="n", pod_uid="u1", pod_namespace="ns",
                         pod_name="p", name=name, kind=kind, state=state, restart_count=attempt,
                         exit_code=code, image_id="sha256:abc", created_at=NOW, started_at=NOW,
                         finished_at=NOW if state == EXITED else None, ip=ip,
                         reason=("Completed" if code == 0 else "Error") if state == EXITED else "")


def status(p, containers, **kw):
    return compute_status(PodView(p, containers, "192.0.2.1", "docker", now=NOW, **kw))


def cond(s, type_):
    return next(x for x in s["conditions"] if x["type"] == type_)


def test_running_pod():
    s = status(pod(), [c("POD", SANDBOX, ip="10.244.1.2"), c("a")])
    assert s["phase"] == "Running"
    assert s["podIP"] == "10.244.1.2" and s["podIPs"] == [{"ip": "10.244.1.2"}]
    assert s["hostIP"] == "192.0.2.1" and s["startTime"] == "2025-01-01T12:00:00Z"
    cs = s["containerStatuses"][0]
    assert cs["ready"] and cs["started"] and cs["containerID"] == "docker://a0"
    assert cs["state"] == {"running": {"startedAt": "2025-01-01T12:00:00Z"}}
    for t in ("Ready", "ContainersReady", "Initialized", "PodReadyToStartContainers"):
        assert cond(s, t)["status"] == "True"
    assert cond(s, "PodScheduled")["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    assert s["qosClass"] == "BestEffort"


def test_pending_while_creating():
    s = status(pod(), [c("POD", SANDBOX, ip="10.244.1.2")])
    assert s["phase"] == "Pending"
    assert s["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    ready = cond(s, "Ready")
    assert ready["status"] == "False" and ready["reason"] == "ContainersNotReady"
    assert ready["message"] == "containers with unready status: [a]"


def test_init_pending():
    s = status(pod(init=("i",)), [c("POD", SANDBOX), c("i", INIT)])
    assert s["phase"] == "Pending"
    assert cond(s, "Initialized")["reason"] == "ContainersNotInitialized"
    assert cond(s, "Initialized")["message"] == "containers with incomplete status: [i]"
    assert s["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"


def test_crash_loop_shows_waiting_and_last_state():
    s = status(pod(), [c("POD", SANDBOX), c("a", state=EXITED, attempt=1, code=2)],
               waiting={"a": ("CrashLoopBackOff", "back-off 10s ...")})
    cs = s["containerStatuses"][0]
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["lastState"]["terminated"]["exitCode"] == 2
    assert cs["restartCount"] == 1
    assert s["phase"] == "Running"      # restartPolicy Always: a crash loop is still Running


def test_succeeded_and_failed():
    done = status(pod("Never"), [c("a", state=EXITED, code=0)], terminal_phase="Succeeded")
    assert done["phase"] == "Succeeded"
    assert cond(done, "Ready")["reason"] == "PodCompleted"
    failed = status(pod("Never"), [c("a", state=EXITED, code=1)])
    assert failed["phase"] == "Failed"


def test_readiness_probe_result():
    s = status(pod(apps=("a", "b")), [c("POD", SANDBOX), c("a"), c("b")],
               ready={"a": True, "b": False})
    assert [x["ready"] for x in s["containerStatuses"]] == [True, False]
    assert cond(s, "Ready")["message"] == "containers with unready status: [b]"


def test_transition_time_kept_while_status_unchanged():
    old = [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-12-31T00:00:00Z"}]
    s = status(pod(conditions=old), [c("POD", SANDBOX), c("a")])
    assert cond(s, "Ready")["lastTransitionTime"] == "2024-12-31T00:00:00Z"


@pytest.mark.parametrize("resources,qos", [
    ({}, "BestEffort"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
    ({"requests": {"cpu": "1"}}, "Burstable"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}, "Burstable")])
def test_qos_class(resources, qos):
    assert qos_class({"containers": [{"name": "a", "resources": resources}]}) == qos
