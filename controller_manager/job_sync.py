"""One sync of one Job (the Job controller's decisions and writes, see controllers/job.py).

The order matters, as upstream's: finished pods are recorded in uncountedTerminatedPods (a
status write) before their finalizers come off, and move into succeeded/failed after; the
success or failure target is decided, pods are created or deleted, and once no pod is left the
final Complete or Failed condition is written.
"""
from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

from controller_manager import job_util as ju
from controller_manager import podutil
from controller_manager.controller_ref import meta
from controller_manager.job_pods import API_VERSION, KIND, job_pod
from controller_manager.pod_control import PODS, namespace_terminating
from machinery.api import resources
from machinery.api.errors import ApiError, NotFound
from machinery.controller import Result
from machinery.events import NORMAL, WARNING
from machinery.informer import object_key
from machinery.runtime import kv

if TYPE_CHECKING:
    from controller_manager.controllers.job import JobController

log = logging.getLogger("controller_manager.job")

Obj = dict[str, Any]
JOBS = resources.lookup("batch", "v1", "jobs")


class JobSync:
    """One sync of one Job: the pods, the counts, the decisions, the writes."""

    def __init__(self, ctl: "JobController", key: str, job: Obj, pods: list[Obj]):
        self.ctl, self.key, self.job = ctl, key, job
        self.client = ctl.client
        removing = ctl.removing.get(key, set())
        self.pods = pods
        self.tracked = [p for p in pods if meta(p).get("uid") not in removing]
        self.released: set[str] = set(removing)     # finalizers already off (or going)
        self.status = copy.deepcopy(job.get("status") or {})
        self.now = podutil.now_utc()
        self.indexed = ju.spec(job).get("completionMode") == "Indexed"

    async def run(self) -> Result | None:
        conditions = self.status.get("conditions") or []
        finishing = any(c.get("type") in (ju.FAILURE_TARGET, ju.SUCCESS_CRITERIA_MET) and
                        c.get("status") == "True" for c in conditions)
        uncounted = self.status.get("uncountedTerminatedPods") or {}
        new_s, new_f = ju.newly_finished(self.tracked, uncounted, finishing)
        completed = ju.parse_indexes(self.status.get("completedIndexes"))
        if self.indexed:
            new_s = self._new_indexed_successes(new_s, completed)
        self.ctl.note_failures(self.key, len(new_f), len(new_s))
        self.uncounted = {"succeeded": [*(uncounted.get("succeeded") or []), *new_s],
                          "failed": [*(uncounted.get("failed") or []), *new_f]}
        if new_s or new_f:
            await self._write_status()           # recorded before any finalizer comes off
        active = [p for p in self.pods if ju.is_active(p)]
        requeue = await self._decide_and_manage(active, completed)
        await self._count_uncounted()
        return await self._finish(requeue)

    def _new_indexed_successes(self, new_s: list[str], completed: set[int]) -> list[str]:
        completions = ju.spec(self.job).get("completions") or 0
        by_uid = {meta(p).get("uid"): p for p in self.tracked}
        kept = []
        for uid in new_s:
            ix = ju.completion_index(by_uid[uid])
            if ix is not None and ix < completions and ix not in completed:
                completed.add(ix)
                kept.append(uid)
        self.completed_new = completed
        return kept

    def succeeded(self) -> int:
        return (self.status.get("succeeded") or 0) + len(self.uncounted["succeeded"])

    def failed(self) -> int:
        return (self.status.get("failed") or 0) + len(self.uncounted["failed"])

    def completed_indexes(self) -> set[int]:
        return getattr(self, "completed_new", None) or \
            ju.parse_indexes(self.status.get("completedIndexes"))

    async def _decide_and_manage(self, active: list[Obj], completed: set[int]) -> float | None:
        spec = ju.spec(self.job)
        if not self.status.get("startTime") and not spec.get("suspend"):
            self.status["startTime"] = podutil.format_time(self.now)
        conds = self.status.get("conditions") or []
        if not any(c.get("type") in (ju.FAILURE_TARGET, ju.SUCCESS_CRITERIA_MET) for c in conds):
            if ju.success_reached(self.job, self.succeeded(), self.completed_indexes(),
                                  len(active)):
                conds = ju.set_condition(conds, ju.SUCCESS_CRITERIA_MET,
                                         *ju.COMPLETIONS_REACHED, self.now)
            elif (reason := ju.failure_reason(self.job, self.failed(), self.pods, self.now)):
                conds = ju.set_condition(conds, ju.FAILURE_TARGET, *reason, self.now)
        self.status["conditions"] = conds
        if any(c.get("type") in (ju.FAILURE_TARGET, ju.SUCCESS_CRITERIA_MET) for c in conds):
            await self._delete(active, len(active))
            return None
        if spec.get("suspend"):
            await self._suspend(active)
            return None
        self._resume()
        if not self.ctl.expectations.satisfied(self.key):
            return None
        return await self._manage(active, completed)

    async def _manage(self, active: list[Obj], completed: set[int]) -> float | None:
        spec = ju.spec(self.job)
        if self.indexed:
            return await self._manage_indexed(active)
        want = ju.want_active(self.job, self.succeeded(), len(active))
        if len(active) > want:
            victims = sorted(active, key=podutil.deletion_order_key)[:len(active) - want]
            await self._delete(victims, len(victims))
        elif len(active) < want:
            if (left := self.ctl.backoff_left_s(self.key)) > 0:
                return left
            await self._create([None] * (want - len(active)))
        deadline = ju.seconds_to_deadline(self.job, self.now)
        return deadline if spec.get("activeDeadlineSeconds") is not None else None

    async def _manage_indexed(self, active: list[Obj]) -> float | None:
        spec = ju.spec(self.job)
        running = {ix for p in active if (ix := ju.completion_index(p)) is not None}
        room = spec.get("parallelism", 1) - len(active)
        todo = ju.missing_indexes(spec.get("completions") or 0, self.completed_indexes(),
                                  running, max(room, 0))
        if todo:
            if (left := self.ctl.backoff_left_s(self.key)) > 0:
                return left
            await self._create(todo)
        return ju.seconds_to_deadline(self.job, self.now)

    async def _create(self, indexes: list[int | None]) -> None:
        self.ctl.expectations.expect_creations(self.key, len(indexes))
        log.info("creating pods", extra=kv(controller="job", key=self.key, count=len(indexes)))
        for index in indexes:
            pod = job_pod(self.job, index)
            try:
                created = await self.client.create(PODS, pod, meta(self.job)["namespace"])
            except ApiError as e:
                self.ctl.expectations.creation_observed(self.key)
                if namespace_terminating(e):
                    return
                self.ctl.recorder.event(self.job, WARNING, "FailedCreate",
                                        f"Error creating: {e}", kind=KIND,
                                        api_version=API_VERSION)
                raise
            self.ctl.recorder.event(self.job, NORMAL, "SuccessfulCreate",
                                    f"Created pod: {meta(created)['name']}", kind=KIND,
                                    api_version=API_VERSION)

    async def _delete(self, pods: list[Obj], count: int) -> None:
        if not pods:
            return
        self.ctl.expectations.expect_deletions(self.key, [object_key(p) for p in pods])
        for pod in pods[:count]:
            try:
                await self.ctl.pod_control.delete(pod, self.job, KIND, API_VERSION)
            except NotFound:
                self.ctl.expectations.deletion_observed(self.key, object_key(pod))

    async def _suspend(self, active: list[Obj]) -> None:
        conds = self.status.get("conditions") or []
        if not ju.condition(self.job, ju.SUSPENDED):
            self.status["conditions"] = ju.set_condition(conds, ju.SUSPENDED, "JobSuspended",
                                                         "Job suspended", self.now)
            self.ctl.recorder.event(self.job, NORMAL, "Suspended", "Job suspended",
                                    kind=KIND, api_version=API_VERSION)
        await self._delete(active, len(active))

    def _resume(self) -> None:
        conds = self.status.get("conditions") or []
        if not any(c.get("type") == ju.SUSPENDED and c.get("status") == "True" for c in conds):
            return
        stamp = podutil.format_time(self.now)
        self.status["conditions"] = [
            {**c, "status": "False", "reason": "JobResumed", "message": "Job resumed",
             "lastTransitionTime": stamp} if c.get("type") == ju.SUSPENDED else c
            for c in conds]
        self.status["startTime"] = stamp      # upstream restarts the deadline clock
        self.ctl.recorder.event(self.job, NORMAL, "Resumed", "Job resumed", kind=KIND,
                                api_version=API_VERSION)

    async def _count_uncounted(self) -> None:
        """Finalizers off the uncounted pods, then they move into the counters."""
        waiting = set(self.uncounted["succeeded"]) | set(self.uncounted["failed"])
        by_uid = {meta(p).get("uid"): p for p in self.pods}
        done = await self.ctl.remove_finalizers(
            [p for uid, p in by_uid.items() if uid in waiting and ju.has_finalizer(p)],
            self.key)
        done |= {uid for uid in waiting if uid not in by_uid or not ju.has_finalizer(by_uid[uid])}
        self.released |= done
        for field in ("succeeded", "failed"):
            moved = [u for u in self.uncounted[field] if u in done]
            self.status[field] = (self.status.get(field) or 0) + len(moved)
            self.uncounted[field] = [u for u in self.uncounted[field] if u not in done]
        # finished pods we do not count (an index that already succeeded) lose it too
        extra = [p for p in self.tracked if ju.has_finalizer(p) and not ju.is_active(p)
                 and meta(p).get("uid") not in waiting]
        self.released |= await self.ctl.remove_finalizers(extra, self.key)

    async def _finish(self, requeue: float | None) -> Result | None:
        remaining = [p for p in self.pods if ju.is_active(p) or
                     (ju.has_finalizer(p) and meta(p).get("uid") not in self.released)]
        settled = not remaining and not self.uncounted["succeeded"] and \
            not self.uncounted["failed"]
        conds = self.status.get("conditions") or []
        target = next((c for c in conds if c.get("type") == ju.FAILURE_TARGET), None)
        met = next((c for c in conds if c.get("type") == ju.SUCCESS_CRITERIA_MET), None)
        if settled and target is not None:
            self.status["conditions"] = ju.set_condition(conds, ju.FAILED, target["reason"],
                                                         target["message"], self.now)
            self.ctl.recorder.event(self.job, WARNING, target["reason"], target["message"],
                                    kind=KIND, api_version=API_VERSION)
        elif settled and met is not None:
            self.status["conditions"] = ju.set_condition(conds, ju.COMPLETE, met["reason"],
                                                         met["message"], self.now)
            self.status["completionTime"] = podutil.format_time(self.now)
            self.ctl.recorder.event(self.job, NORMAL, "Completed", "Job completed",
                                    kind=KIND, api_version=API_VERSION)
        await self._write_status()
        if target is not None or met is not None:
            return None if settled else Result(requeue_after_s=1.0)
        return Result(requeue_after_s=requeue + 0.05) if requeue is not None else None

    def _final_fields(self) -> Obj:
        """The status as upstream serializes it: zero counters omitted, except the pointer
        fields ready and terminating; uncountedTerminatedPods always present."""
        active = [p for p in self.pods if ju.is_active(p)]
        status = {k: v for k, v in self.status.items()
                  if k not in ("active", "succeeded", "failed")}
        for field, value in (("active", len(active)),
                             ("succeeded", self.status.get("succeeded") or 0),
                             ("failed", self.status.get("failed") or 0)):
            if value:
                status[field] = value
        status["ready"] = sum(1 for p in active if podutil.is_ready(p))
        status["terminating"] = sum(1 for p in self.pods if ju.terminating(p)
                                    and ju.phase(p) not in ("Succeeded", "Failed"))
        status["uncountedTerminatedPods"] = {k: v for k, v in self.uncounted.items() if v}
        if self.indexed:
            status["completedIndexes"] = ju.format_indexes(self.completed_indexes())
        return status

    async def _write_status(self) -> None:
        status = self._final_fields()
        if status == (self.job.get("status") or {}):
            return
        body = {**self.job, "status": status}
        body["metadata"] = {k: v for k, v in meta(self.job).items() if k != "managedFields"}
        self.job = await self.client.update_status(JOBS, body)
