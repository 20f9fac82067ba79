"""The pure rules of the Job controller (upstream 1.32): which pods count, when a Job is done.

Pods carry the `batch.kubernetes.io/job-tracking` finalizer until the controller has counted
them, so that a pod deleted right after it finished is still counted exactly once: a finished
pod's uid goes into status.uncountedTerminatedPods, then its finalizer is removed, then it
moves into status.succeeded/failed. A pod being deleted that did not succeed counts as failed
(podReplacementPolicy TerminatingOrFailed, the default). A Job that meets its success criteria
gets SuccessCriteriaMet and, once no pod is left running, Complete; one that fails gets
FailureTarget and then Failed, as upstream.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from controller_manager.podutil import format_time, parse_time

Obj = dict[str, Any]
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
INDEX_LABEL = INDEX_ANNOTATION
INDEX_ENV = "JOB_COMPLETION_INDEX"

COMPLETE, FAILED = "Complete", "Failed"
SUCCESS_CRITERIA_MET, FAILURE_TARGET, SUSPENDED = "SuccessCriteriaMet", "FailureTarget", \
    "Suspended"
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
BACKOFF_BASE_S, BACKOFF_MAX_S = 10.0, 360.0


def spec(job: Obj) -> Obj:
    return job.get("spec") or {}


def condition(job: Obj, type_: str) -> Obj | None:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_ and c.get("status") == "True":
            return c
    return None


def is_finished(job: Obj) -> bool:
    return condition(job, COMPLETE) is not None or condition(job, FAILED) is not None


def finished_at(job: Obj) -> datetime | None:
    """When the Job finished (its Complete/Failed condition's transition time)."""
    cond = condition(job, COMPLETE) or condition(job, FAILED)
    return parse_time((cond or {}).get("lastTransitionTime")) if cond else None


def has_finalizer(pod: Obj) -> bool:
    return TRACKING_FINALIZER in ((pod.get("metadata") or {}).get("finalizers") or [])


def phase(pod: Obj) -> str | None:
    return (pod.get("status") or {}).get("phase")


def terminating(pod: Obj) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def pod_failed(pod: Obj, only_failed: bool = False) -> bool:
    """Counted as a failure: Failed, or (TerminatingOrFailed) being deleted without success."""
    if phase(pod) == "Failed":
        return True
    return not only_failed and terminating(pod) and phase(pod) != "Succeeded"


def is_active(pod: Obj) -> bool:
    return phase(pod) not in ("Succeeded", "Failed") and not terminating(pod)


def completion_index(pod: Obj) -> int | None:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(INDEX_ANNOTATION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def newly_finished(pods: Iterable[Obj], uncounted: Obj, job_finishing: bool,
                   only_failed: bool = False) -> tuple[list[str], list[str]]:
    """(succeeded uids, failed uids) of tracked pods that finished and are not yet uncounted.

    Once the Job is finishing, every tracked pod still running will count as failed when it
    goes (upstream: active pods are terminated when the Job is done)."""
    known = set(uncounted.get("succeeded") or []) | set(uncounted.get("failed") or [])
    succeeded, failed = [], []
    for pod in pods:
        uid = (pod.get("metadata") or {}).get("uid")
        if not has_finalizer(pod) or uid in known:
            continue
        if phase(pod) == "Succeeded":
            succeeded.append(uid)
        elif pod_failed(pod, only_failed) or (job_finishing and terminating(pod)):
            failed.append(uid)
    return succeeded, failed


def restarts_on_failure(job: Obj, pods: Iterable[Obj]) -> bool:
    """restartPolicy OnFailure: container restarts count against backoffLimit."""
    template_spec = (spec(job).get("template") or {}).get("spec") or {}
    if template_spec.get("restartPolicy") != "OnFailure":
        return False
    total = 0
    for pod in pods:
        if phase(pod) in ("Running", "Pending"):
            status = pod.get("status") or {}
            for cs in (status.get("initContainerStatuses") or []) + \
                    (status.get("containerStatuses") or []):
                total += cs.get("restartCount") or 0
    limit = spec(job).get("backoffLimit", 6)
    return total > 0 if limit == 0 else total >= limit


def past_deadline(job: Obj, now: datetime) -> bool:
    deadline = spec(job).get("activeDeadlineSeconds")
    started = parse_time((job.get("status") or {}).get("startTime"))
    return deadline is not None and started is not None and \
        (now - started).total_seconds() >= deadline


def seconds_to_deadline(job: Obj, now: datetime) -> float | None:
    deadline = spec(job).get("activeDeadlineSeconds")
    started = parse_time((job.get("status") or {}).get("startTime"))
    if deadline is None or started is None:
        return None
    return max(deadline - (now - started).total_seconds(), 0.0)


def failure_reason(job: Obj, failed: int, pods: list[Obj], now: datetime
                   ) -> tuple[str, str] | None:
    if failed > spec(job).get("backoffLimit", 6) or restarts_on_failure(job, pods):
        return BACKOFF_LIMIT_EXCEEDED
    if past_deadline(job, now):
        return DEADLINE_EXCEEDED
    return None


def want_active(job: Obj, succeeded: int, active: int) -> int:
    """How many pods should run (upstream's manageJob, NonIndexed)."""
    s = spec(job)
    parallelism = s.get("parallelism", 1)
    completions = s.get("completions")
    if completions is None:
        return active if succeeded > 0 else parallelism
    return max(0, min(completions - succeeded, parallelism))


def success_reached(job: Obj, succeeded: int, succeeded_indexes: set[int], active: int) -> bool:
    s = spec(job)
    completions = s.get("completions")
    if s.get("completionMode") == "Indexed":
        return completions is not None and len(succeeded_indexes) >= completions
    if completions is None:
        return succeeded > 0 and active == 0
    return succeeded >= completions


def set_condition(conditions: list[Obj], type_: str, reason: str, message: str,
                  now: datetime) -> list[Obj]:
    """conditions with `type_` True (added, or updated if it was not True)."""
    out = [c for c in conditions if c.get("type") != type_]
    old = next((c for c in conditions if c.get("type") == type_), None)
    if old is not None and old.get("status") == "True":
        return conditions
    stamp = format_time(now)
    out.append({"type": type_, "status": "True", "reason": reason, "message": message,
                "lastProbeTime": stamp, "lastTransitionTime": stamp})
    return out


def backoff_delay_s(failures: int, base_s: float = BACKOFF_BASE_S,
                    max_s: float = BACKOFF_MAX_S) -> float:
    """Upstream's pod failure back-off: base, doubling per failure, capped."""
    if failures <= 0:
        return 0.0
    return min(base_s * 2 ** (failures - 1), max_s)


# --- completed indexes: "1,3-5,7" -----------------------------------------------------------------

def parse_indexes(text: str | None) -> set[int]:
    result: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        result.update(range(int(lo), int(hi or lo) + 1))
    return result


def format_indexes(indexes: Iterable[int]) -> str:
    ordered = sorted(set(indexes))
    parts, i = [], 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def missing_indexes(completions: int, succeeded: set[int], active: set[int], count: int
                    ) -> list[int]:
    """The lowest `count` indexes that neither succeeded nor run."""
    out = []
    for i in range(completions):
        if len(out) >= count:
            break
        if i not in succeeded and i not in active:
            out.append(i)
    return out
