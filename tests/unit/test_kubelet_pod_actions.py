"""The pure decisions of a pod sync: what to start, kill, wait for, and when a pod is over."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kubelet.backoff import Backoff
from kubelet.container_spec import spec_hash
from kubelet.pod_actions import backoff_key, compute_pod_actions
from kubelet.runtime.base import APP, EXITED, INIT, RUNNING, SANDBOX, ContainerInfo

pytestmark = pytest.mark.unit
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def pod(restart="Always", init=(), apps=("a",)) -> dict:
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u1"},
            "spec": {"restartPolicy": restart,
                     "initContainers": [{"name": n, "image": "busybox"} for n in init],
                     "containers": [{"name": n, "image": "busybox"} for n in apps]}}


def c(name, kind=APP, state=RUNNING, attempt=0, code=None, spec=None, ago_s=0.0) -> ContainerInfo:
    finished = NOW - timedelta(seconds=ago_s) if state == EXITED else None
    return ContainerInfo(id=f"{name}-{attempt}", node="n", pod_uid="u1", pod_namespace="ns",
                         pod_name="p", name=name, kind=kind, state=state, restart_count=attempt,
                         exit_code=code, created_at=NOW, started_at=NOW, finished_at=finished,
                         spec_hash=spec_hash(spec) if spec else "", ip="10.0.0.2")


def sandbox(state=RUNNING):
    return c("POD", SANDBOX, state)


def clock():
    return NOW.timestamp()


def test_new_pod_creates_sandbox_and_starts_apps():
    actions = compute_pod_actions(pod(apps=("a", "b")), [], Backoff(clock=clock))
    assert actions.create_sandbox
    assert [(s.spec["name"], s.kind, s.restart_count) for s in actions.starts] == \
        [("a", APP, 0), ("b", APP, 0)]


def test_init_containers_run_one_at_a_time_in_order():
    p = pod(init=("i1", "i2"))
    first = compute_pod_actions(p, [sandbox()], Backoff(clock=clock))
    assert [s.spec["name"] for s in first.starts] == ["i1"]
    running = compute_pod_actions(p, [sandbox(), c("i1", INIT)], Backoff(clock=clock))
    assert running.starts == []
    done = compute_pod_actions(p, [sandbox(), c("i1", INIT, EXITED, code=0)], Backoff(clock=clock))
    assert [s.spec["name"] for s in done.starts] == ["i2"]
    all_done = compute_pod_actions(p, [sandbox(), c("i1", INIT, EXITED, code=0),
                                       c("i2", INIT, EXITED, code=0)], Backoff(clock=clock))
    assert [s.spec["name"] for s in all_done.starts] == ["a"]


def test_failed_init_with_never_fails_the_pod():
    actions = compute_pod_actions(pod("Never", init=("i1",)),
                                  [sandbox(), c("i1", INIT, EXITED, code=1)], Backoff(clock=clock))
    assert actions.terminal_phase == "Failed" and actions.starts == []


def test_first_crash_restarts_at_once_then_backs_off():
    p, backoff = pod(), Backoff(clock=clock)
    crashed = [sandbox(), c("a", state=EXITED, code=1, ago_s=1)]
    first = compute_pod_actions(p, crashed, backoff)
    assert [(s.spec["name"], s.restart_count) for s in first.starts] == [("a", 1)]
    backoff.next(backoff_key(p, p["spec"]["containers"][0]))      # the worker restarted it
    crashed_again = [sandbox(), c("a", state=EXITED, attempt=1, code=1, ago_s=1)]
    second = compute_pod_actions(p, crashed_again, backoff)
    assert second.starts == []
    reason, message = second.waiting["a"]
    assert reason == "CrashLoopBackOff"
    assert message.startswith("back-off 10s restarting failed container=a pod=p_ns(u1)")
    assert 8.5 < second.requeue_after_s <= 9.0


def test_back_off_over_restarts_after_delay():
    p, backoff = pod(), Backoff(clock=clock)
    backoff.next(backoff_key(p, p["spec"]["containers"][0]))
    actions = compute_pod_actions(p, [sandbox(), c("a", state=EXITED, attempt=1, code=1,
                                                   ago_s=11)], backoff)
    assert [s.restart_count for s in actions.starts] == [2]


@pytest.mark.parametrize("policy,code,restart,phase", [
    ("Always", 0, True, None), ("OnFailure", 0, False, "Succeeded"),
    ("OnFailure", 1, True, None), ("Never", 1, False, "Failed"), ("Never", 0, False, "Succeeded")])
def test_restart_policy(policy, code, restart, phase):
    actions = compute_pod_actions(pod(policy), [sandbox(), c("a", state=EXITED, code=code,
                                                             ago_s=1)], Backoff(clock=clock))
    assert bool(actions.starts) == restart
    assert actions.terminal_phase == phase


def test_unhealthy_container_is_killed():
    p = pod()
    spec = p["spec"]["containers"][0]
    actions = compute_pod_actions(p, [sandbox(), c("a", spec=spec)], Backoff(clock=clock),
                                  {"a": "Container a failed liveness probe, will be restarted"})
    assert [k.container.name for k in actions.kills] == ["a"]
    assert "liveness" in actions.kills[0].message


def test_changed_spec_kills_container():
    p = pod()
    old_spec = {"name": "a", "image": "busybox:old"}
    actions = compute_pod_actions(p, [sandbox(), c("a", spec=old_spec)], Backoff(clock=clock))
    assert [k.container.name for k in actions.kills] == ["a"]


def test_dead_sandbox_is_replaced_and_attempts_continue():
    actions = compute_pod_actions(pod(), [sandbox(EXITED), c("a", state=EXITED, code=137,
                                                            attempt=2)], Backoff(clock=clock))
    assert actions.create_sandbox and actions.kill_all
    assert [s.restart_count for s in actions.starts] == [3]


def test_running_pod_needs_nothing():
    actions = compute_pod_actions(pod(), [sandbox(), c("a")], Backoff(clock=clock))
    assert not (actions.create_sandbox or actions.starts or actions.kills)
    assert actions.terminal_phase is None
