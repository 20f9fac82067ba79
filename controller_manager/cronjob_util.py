"""The pure rules of the CronJob controller (upstream's cronjob v2 controller).

`most_recent_schedule(cronjob, sched, now)` is the latest scheduled time not yet run
(after lastScheduleTime, or the CronJob's creation, and within startingDeadlineSeconds),
with how many were missed; `job_name` is `<cronjob>-<scheduled minutes since the epoch>`, so a
restarted controller never runs one scheduled time twice; `job_from_template` builds the Job.
"""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from controller_manager.cronjob_schedule import Schedule
from controller_manager.podutil import format_time, parse_time

Obj = dict[str, Any]
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=367),
           timedelta(days=366 * 5))
MISSED_WARNING = 100


def spec(cj: Obj) -> Obj:
    return cj.get("spec") or {}


def earliest_time(cj: Obj, now: datetime) -> datetime:
    status, meta = cj.get("status") or {}, cj.get("metadata") or {}
    earliest = parse_time(status.get("lastScheduleTime")) or \
        parse_time(meta.get("creationTimestamp")) or now
    deadline = spec(cj).get("startingDeadlineSeconds")
    if deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=deadline))
    return earliest


def most_recent_schedule(cj: Obj, sched: Schedule, now: datetime
                         ) -> tuple[datetime | None, int]:
    """(the latest scheduled time in (earliest, now], how many such times there were —
    at least that many, capped)."""
    earliest = earliest_time(cj, now)
    for window in WINDOWS:
        start = max(earliest, now - window)
        latest, count = None, 0
        t = sched.next_after(start)
        while t is not None and t <= now:
            latest, count = t, count + 1
            t = sched.next_after(t)
        if latest is not None:
            return latest, count if start == earliest else max(count, MISSED_WARNING + 1)
        if start == earliest:
            break
    return None, 0


def job_name(cj: Obj, scheduled: datetime) -> str:
    return f"{cj['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def job_from_template(cj: Obj, scheduled: datetime) -> Obj:
    template = copy.deepcopy(spec(cj).get("jobTemplate") or {})
    tmeta = template.get("metadata") or {}
    meta = cj["metadata"]
    zone = sched_zone(cj)
    annotations = dict(tmeta.get("annotations") or {})
    annotations[SCHEDULED_TIMESTAMP] = scheduled.astimezone(zone).isoformat().replace(
        "+00:00", "Z")
    job_meta: Obj = {"name": job_name(cj, scheduled), "namespace": meta["namespace"],
                     "labels": dict(tmeta.get("labels") or {}), "annotations": annotations,
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                          "name": meta["name"], "uid": meta["uid"],
                                          "controller": True, "blockOwnerDeletion": True}]}
    if not job_meta["labels"]:
        del job_meta["labels"]
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta,
            "spec": template.get("spec") or {}}


def sched_zone(cj: Obj) -> ZoneInfo | timezone:
    name = spec(cj).get("timeZone")
    return ZoneInfo(name) if name else timezone.utc


def job_finished(job: Obj) -> str | None:
    """"Complete" or "Failed" once the Job finished, else None."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return c["type"]
    return None


def job_ref(job: Obj) -> Obj:
    m = job["metadata"]
    return {"apiVersion": "batch/v1", "kind": "Job", "name": m["name"],
            "namespace": m["namespace"], "uid": m["uid"],
            "resourceVersion": m.get("resourceVersion")}


def jobs_to_prune(jobs: list[Obj], limit: int | None, kind: str) -> list[Obj]:
    """The oldest finished Jobs of one kind (Complete or Failed) beyond the history limit."""
    if limit is None:
        return []
    finished = [j for j in jobs if job_finished(j) == kind]
    finished.sort(key=lambda j: (_start(j), j["metadata"]["name"]))
    return finished[:max(len(finished) - limit, 0)]


def _start(job: Obj) -> str:
    status = job.get("status") or {}
    return status.get("startTime") or job["metadata"].get("creationTimestamp") or ""


def stamp(moment: datetime) -> str:
    return format_time(moment)
