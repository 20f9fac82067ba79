"""The pure half of the disruption (PodDisruptionBudget) controller: the budget's status.

As upstream: with an integer minAvailable, the expected pods are the pods the selector
matches and desiredHealthy is minAvailable; with maxUnavailable or a percentage the expected
count is the scale of the pods' controllers (a ReplicaSet's replicas, or its Deployment's,
a StatefulSet's, a ReplicationController's) and desiredHealthy follows from it (percentages
round up). currentHealthy counts ready pods not being deleted and not recently evicted
(status.disruptedPods, forgotten after two minutes). disruptionsAllowed =
currentHealthy - desiredHealthy, never below 0, and 0 when nothing is expected; the
api-server's eviction subresource reads it.
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from controller_manager import podutil

Obj = dict[str, Any]
DISRUPTED_TTL_S = 120.0
SUFFICIENT, INSUFFICIENT, SYNC_FAILED = "SufficientPods", "InsufficientPods", "SyncFailed"


def _scaled(value: Any, total: int) -> tuple[int, bool]:
    """(the number, whether it was a percentage); percentages round up."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100), True
    return int(value), False


def needs_scale(pdb: Obj) -> bool:
    """Whether the expected count comes from the controllers' scale."""
    spec = pdb.get("spec") or {}
    if spec.get("maxUnavailable") is not None:
        return True
    return isinstance(spec.get("minAvailable"), str)


def expected_and_desired(pdb: Obj, pod_count: int, scale: int | None) -> tuple[int, int]:
    spec = pdb.get("spec") or {}
    if spec.get("maxUnavailable") is not None:
        expected = scale or 0
        unavailable, _ = _scaled(spec["maxUnavailable"], expected)
        return expected, max(expected - unavailable, 0)
    if spec.get("minAvailable") is not None:
        if isinstance(spec["minAvailable"], str):
            expected = scale or 0
            return expected, _scaled(spec["minAvailable"], expected)[0]
        return pod_count, int(spec["minAvailable"])
    return 0, 0                      # neither set: nothing expected, no disruption allowed


def live_disruptions(pdb: Obj, pods: list[Obj], now: datetime) -> dict[str, str]:
    """status.disruptedPods without pods that are gone, deleted or evicted long ago."""
    names = {(p.get("metadata") or {}).get("name"): p for p in pods}
    kept = {}
    for name, when in ((pdb.get("status") or {}).get("disruptedPods") or {}).items():
        pod = names.get(name)
        at = podutil.parse_time(when)
        if pod is None or (pod.get("metadata") or {}).get("deletionTimestamp") or at is None:
            continue
        if (now - at).total_seconds() < DISRUPTED_TTL_S:
            kept[name] = when
    return kept


def current_healthy(pods: list[Obj], disrupted: dict[str, str]) -> int:
    return sum(1 for p in pods if podutil.is_ready(p)
               and not (p.get("metadata") or {}).get("deletionTimestamp")
               and (p.get("metadata") or {}).get("name") not in disrupted)


def budget_status(pdb: Obj, pods: list[Obj], scale: int | None, now: datetime) -> Obj:
    disrupted = live_disruptions(pdb, pods, now)
    expected, desired = expected_and_desired(pdb, len(pods), scale)
    healthy = current_healthy(pods, disrupted)
    allowed = healthy - desired
    if expected <= 0 or allowed <= 0:
        allowed = 0
    status: Obj = {"currentHealthy": healthy, "desiredHealthy": desired,
                   "disruptionsAllowed": allowed, "expectedPods": expected,
                   "observedGeneration": (pdb.get("metadata") or {}).get("generation")}
    if disrupted:
        status["disruptedPods"] = disrupted
    reason = SUFFICIENT if allowed > 0 else INSUFFICIENT
    status["conditions"] = [_condition(pdb, "True" if allowed > 0 else "False", reason, "", now)]
    return status


def failed_status(pdb: Obj, message: str, now: datetime) -> Obj:
    """What a budget whose expected count cannot be worked out says: no disruption allowed."""
    status = dict(pdb.get("status") or {})
    status.update(disruptionsAllowed=0,
                  observedGeneration=(pdb.get("metadata") or {}).get("generation"),
                  conditions=[_condition(pdb, "False", SYNC_FAILED, message, now)])
    return status


def _condition(pdb: Obj, status: str, reason: str, message: str, now: datetime) -> Obj:
    old = next((c for c in (pdb.get("status") or {}).get("conditions") or []
                if c.get("type") == "DisruptionAllowed"), None)
    since = old["lastTransitionTime"] if old and old.get("status") == status and \
        old.get("lastTransitionTime") else podutil.format_time(now)
    return {"type": "DisruptionAllowed", "status": status, "reason": reason,
            "message": message, "observedGeneration":
                (pdb.get("metadata") or {}).get("generation"), "lastTransitionTime": since}
