"""The pod status the kubelet reports, computed from what the runtime says (pure functions).

Inputs: the pod, its containers as the runtime lists them (every instance, newest attempt
last), why containers are waiting (image pulls, back-off; decided by the pod worker) and probe
results. The phase and conditions follow upstream's kubelet (`getPhase`, `GeneratePodReadyCondition`
and friends); a terminal phase (Succeeded/Failed) never changes again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from kubelet.runtime.base import EXITED, RUNNING, SANDBOX, ContainerInfo

Obj = dict[str, Any]
TERMINAL = ("Succeeded", "Failed")


@dataclass
class PodView:
    """Everything the status of one pod is computed from."""
    pod: Obj
    containers: list[ContainerInfo]
    host_ip: str
    runtime_name: str = "docker"
    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)   # name -> (reason, msg)
    ready: dict[str, bool] = field(default_factory=dict)                # readiness results
    started: dict[str, bool] = field(default_factory=dict)              # startup results
    terminal_phase: str | None = None       # set by the worker when the pod is done for good
    now: datetime | None = None


def rfc3339(t: datetime | None) -> str | None:
    if t is None:
        return None
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest(containers: list[ContainerInfo], name: str) -> tuple[ContainerInfo | None,
                                                                 ContainerInfo | None]:
    """(current instance, previous instance) of a container name."""
    mine = sorted((c for c in containers if c.name == name and c.kind != SANDBOX),
                  key=lambda c: (c.restart_count, c.created_at or datetime.min.replace(
                      tzinfo=timezone.utc)), reverse=True)
    return (mine[0] if mine else None), (mine[1] if len(mine) > 1 else None)


def running_sandbox(containers: list[ContainerInfo]) -> ContainerInfo | None:
    sandboxes = [c for c in containers if c.kind == SANDBOX and c.state == RUNNING]
    return max(sandboxes, key=lambda c: c.created_at or datetime.min.replace(tzinfo=timezone.utc),
               default=None)


def _terminated(c: ContainerInfo, prefix: str) -> Obj:
    state = {"exitCode": c.exit_code if c.exit_code is not None else 0,
             "reason": c.reason or ("Completed" if c.exit_code == 0 else "Error"),
             "startedAt": rfc3339(c.started_at), "finishedAt": rfc3339(c.finished_at),
             "containerID": f"{prefix}://{c.id}"}
    if c.message:
        state["message"] = c.message
    return state


def container_status(view: PodView, spec: Obj, is_init: bool) -> Obj:
    name = spec["name"]
    current, previous = latest(view.containers, name)
    prefix = view.runtime_name
    status: Obj = {"name": name, "image": spec.get("image", ""), "imageID": "",
                   "restartCount": current.restart_count if current else 0,
                   "ready": False, "started": False, "state": {}, "lastState": {}}
    if current is not None:
        status["containerID"] = f"{prefix}://{current.id}"
        status["imageID"] = f"{prefix}://{current.image_id}" if current.image_id else ""
    if name in view.waiting:
        reason, message = view.waiting[name]
        status["state"] = {"waiting": {"reason": reason, **({"message": message} if message
                                                            else {})}}
        if current is not None and current.state == EXITED:
            status["lastState"] = {"terminated": _terminated(current, prefix)}
        elif previous is not None and previous.state == EXITED:
            status["lastState"] = {"terminated": _terminated(previous, prefix)}
        return status
    if current is None:
        reason = "PodInitializing" if is_init or not _initialized(view) else "ContainerCreating"
        status["state"] = {"waiting": {"reason": reason}}
        return status
    if previous is not None and previous.state == EXITED:
        status["lastState"] = {"terminated": _terminated(previous, prefix)}
    if current.state == RUNNING:
        status["state"] = {"running": {"startedAt": rfc3339(current.started_at)}}
        started = view.started.get(name, True)
        status["started"] = started
        status["ready"] = started and view.ready.get(name, True) and not is_init
    elif current.state == EXITED:
        status["state"] = {"terminated": _terminated(current, prefix)}
    else:
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    return status


def _initialized(view: PodView) -> bool:
    for spec in view.pod["spec"].get("initContainers") or []:
        current, _ = latest(view.containers, spec["name"])
        if current is None or current.state != EXITED or current.exit_code != 0:
            return False
    return True


def compute_phase(view: PodView, init_statuses: list[Obj], statuses: list[Obj]) -> str:
    """Upstream's getPhase, for regular (non-sidecar) init containers."""
    if view.terminal_phase:
        return view.terminal_phase
    policy = view.pod["spec"].get("restartPolicy", "Always")
    for s in init_statuses:
        term = s["state"].get("terminated")
        if term and term["exitCode"] != 0 and policy == "Never":
            return "Failed"
        last = s["lastState"].get("terminated")
        if "waiting" in s["state"] and last and last["exitCode"] != 0 and policy == "Never":
            return "Failed"
    if not _initialized(view):
        return "Pending"
    running = waiting = stopped = succeeded = 0
    for s in statuses:
        state = s["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"]["exitCode"] == 0
        elif "terminated" in s["lastState"]:
            stopped += 1
            succeeded += s["lastState"]["terminated"]["exitCode"] == 0
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if stopped == len(statuses):
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"
    return "Pending"


def _condition(type_: str, ok: bool, old: list[Obj], now: str, reason: str = "",
               message: str = "") -> Obj:
    status = "True" if ok else "False"
    previous = next((c for c in old if c.get("type") == type_), None)
    since = previous.get("lastTransitionTime") if previous and \
        previous.get("status") == status else now
    cond: Obj = {"type": type_, "status": status, "lastProbeTime": None,
                 "lastTransitionTime": since}
    if not ok and reason:
        cond["reason"] = reason
        if message:
            cond["message"] = message
    return cond


def compute_conditions(view: PodView, phase: str, init_statuses: list[Obj],
                       statuses: list[Obj]) -> list[Obj]:
    old = (view.pod.get("status") or {}).get("conditions") or []
    now = rfc3339(view.now or datetime.now(timezone.utc))
    sandbox = running_sandbox(view.containers)
    pending_init = [s["name"] for s in init_statuses
                    if (s["state"].get("terminated") or {}).get("exitCode", 1) != 0]
    unready = [s["name"] for s in statuses if not s["ready"]]
    conditions = [_condition("PodReadyToStartContainers", sandbox is not None, old, now)]
    done = phase == "Succeeded"
    conditions.append(_condition(
        "Initialized", done or not pending_init, old, now, "ContainersNotInitialized",
        f"containers with incomplete status: [{' '.join(pending_init)}]"))
    if phase in TERMINAL:
        reason, message = "PodCompleted", ""
    else:
        reason = "ContainersNotReady"
        message = f"containers with unready status: [{' '.join(unready)}]"
    ready = not unready and phase not in TERMINAL
    gates = [g["conditionType"] for g in view.pod["spec"].get("readinessGates") or []]
    gates_ok = all(any(c.get("type") == g and c.get("status") == "True" for c in old)
                   for g in gates)
    conditions.append(_condition("Ready", ready and gates_ok, old, now, reason, message))
    conditions.append(_condition("ContainersReady", ready, old, now, reason, message))
    # PodScheduled (and readiness gates) are owned by others: keep them as they are
    conditions.extend(c for c in old if c.get("type") not in
                      ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"))
    return conditions


def compute_status(view: PodView) -> Obj:
    """The whole `status` the kubelet owns (merged over the API's by the status manager)."""
    spec, old = view.pod["spec"], view.pod.get("status") or {}
    init_statuses = [container_status(view, c, True) for c in spec.get("initContainers") or []]
    statuses = [container_status(view, c, False) for c in spec.get("containers") or []]
    phase = compute_phase(view, init_statuses, statuses)
    sandbox = running_sandbox(view.containers)
    status: Obj = {
        "phase": phase,
        "conditions": compute_conditions(view, phase, init_statuses, statuses),
        "hostIP": view.host_ip, "hostIPs": [{"ip": view.host_ip}] if view.host_ip else [],
        "startTime": old.get("startTime") or rfc3339(view.now or datetime.now(timezone.utc)),
        "containerStatuses": statuses,
        "qosClass": old.get("qosClass") or qos_class(spec),
    }
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    ip = sandbox.ip if sandbox else old.get("podIP")
    if ip:
        status["podIP"], status["podIPs"] = ip, [{"ip": ip}]
    return status


def qos_class(spec: Obj) -> str:
    """Guaranteed: every container limits == requests for cpu and memory; BestEffort: none set."""
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    any_set, guaranteed = False, True
    for c in containers:
        res = c.get("resources") or {}
        limits, requests = res.get("limits") or {}, res.get("requests") or {}
        if limits or requests:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
