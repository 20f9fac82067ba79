"""Pod facts controllers reason with: active, ready, available, and which to delete first.

`deletion_order_key` sorts pods the way upstream's ActivePodsWithRanks does, so that scaling
down removes the cheapest pods first: unassigned before assigned, Pending before Unknown before
Running, not ready before ready, lower pod-deletion-cost first, more co-located siblings first,
ready for less time first, more restarts first, newer first.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

Obj = dict[str, Any]
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp (with or without fractional seconds) as an aware datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def is_active(pod: Obj) -> bool:
    """Not finished and not being deleted (upstream's IsPodActive)."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not (pod.get("metadata") or {}).get(
        "deletionTimestamp")


def ready_condition(pod: Obj) -> Obj | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond
    return None


def is_ready(pod: Obj) -> bool:
    cond = ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def is_available(pod: Obj, min_ready_s: int, now: datetime) -> bool:
    """Ready for at least min_ready_s seconds (upstream's IsPodAvailable)."""
    if not is_ready(pod):
        return False
    if min_ready_s <= 0:
        return True
    since = parse_time((ready_condition(pod) or {}).get("lastTransitionTime"))
    return since is not None and (now - since).total_seconds() >= min_ready_s


def seconds_until_available(pod: Obj, min_ready_s: int, now: datetime) -> float | None:
    """For a ready but not yet available pod: when it becomes available."""
    if not is_ready(pod) or min_ready_s <= 0:
        return None
    since = parse_time((ready_condition(pod) or {}).get("lastTransitionTime"))
    if since is None:
        return None
    left = min_ready_s - (now - since).total_seconds()
    return left if left > 0 else None


def labels_match_template(pod: Obj, template_labels: Mapping[str, str] | None) -> bool:
    """Every template label is on the pod (counted as fullyLabeledReplicas)."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in (template_labels or {}).items())


def _max_restarts(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return max((s.get("restartCount") or 0 for s in statuses), default=0)


def _deletion_cost(pod: Obj) -> int:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(DELETION_COST_ANNOTATION)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _timestamp(dt: datetime | None) -> float:
    # empty times sort as "newest": they go before any real one (upstream's afterOrZero)
    return float("inf") if dt is None else dt.timestamp()


def deletion_order_key(pod: Obj, rank: int = 0) -> tuple:
    """Sort ascending: the first pods are the ones to delete first."""
    spec, status, meta = pod.get("spec") or {}, pod.get("status") or {}, pod.get("metadata") or {}
    ready = is_ready(pod)
    ready_since = parse_time((ready_condition(pod) or {}).get("lastTransitionTime")) if ready \
        else None
    return (
        1 if spec.get("nodeName") else 0,
        _PHASE_RANK.get(status.get("phase") or "Pending", 0),
        1 if ready else 0,
        _deletion_cost(pod),
        -rank,
        -_timestamp(ready_since) if ready else 0.0,
        -_max_restarts(pod),
        -_timestamp(parse_time(meta.get("creationTimestamp"))),
    )


def pods_to_delete(pods: list[Obj], related: list[Obj], count: int) -> list[Obj]:
    """The `count` pods to delete (cheapest first), ranked by how many related pods share
    their node."""
    per_node: dict[str, int] = {}
    for pod in related:
        if is_active(pod) and (node := (pod.get("spec") or {}).get("nodeName")):
            per_node[node] = per_node.get(node, 0) + 1

    def rank(pod: Obj) -> int:
        node = (pod.get("spec") or {}).get("nodeName")
        return per_node.get(node, 0) if node else 0

    return sorted(pods, key=lambda p: deletion_order_key(p, rank(p)))[:count]
