"""The CronJob controller: a Job per scheduled time (upstream's cronjob v2 controller).

A sync first brings status.active up to date with the CronJob's Jobs (a finished one leaves it,
with a SawCompletedJob event and lastSuccessfulTime for a Complete one; one that disappeared
leaves it too), prunes finished Jobs beyond successfulJobsHistoryLimit/failedJobsHistoryLimit
(SuccessfulDelete), then, unless suspended, starts the Job of the most recent scheduled time
not yet run: too late past startingDeadlineSeconds is a MissSchedule, Forbid skips while a Job
is active, Replace deletes the active Jobs first. The Job is named
`<cronjob>-<scheduled minutes since epoch>` (a second attempt finds it exists: never twice).
The CronJob is looked at again at its next scheduled time. `clock` is injectable for tests.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from controller_manager import cronjob_util as cu
from controller_manager import podutil
from controller_manager.controller_ref import controller_of, meta
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.cronjob_schedule import Schedule, ScheduleError
from machinery.api import resources
from machinery.api.errors import AlreadyExists, Conflict, NotFound
from machinery.controller import Result
from machinery.events import NORMAL, WARNING
from machinery.informer import object_key
from machinery.runtime import kv

log = logging.getLogger("controller_manager.cronjob")

Obj = dict[str, Any]
CRONJOBS = resources.lookup("batch", "v1", "cronjobs")
JOBS = resources.lookup("batch", "v1", "jobs")
KIND, API_VERSION = "CronJob", "batch/v1"


class CronJobController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 5,
                 clock: Callable[[], datetime] = podutil.now_utc):
        super().__init__("cronjob", ctx, workers, (CRONJOBS, JOBS), "cronjob-controller")
        self.clock = clock
        self.cronjobs = ctx.informers.informer(CRONJOBS)
        self.jobs = ctx.informers.informer(JOBS)
        self.cronjobs.add_key_handler(self.enqueue)
        self.jobs.add_handler(self._job_event, lambda old, new: self._job_event(new),
                              self._job_event)

    def _job_event(self, job: Obj) -> None:
        ref = controller_of(job)
        if ref is not None and ref.get("kind") == KIND:
            self.enqueue(f"{meta(job).get('namespace')}/{ref.get('name')}")

    def _jobs_of(self, cj: Obj) -> list[Obj]:
        uid = meta(cj).get("uid")
        return [j for j in self.ctx.informers.in_namespace(JOBS, meta(cj)["namespace"])
                if (ref := controller_of(j)) is not None and ref.get("uid") == uid]

    def _event(self, cj: Obj, type_: str, reason: str, message: str) -> None:
        self.recorder.event(cj, type_, reason, message, kind=KIND, api_version=API_VERSION)

    async def reconcile(self, key: str) -> Result | None:
        cached = self.cronjobs.get(key, copy_=False)
        if cached is None:
            return None
        cj = {**cached, "status": dict(cached.get("status") or {})}
        jobs = self._jobs_of(cj)
        now = self.clock()
        self._track_active(cj, jobs)
        await self._prune(cj, jobs)
        requeue = None
        if not meta(cj).get("deletionTimestamp") and not cu.spec(cj).get("suspend"):
            requeue = await self._maybe_run(cj, jobs, now)
        await self._write_status(cached, cj)
        return Result(requeue_after_s=requeue) if requeue is not None else None

    def _track_active(self, cj: Obj, jobs: list[Obj]) -> None:
        status = cj["status"]
        by_uid = {meta(j)["uid"]: j for j in jobs}
        active = []
        for ref in status.get("active") or []:
            job = by_uid.get(ref.get("uid"))
            if job is None:
                self._event(cj, NORMAL, "MissingJob", f"Active job went missing: {ref['name']}")
                continue
            finished = cu.job_finished(job)
            if finished is None:
                active.append(ref)
                continue
            self._event(cj, NORMAL, "SawCompletedJob",
                        f"Saw completed job: {meta(job)['name']}, condition: {finished}")
            if finished == "Complete":
                done = (job.get("status") or {}).get("completionTime")
                last = status.get("lastSuccessfulTime")
                if done and (not last or done > last):
                    status["lastSuccessfulTime"] = done
        known = {ref.get("uid") for ref in active}
        for job in jobs:    # ours but not listed (a status write was lost): running again
            if cu.job_finished(job) is None and meta(job)["uid"] not in known and \
                    not meta(job).get("deletionTimestamp"):
                active.append(cu.job_ref(job))
        status["active"] = active

    async def _prune(self, cj: Obj, jobs: list[Obj]) -> None:
        spec = cu.spec(cj)
        doomed = cu.jobs_to_prune(jobs, spec.get("successfulJobsHistoryLimit"), "Complete") + \
            cu.jobs_to_prune(jobs, spec.get("failedJobsHistoryLimit"), "Failed")
        for job in doomed:
            if not meta(job).get("deletionTimestamp"):
                await self._delete_job(cj, job)

    async def _delete_job(self, cj: Obj, job: Obj) -> None:
        m = meta(job)
        try:
            await self.client.delete(JOBS, m["name"], m["namespace"],
                                     propagation_policy="Background")
        except NotFound:
            return
        self._event(cj, NORMAL, "SuccessfulDelete", f"Deleted job {m['name']}")

    async def _maybe_run(self, cj: Obj, jobs: list[Obj], now: datetime) -> float | None:
        spec, status = cu.spec(cj), cj["status"]
        try:
            sched = Schedule.parse(spec.get("schedule") or "", spec.get("timeZone"))
        except ScheduleError as e:
            self._event(cj, WARNING, "UnparseableSchedule",
                        f"unparseable schedule: {spec.get('schedule')!r} : {e}")
            return None
        scheduled, missed = cu.most_recent_schedule(cj, sched, now)
        requeue = _until_next(sched, now)
        if scheduled is None:
            return requeue
        if missed > cu.MISSED_WARNING:
            self._event(cj, WARNING, "TooManyMissedTimes",
                        "too many missed start times. Set or decrease .spec."
                        "startingDeadlineSeconds or check clock skew")
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and (now - scheduled).total_seconds() > deadline:
            self._event(cj, WARNING, "MissSchedule",
                        f"Missed scheduled time to start a job: {scheduled.isoformat()}")
            return requeue
        name = cu.job_name(cj, scheduled)
        if any(meta(j)["name"] == name for j in jobs):
            return requeue                   # this time already ran
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and status.get("active"):
            log.info("not starting job: previous still active",
                     extra=kv(controller=self.name, key=object_key(cj)))
            return requeue
        if policy == "Replace":
            for ref in list(status.get("active") or []):
                job = next((j for j in jobs if meta(j)["uid"] == ref.get("uid")), None)
                if job is not None:
                    await self._delete_job(cj, job)
            status["active"] = []
        await self._create(cj, scheduled)
        return requeue

    async def _create(self, cj: Obj, scheduled: datetime) -> None:
        body = cu.job_from_template(cj, scheduled)
        status = cj["status"]
        try:
            created = await self.client.create(JOBS, body, meta(cj)["namespace"])
        except AlreadyExists:
            created = await self.client.get(JOBS, body["metadata"]["name"],
                                            meta(cj)["namespace"])
            if (controller_of(created) or {}).get("uid") != meta(cj)["uid"]:
                return
        else:
            self._event(cj, NORMAL, "SuccessfulCreate", f"Created job {meta(created)['name']}")
            log.info("created job", extra=kv(controller=self.name, key=object_key(cj),
                                              job=meta(created)["name"]))
        if all(ref.get("uid") != meta(created)["uid"] for ref in status.get("active") or []):
            status["active"] = [*(status.get("active") or []), cu.job_ref(created)]
        status["lastScheduleTime"] = cu.stamp(scheduled)

    async def _write_status(self, cached: Obj, cj: Obj) -> None:
        status = {k: v for k, v in cj["status"].items() if v not in (None, [])}
        if status == {k: v for k, v in (cached.get("status") or {}).items()
                      if v not in (None, [])}:
            return
        body = {**cached, "status": status}
        body["metadata"] = {k: v for k, v in meta(cached).items() if k != "managedFields"}
        try:
            await self.client.update_status(CRONJOBS, body)
        except NotFound:
            pass
        except Conflict:
            # the cache lags our own last write: the Job names make a redo harmless
            self.enqueue_after(object_key(cached), 0.1)


def _until_next(sched: Schedule, now: datetime) -> float | None:
    nxt = sched.next_after(now)
    return None if nxt is None else max((nxt - now).total_seconds(), 0.0) + 0.1


def new_cronjob(ctx: ControllerContext) -> CronJobController:
    return CronJobController(ctx, ctx.settings.concurrent_cron_job_syncs)
