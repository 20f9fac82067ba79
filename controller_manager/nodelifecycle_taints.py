"""Taints and tolerations, as the node lifecycle, taint eviction and DaemonSet controllers use them.

`condition_taints(node)` is what upstream's node lifecycle controller derives from a Node:
NoExecute `not-ready`/`unreachable` from the Ready condition (False/Unknown), and the NoSchedule
taints of TaintNodesByCondition (not-ready, unreachable, memory/disk/pid-pressure,
network-unavailable, unschedulable). `with_condition_taints(node, now)` is the node's taint list
with exactly those, other taints kept (a taint already present keeps its timeAdded).
`eviction_delay_s(pod, taints)` is the taint manager's rule: None means never evicted,
0 at once (a NoExecute taint is not tolerated), else the smallest tolerationSeconds.
"""
from __future__ import annotations

from typing import Any, Iterable

Obj = dict[str, Any]

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
PID_PRESSURE = "node.kubernetes.io/pid-pressure"
NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"
NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "NoExecute"

# (condition type, status) -> taint key, for the NoSchedule pass
_NO_SCHEDULE_BY_CONDITION = {
    ("Ready", "False"): NOT_READY, ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): MEMORY_PRESSURE, ("DiskPressure", "True"): DISK_PRESSURE,
    ("PIDPressure", "True"): PID_PRESSURE, ("NetworkUnavailable", "True"): NETWORK_UNAVAILABLE,
}
MANAGED = {(k, NO_SCHEDULE) for k in (*_NO_SCHEDULE_BY_CONDITION.values(), UNSCHEDULABLE)} | \
    {(NOT_READY, NO_EXECUTE), (UNREACHABLE, NO_EXECUTE)}


def condition(node: Obj, type_: str) -> Obj | None:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return c
    return None


def condition_taints(node: Obj) -> set[tuple[str, str]]:
    """The (key, effect) taints the node's conditions and spec.unschedulable call for."""
    wanted: set[tuple[str, str]] = set()
    for c in (node.get("status") or {}).get("conditions") or []:
        key = _NO_SCHEDULE_BY_CONDITION.get((c.get("type"), c.get("status")))
        if key:
            wanted.add((key, NO_SCHEDULE))
    if (node.get("spec") or {}).get("unschedulable"):
        wanted.add((UNSCHEDULABLE, NO_SCHEDULE))
    ready = (condition(node, "Ready") or {}).get("status")
    if ready == "False":
        wanted.add((NOT_READY, NO_EXECUTE))
    elif ready == "Unknown":
        wanted.add((UNREACHABLE, NO_EXECUTE))
    return wanted


def with_condition_taints(node: Obj, now: str) -> list[Obj] | None:
    """The node's new taint list, or None if its managed taints are already right."""
    taints = (node.get("spec") or {}).get("taints") or []
    present = {(t.get("key"), t.get("effect")) for t in taints} & MANAGED
    wanted = condition_taints(node)
    if present == wanted:
        return None
    kept = [t for t in taints if (t.get("key"), t.get("effect")) not in MANAGED
            or (t.get("key"), t.get("effect")) in wanted]
    for key, effect in sorted(wanted - present):
        taint: Obj = {"key": key, "effect": effect}
        if effect == NO_EXECUTE:
            taint["timeAdded"] = now
        kept.append(taint)
    return kept


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Upstream's ToleratesTaint."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    return op == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated(tolerations: Iterable[Obj], taints: Iterable[Obj],
                effects: tuple[str, ...] = (NO_SCHEDULE, NO_EXECUTE)) -> list[Obj]:
    """The taints (of the given effects) that no toleration tolerates."""
    tols = list(tolerations)
    return [t for t in taints if t.get("effect") in effects
            and not any(tolerates(tol, t) for tol in tols)]


def no_execute_taints(node: Obj) -> list[Obj]:
    return [t for t in (node.get("spec") or {}).get("taints") or []
            if t.get("effect") == NO_EXECUTE]


def eviction_delay_s(pod: Obj, taints: list[Obj]) -> float | None:
    """How long a pod may stay on a node with these NoExecute taints (None: forever)."""
    if not taints:
        return None
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    if untolerated(tolerations, taints, (NO_EXECUTE,)):
        return 0.0
    delays = []
    for taint in taints:
        for tol in tolerations:
            if tol.get("effect") in (None, "", NO_EXECUTE) and tolerates(tol, taint) \
                    and tol.get("tolerationSeconds") is not None:
                delays.append(max(float(tol["tolerationSeconds"]), 0.0))
    return min(delays) if delays else None
