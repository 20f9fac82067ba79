"""The Pod row: Ready `1/2`, the aggregate Status reason, Restarts `3 (5m ago)`, and the wide cells.

The Status cell follows upstream's `printPod` step by step: the pod phase or reason, then the first
init container that has not finished (`Init:0/2`, `Init:CrashLoopBackOff`, `Init:Error`), then the
first app container that is waiting or terminated (`CrashLoopBackOff`, `ContainerCreating`,
`Completed`, `ExitCode:1`), and finally `Terminating` / `Unknown` for a pod being deleted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apiserver.tables.columns import Column, Printer, age_col, col, name_col
from apiserver.tables.duration import between, parse_timestamp, since
from apiserver.tables.fields import dicts, get, has, integer, text

NODE_LOST = "NodeLost"     # the reason the node lifecycle controller gives an unreachable pod


@dataclass
class _Tally:
    """What the container-status walk accumulates."""
    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: datetime | None = None


def _later(current: datetime | None, status: dict) -> datetime | None:
    finished = parse_timestamp(get(status, "lastState", "terminated", "finishedAt"))
    if finished is not None and (current is None or current < finished):
        return finished
    return current


def _condition_true(pod: dict, kind: str) -> bool:
    """The first condition of that type decides, as upstream's helpers do."""
    for cond in dicts(pod, "status", "conditions"):
        if cond.get("type") == kind:
            return cond.get("status") == "True"
    return False


def _terminated_reason(terminated: dict, prefix: str) -> str:
    if text(terminated, "reason"):
        return prefix + text(terminated, "reason")
    if integer(terminated, "signal"):
        return f"{prefix}Signal:{integer(terminated, 'signal')}"
    return f"{prefix}ExitCode:{integer(terminated, 'exitCode')}"


def _walk_init(pod: dict, tally: _Tally,
               restartable: set[str]) -> tuple[bool, int, datetime | None]:
    """Init containers: sets the `Init:` reason; returns (initializing, sidecar restarts, last)."""
    specs = dicts(pod, "spec", "initContainers")
    side_restarts, side_last = 0, None
    for index, status in enumerate(dicts(pod, "status", "initContainerStatuses")):
        tally.restarts += integer(status, "restartCount")
        tally.last_restart = _later(tally.last_restart, status)
        sidecar = text(status, "name") in restartable
        if sidecar:
            side_restarts += integer(status, "restartCount")
            side_last = _later(side_last, status)
        terminated = get(status, "state", "terminated")
        waiting_reason = text(status, "state", "waiting", "reason")
        if isinstance(terminated, dict) and integer(terminated, "exitCode") == 0:
            continue
        if sidecar and get(status, "started") is True:
            tally.ready += 1 if get(status, "ready") is True else 0
            continue
        if isinstance(terminated, dict):
            tally.reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            tally.reason = "Init:" + waiting_reason
        else:
            tally.reason = f"Init:{index}/{len(specs)}"
        return True, side_restarts, side_last
    return False, side_restarts, side_last


def _walk_containers(pod: dict, tally: _Tally) -> None:
    """App containers, last to first, so the first waiting/terminated container names the reason."""
    has_running = False
    for status in reversed(dicts(pod, "status", "containerStatuses")):
        tally.restarts += integer(status, "restartCount")
        tally.last_restart = _later(tally.last_restart, status)
        waiting_reason = text(status, "state", "waiting", "reason")
        terminated = get(status, "state", "terminated")
        if waiting_reason:
            tally.reason = waiting_reason
        elif isinstance(terminated, dict):
            tally.reason = _terminated_reason(terminated, "")
        elif get(status, "ready") is True and has(status, "state", "running"):
            has_running = True
            tally.ready += 1
    # A pod with a container still running is not "Completed".
    if tally.reason == "Completed" and has_running:
        tally.reason = "Running" if _condition_true(pod, "Ready") else "NotReady"


def pod_status(pod: dict, now: datetime) -> tuple[str, str, str]:
    """(Ready, Status, Restarts) cells of a pod."""
    phase = text(pod, "status", "phase")
    tally = _Tally(reason=text(pod, "status", "reason") or phase)
    for cond in dicts(pod, "status", "conditions"):
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            tally.reason = "SchedulingGated"
    init_specs = dicts(pod, "spec", "initContainers")
    restartable = {text(c, "name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(dicts(pod, "spec", "containers"))
    total += sum(1 for c in init_specs if c.get("restartPolicy") == "Always")

    initializing, side_restarts, side_last = _walk_init(pod, tally, restartable)
    if not initializing or _condition_true(pod, "Initialized"):
        tally.restarts, tally.last_restart = side_restarts, side_last
        _walk_containers(pod, tally)

    deleting = has(pod, "metadata", "deletionTimestamp")
    if deleting and text(pod, "status", "reason") == NODE_LOST:
        tally.reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        tally.reason = "Terminating"

    restarts = str(tally.restarts)
    if tally.restarts != 0 and tally.last_restart is not None:
        restarts = f"{tally.restarts} ({between(tally.last_restart, now)} ago)"
    return f"{tally.ready}/{total}", tally.reason, restarts


def _pod_ip(pod: dict) -> str:
    # status.podIP is authoritative over podIPs, as in upstream's v1 -> internal conversion.
    return text(pod, "status", "podIP") or text(pod, "status", "podIPs", 0, "ip") or "<none>"


def _readiness_gates(pod: dict) -> str:
    gates = dicts(pod, "spec", "readinessGates")
    if not gates:
        return "<none>"
    conditions = dicts(pod, "status", "conditions")
    passed = 0
    for gate in gates:
        match = next((c for c in conditions if c.get("type") == gate.get("conditionType")), None)
        passed += 1 if match is not None and match.get("status") == "True" else 0
    return f"{passed}/{len(gates)}"


def _pod_cells(pod: dict, now: datetime) -> list:
    ready, status, restarts = pod_status(pod, now)
    return [text(pod, "metadata", "name"), ready, status, restarts,
            since(get(pod, "metadata", "creationTimestamp"), now),
            _pod_ip(pod), text(pod, "spec", "nodeName") or "<none>",
            text(pod, "status", "nominatedNodeName") or "<none>", _readiness_gates(pod)]


def _pod_conditions(pod: dict) -> list[dict]:
    phase = text(pod, "status", "phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


POD = Printer(
    columns=(
        name_col(),
        col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        col("Status", "The aggregate status of the containers in this pod."),
        col("Restarts", "The number of times the containers in this pod have been restarted "
                        "and when the last container in this pod has restarted."),
        age_col(),
        Column("IP", "string", "podIP address allocated to the pod. Routable at least within "
                               "the cluster. Empty if not yet allocated.", 1),
        Column("Node", "string", "NodeName indicates in which node this pod is scheduled.", 1),
        Column("Nominated Node", "string", "nominatedNodeName is set only when this pod "
                                           "preempts other pods on the node.", 1),
        Column("Readiness Gates", "string", "If specified, all readiness gates will be "
                                            "evaluated for pod readiness.", 1),
    ),
    cells=_pod_cells,
    conditions=_pod_conditions,
)
