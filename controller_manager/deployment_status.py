"""Deployment status and conditions, as upstream's calculateStatus and progress checks.

Pure functions over dicts. The Available condition says whether at least
`replicas - maxUnavailable` pods are available; the Progressing condition tells the story of
the rollout (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused/Resumed), and a deployment
that made no progress for `progressDeadlineSeconds` is marked ProgressDeadlineExceeded.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from controller_manager import deployment_util as du
from controller_manager.podutil import format_time, parse_time

Obj = dict[str, Any]

AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
FAILED_RS_CREATE = "ReplicaSetCreateError"


def condition(status: Obj, type_: str) -> Obj | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == type_), None)


def new_condition(type_: str, status: str, reason: str, message: str, now: datetime) -> Obj:
    stamp = format_time(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


def set_condition(status: Obj, cond: Obj) -> None:
    """Upstream's SetDeploymentCondition: same status and reason is a no-op; the same status
    keeps the transition time."""
    current = condition(status, cond["type"])
    if current and current.get("status") == cond["status"] and \
            current.get("reason") == cond["reason"]:
        return
    if current and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    remove_condition(status, cond["type"])
    status.setdefault("conditions", []).append(cond)


def remove_condition(status: Obj, type_: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def has_progress_deadline(deployment: Obj) -> bool:
    deadline = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and deadline < 2 ** 31 - 1


def calculate_status(deployment: Obj, all_rss: list[Obj], new_rs: Obj | None,
                     now: datetime) -> Obj:
    available = du.sum_status(all_rss, "availableReplicas")
    total_spec = du.sum_spec_replicas(all_rss)
    old = deployment.get("status") or {}
    status: Obj = {
        "observedGeneration": (deployment.get("metadata") or {}).get("generation"),
        "replicas": du.sum_status(all_rss, "replicas"),
        "updatedReplicas": du.sum_status([new_rs], "replicas"),
        "readyReplicas": du.sum_status(all_rss, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(total_spec - available, 0),
    }
    status = {k: v for k, v in status.items() if v or k == "replicas"}
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"]]
    minimum = du.deployment_replicas(deployment) - du.max_unavailable(deployment)
    if available >= minimum:
        set_condition(status, new_condition(AVAILABLE, "True", MIN_AVAILABLE,
                                            "Deployment has minimum availability.", now))
    else:
        set_condition(status, new_condition(AVAILABLE, "False", MIN_UNAVAILABLE,
                                            "Deployment does not have minimum availability.",
                                            now))
    return status


def _count(status: Obj, field: str) -> int:
    return status.get(field) or 0


def is_complete(deployment: Obj, status: Obj) -> bool:
    desired = du.deployment_replicas(deployment)
    return (_count(status, "updatedReplicas") == desired and _count(status, "replicas") == desired
            and _count(status, "availableReplicas") == desired
            and (status.get("observedGeneration") or 0) >=
            ((deployment.get("metadata") or {}).get("generation") or 0))


def is_progressing(deployment: Obj, status: Obj) -> bool:
    old = deployment.get("status") or {}
    old_old = _count(old, "replicas") - _count(old, "updatedReplicas")
    new_old = _count(status, "replicas") - _count(status, "updatedReplicas")
    return (_count(status, "updatedReplicas") > _count(old, "updatedReplicas")
            or new_old < old_old
            or _count(status, "readyReplicas") > _count(old, "readyReplicas")
            or _count(status, "availableReplicas") > _count(old, "availableReplicas"))


def timed_out(deployment: Obj, status: Obj, now: datetime) -> bool:
    if not has_progress_deadline(deployment):
        return False
    cond = condition(status, PROGRESSING)
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = parse_time(cond.get("lastUpdateTime"))
    deadline = deployment["spec"]["progressDeadlineSeconds"]
    return since is not None and since + timedelta(seconds=deadline) < now


def rollout_status(deployment: Obj, all_rss: list[Obj], new_rs: Obj | None,
                   now: datetime) -> Obj:
    """calculateStatus plus the Progressing and ReplicaFailure conditions of a rollout."""
    status = calculate_status(deployment, all_rss, new_rs, now)
    paused = (deployment.get("spec") or {}).get("paused")
    if not has_progress_deadline(deployment):
        remove_condition(status, PROGRESSING)
    elif not paused:
        _update_progressing(deployment, status, new_rs, now)
    failure = next((c for rs in all_rss for c in (rs.get("status") or {}).get("conditions") or []
                    if c.get("type") == REPLICA_FAILURE), None)
    if failure is not None:
        set_condition(status, {**failure, "lastUpdateTime": failure.get("lastTransitionTime")})
    else:
        remove_condition(status, REPLICA_FAILURE)
    return status


def _update_progressing(deployment: Obj, status: Obj, new_rs: Obj | None, now: datetime) -> None:
    current = condition(status, PROGRESSING)
    done = (_count(status, "replicas") == _count(status, "updatedReplicas") and current
            and current.get("reason") == NEW_RS_AVAILABLE)
    if done:
        return
    name = ((new_rs or {}).get("metadata") or {}).get("name")
    if is_complete(deployment, status):
        msg = (f'ReplicaSet "{name}" has successfully progressed.' if name
               else f'Deployment "{deployment["metadata"]["name"]}" has successfully progressed.')
        set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, msg, now))
    elif is_progressing(deployment, status):
        msg = (f'ReplicaSet "{name}" is progressing.' if name
               else f'Deployment "{deployment["metadata"]["name"]}" is progressing.')
        cond = new_condition(PROGRESSING, "True", RS_UPDATED, msg, now)
        if current and current.get("status") == "True":
            cond["lastTransitionTime"] = current.get("lastTransitionTime")
        remove_condition(status, PROGRESSING)
        set_condition(status, cond)
    elif timed_out(deployment, status, now):
        msg = (f'ReplicaSet "{name}" has timed out progressing.' if name
               else f'Deployment "{deployment["metadata"]["name"]}" has timed out progressing.')
        set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT, msg, now))


def stuck_requeue_s(deployment: Obj, status: Obj, now: datetime) -> float | None:
    """When to look again at a deployment that may hit its progress deadline (None: never)."""
    cond = condition(status, PROGRESSING)
    if cond is None or not has_progress_deadline(deployment) or \
            cond.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT) or is_complete(deployment, status):
        return None
    since = parse_time(cond.get("lastUpdateTime"))
    if since is None:
        return None
    left = (since + timedelta(seconds=deployment["spec"]["progressDeadlineSeconds"]) - now)
    return max(left.total_seconds(), 0) + 1.0


def paused_condition(deployment: Obj, now: datetime) -> Obj | None:
    """The Progressing condition pause/resume calls for, or None (checkPausedConditions)."""
    if not has_progress_deadline(deployment):
        return None
    current = condition(deployment.get("status") or {}, PROGRESSING)
    if current is not None and current.get("reason") == TIMED_OUT:
        return None
    paused = bool((deployment.get("spec") or {}).get("paused"))
    paused_exists = current is not None and current.get("reason") == PAUSED
    if paused and not paused_exists:
        return new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused", now)
    if not paused and paused_exists:
        return new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed", now)
    return None


def status_equal(a: Obj, b: Obj) -> bool:
    """Equal for writing purposes: missing and zero counts are the same."""
    keys = set(a) | set(b)
    return all((a.get(k) or None) == (b.get(k) or None) for k in keys)
