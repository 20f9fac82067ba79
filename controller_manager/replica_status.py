"""The status a ReplicaSet (or ReplicationController) reports about its claimed pods.

Pure functions, as upstream's calculateStatus: counts of pods, fully labelled, ready and
available (ready for minReadySeconds), the generation observed, and the ReplicaFailure
condition set when creating or deleting pods failed (cleared once a sync succeeds).
Zero counts other than `replicas` are omitted, as upstream's omitempty fields are.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from controller_manager import podutil

Obj = dict[str, Any]
REPLICA_FAILURE = "ReplicaFailure"
_COMPARED = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
             "observedGeneration", "conditions")


def calculate_status(owner: Obj, pods: list[Obj], manage_error: Exception | None,
                     now: datetime) -> Obj:
    spec, old = owner.get("spec") or {}, owner.get("status") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    min_ready = spec.get("minReadySeconds") or 0
    counts = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(podutil.labels_match_template(p, template_labels)
                                    for p in pods),
        "readyReplicas": sum(podutil.is_ready(p) for p in pods),
        "availableReplicas": sum(podutil.is_available(p, min_ready, now) for p in pods),
    }
    status: Obj = {k: v for k, v in counts.items() if v or k == "replicas"}
    generation = (owner.get("metadata") or {}).get("generation")
    if generation is not None:
        status["observedGeneration"] = generation
    conditions = _failure_conditions(old.get("conditions") or [], manage_error,
                                     len(pods) - spec.get("replicas", 1), now)
    if conditions:
        status["conditions"] = conditions
    return status


def _failure_conditions(conditions: list[Obj], error: Exception | None, diff: int,
                        now: datetime) -> list[Obj]:
    others = [c for c in conditions if c.get("type") != REPLICA_FAILURE]
    if error is None:
        return others
    existing = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
    reason = "FailedCreate" if diff < 0 else "FailedDelete"
    message = str(error)
    if existing and existing.get("reason") == reason and existing.get("message") == message:
        return conditions
    return [*others, {"type": REPLICA_FAILURE, "status": "True", "reason": reason,
                      "message": message,
                      "lastTransitionTime": podutil.format_time(now)}]


def status_changed(old: Obj, new: Obj) -> bool:
    """Whether writing `new` would change anything (never write a no-op)."""
    return any(old.get(k) != new.get(k) and (old.get(k) or new.get(k)) for k in _COMPARED)
