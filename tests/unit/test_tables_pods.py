"""Pod rows: the Ready, Status and Restarts cells across the states kubectl users see."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from apiserver.tables import column_definitions, row_for
from machinery.api.resources import lookup

pytestmark = pytest.mark.unit

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
PODS = lookup("", "v1", "pods")


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def running(name: str, restarts: int = 0, finished: str | None = None) -> dict:
    status = {"name": name, "ready": True, "started": True, "restartCount": restarts,
              "image": "nginx", "state": {"running": {"startedAt": ago(hours=1)}}}
    if finished:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error",
                                              "finishedAt": finished}}
    return status


def pod(containers=("app",), statuses=(), phase="Running") -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"},
                     "creationTimestamp": ago(hours=10), "uid": "u-1",
                     "resourceVersion": "42"},
        "spec": {"nodeName": "node-1",
                 "containers": [{"name": c, "image": "nginx"} for c in containers]},
        "status": {"phase": phase, "podIP": "10.244.1.5",
                   "podIPs": [{"ip": "10.244.1.5"}],
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": list(statuses)},
    }


def cells(obj: dict) -> list:
    return row_for(PODS, obj, NOW)["cells"]


def test_pod_columns_match_upstream():
    cols = column_definitions(PODS)
    assert [c["name"] for c in cols] == ["Name", "Ready", "Status", "Restarts", "Age", "IP",
                                         "Node", "Nominated Node", "Readiness Gates"]
    assert [c["priority"] for c in cols] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert cols[0]["format"] == "name" and all(c["format"] == "" for c in cols[1:])
    assert all(c["type"] == "string" for c in cols)


def test_running_pod_with_two_containers_and_restarts():
    obj = pod(("app", "sidecar"), [running("app", 3, finished=ago(minutes=5)),
                                   running("sidecar")])
    assert cells(obj) == ["web-1", "2/2", "Running", "3 (5m ago)", "10h", "10.244.1.5",
                          "node-1", "<none>", "<none>"]


def test_pending_unscheduled_pod():
    obj = pod(phase="Pending")
    obj["spec"].pop("nodeName")
    obj["status"] = {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}
    obj["metadata"]["creationTimestamp"] = ago(seconds=45)
    assert cells(obj) == ["web-1", "0/1", "Pending", "0", "45s", "<none>", "<none>", "<none>",
                          "<none>"]


@pytest.mark.parametrize("reason", ["ContainerCreating", "ErrImagePull", "ImagePullBackOff"])
def test_waiting_container_names_the_status(reason):
    waiting = {"name": "app", "ready": False, "restartCount": 0,
               "state": {"waiting": {"reason": reason}}}
    obj = pod(statuses=[waiting], phase="Pending")
    assert cells(obj)[1:4] == ["0/1", reason, "0"]


def test_terminating_pod():
    obj = pod(statuses=[running("app")])
    obj["metadata"]["deletionTimestamp"] = ago(seconds=10)
    assert cells(obj)[1:3] == ["1/1", "Terminating"]


def test_deleted_pod_on_lost_node_is_unknown():
    obj = pod(statuses=[running("app")])
    obj["metadata"]["deletionTimestamp"] = ago(minutes=6)
    obj["status"]["reason"] = "NodeLost"
    assert cells(obj)[2] == "Unknown"


def test_crash_looping_pod():
    status = {"name": "app", "ready": False, "restartCount": 5,
              "state": {"waiting": {"reason": "CrashLoopBackOff",
                                    "message": "back-off 2m40s restarting failed container"}},
              "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                           "finishedAt": ago(seconds=30)}}}
    assert cells(pod(statuses=[status]))[1:4] == ["0/1", "CrashLoopBackOff", "5 (30s ago)"]


def test_completed_job_pod_is_completed_and_marked():
    status = {"name": "app", "ready": False, "restartCount": 0,
              "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                       "finishedAt": ago(minutes=3)}}}
    obj = pod(statuses=[status], phase="Succeeded")
    obj["status"]["conditions"] = [{"type": "Ready", "status": "False",
                                    "reason": "PodCompleted"}]
    row = row_for(PODS, obj, NOW)
    assert row["cells"][1:4] == ["0/1", "Completed", "0"]
    assert row["conditions"] == [{"type": "Completed", "status": "True", "reason": "Succeeded",
                                  "message": "The pod has completed successfully."}]


def test_completed_pod_being_deleted_stays_completed():
    status = {"name": "app", "restartCount": 0,
              "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    obj = pod(statuses=[status], phase="Succeeded")
    obj["metadata"]["deletionTimestamp"] = ago(seconds=1)
    assert cells(obj)[2] == "Completed"


@pytest.mark.parametrize("ready, expected", [(True, "Running"), (False, "NotReady")])
def test_one_container_completed_another_running(ready, expected):
    done = {"name": "a", "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    obj = pod(("a", "b"), [done, running("b")])
    obj["status"]["conditions"] = [{"type": "Ready", "status": "True" if ready else "False"}]
    assert cells(obj)[1:3] == ["1/2", expected]


@pytest.mark.parametrize("terminated, expected", [
    ({"exitCode": 137, "signal": 9}, "Signal:9"),
    ({"exitCode": 2}, "ExitCode:2"),
    ({"exitCode": 1, "reason": "Error"}, "Error"),
    ({"exitCode": 137, "reason": "OOMKilled"}, "OOMKilled"),
])
def test_terminated_container_reasons(terminated, expected):
    status = {"name": "app", "restartCount": 0, "state": {"terminated": terminated}}
    assert cells(pod(statuses=[status], phase="Failed"))[2] == expected


def test_first_container_reason_wins():
    first = {"name": "a", "restartCount": 1, "state": {"waiting": {"reason": "ErrImagePull"}}}
    second = {"name": "b", "restartCount": 2,
              "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
    assert cells(pod(("a", "b"), [first, second]))[1:4] == ["0/2", "ErrImagePull", "3"]


def _init_pod(init_statuses, initialized=False) -> dict:
    obj = pod(statuses=[{"name": "app", "ready": False, "restartCount": 0,
                         "state": {"waiting": {"reason": "PodInitializing"}}}],
              phase="Pending")
    obj["spec"]["initContainers"] = [{"name": "init-a", "image": "busybox"},
                                     {"name": "init-b", "image": "busybox"}]
    obj["status"]["initContainerStatuses"] = init_statuses
    obj["status"]["conditions"] = [{"type": "Initialized",
                                    "status": "True" if initialized else "False"}]
    return obj


def test_init_container_running():
    first = {"name": "init-a", "restartCount": 0, "state": {"running": {}}}
    second = {"name": "init-b", "restartCount": 0,
              "state": {"waiting": {"reason": "PodInitializing"}}}
    assert cells(_init_pod([first, second]))[1:4] == ["0/1", "Init:0/2", "0"]


def test_second_init_container_after_first_succeeded():
    first = {"name": "init-a", "restartCount": 0,
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    second = {"name": "init-b", "restartCount": 0, "state": {"running": {}}}
    assert cells(_init_pod([first, second]))[2] == "Init:1/2"


@pytest.mark.parametrize("state, expected", [
    ({"waiting": {"reason": "ImagePullBackOff"}}, "Init:ImagePullBackOff"),
    ({"waiting": {"reason": "CrashLoopBackOff"}}, "Init:CrashLoopBackOff"),
    ({"terminated": {"exitCode": 1, "reason": "Error"}}, "Init:Error"),
    ({"terminated": {"exitCode": 3}}, "Init:ExitCode:3"),
    ({"terminated": {"exitCode": 137, "signal": 9}}, "Init:Signal:9"),
])
def test_failing_init_container(state, expected):
    first = {"name": "init-a", "restartCount": 4, "state": state,
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(minutes=2)}}}
    assert cells(_init_pod([first]))[1:4] == ["0/1", expected, "4 (2m ago)"]


def test_sidecar_init_container_counts_as_a_container():
    obj = pod(statuses=[running("app")])
    obj["spec"]["initContainers"] = [{"name": "proxy", "image": "envoy",
                                      "restartPolicy": "Always"}]
    obj["status"]["initContainerStatuses"] = [
        {"name": "proxy", "ready": True, "started": True, "restartCount": 1,
         "state": {"running": {}},
         "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(minutes=7)}}}]
    obj["status"]["conditions"].append({"type": "Initialized", "status": "True"})
    assert cells(obj)[1:4] == ["2/2", "Running", "1 (7m ago)"]


def test_scheduling_gated_pod():
    obj = pod(phase="Pending")
    obj["spec"].pop("nodeName")
    obj["status"] = {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}
    assert cells(obj)[2] == "SchedulingGated"


def test_evicted_pod_shows_its_reason():
    obj = pod(phase="Failed")
    obj["status"].update({"reason": "Evicted", "containerStatuses": []})
    assert cells(obj)[2] == "Evicted"


def test_wide_cells_readiness_gates_and_nominated_node():
    obj = pod(statuses=[running("app")])
    obj["spec"]["readinessGates"] = [{"conditionType": "example.com/lb"},
                                     {"conditionType": "example.com/dns"}]
    obj["status"]["conditions"] += [{"type": "example.com/lb", "status": "True"},
                                    {"type": "example.com/dns", "status": "False"}]
    obj["status"]["nominatedNodeName"] = "node-2"
    assert cells(obj)[5:] == ["10.244.1.5", "node-1", "node-2", "1/2"]


def test_pod_ip_falls_back_to_pod_ips():
    obj = pod(statuses=[running("app")])
    del obj["status"]["podIP"]
    assert cells(obj)[5] == "10.244.1.5"
