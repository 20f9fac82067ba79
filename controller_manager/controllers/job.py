"""The Job controller: run pods until enough succeed, or give up (upstream 1.32's, in Python).

A sync claims the Job's pods, counts the finished ones exactly once (job_util's finalizer
protocol: uid into status.uncountedTerminatedPods, finalizer off, then into succeeded/failed),
decides whether the Job met its success criteria (SuccessCriteriaMet) or failed
(FailureTarget: backoffLimit exceeded, counting container restarts under restartPolicy
OnFailure, or activeDeadlineSeconds passed), creates or deletes pods towards
min(parallelism, remaining completions) (NonIndexed) or the missing indexes (Indexed), with
upstream's exponential back-off after failures, and once nothing runs any more adds the
final Complete (with completionTime) or Failed condition. Suspended Jobs have their pods
deleted. Expectations guard against a cache that lags our own creates and deletes.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from controller_manager import job_util as ju
from controller_manager.controller_ref import (ControllerRefManager, controller_of, meta,
                                               owner_recheck)
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.expectations import ControllerExpectations
from controller_manager.job_pods import API_VERSION, KIND, remove_tracking_finalizer
from controller_manager.job_sync import JobSync
from controller_manager.pod_control import PODS, PodControl
from machinery.api import resources
from machinery.api.errors import ApiError, BadRequest, Conflict
from machinery.controller import Result, TerminalError
from machinery.informer import object_key, split_key
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.job")

Obj = dict[str, Any]
JOBS = resources.lookup("batch", "v1", "jobs")
STALE_RETRY_S = 0.1


class JobController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 5,
                 backoff_base_s: float = ju.BACKOFF_BASE_S):
        super().__init__("job", ctx, workers, (JOBS, PODS), "job-controller")
        self.backoff_base_s = backoff_base_s
        self.expectations = ControllerExpectations()
        self.pod_control = PodControl(ctx.client, self.recorder)
        self.removing: dict[str, set[str]] = {}          # finalizer removals not yet seen
        self._failures: dict[str, tuple[int, float]] = {}  # (failures in a row, when last)
        self.jobs = ctx.informers.informer(JOBS)
        self.pods = ctx.informers.informer(PODS)
        self.jobs.add_handler(self._job_event, lambda old, new: self._job_event(new),
                              self._job_deleted)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    # --- handlers ----------------------------------------------------------------------------

    def _job_event(self, job: Obj) -> None:
        self.enqueue(object_key(job))

    def _job_deleted(self, job: Obj) -> None:
        key = object_key(job)
        self.expectations.delete(key)
        self._failures.pop(key, None)
        self.enqueue(key)                      # its pods' finalizers must still come off

    def _owner_key(self, pod: Obj) -> str | None:
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != KIND:
            return None
        return f"{meta(pod).get('namespace')}/{ref.get('name')}"

    def _pod_added(self, pod: Obj) -> None:
        if (key := self._owner_key(pod)) is None:
            return
        if ju.terminating(pod):
            self.expectations.deletion_observed(key, object_key(pod))
        else:
            self.expectations.creation_observed(key)
        self.enqueue(key)

    def _pod_updated(self, old: Obj, cur: Obj) -> None:
        if (key := self._owner_key(cur)) is None:
            return
        if ju.terminating(cur):
            self.expectations.deletion_observed(key, object_key(cur))
        if not ju.has_finalizer(cur):
            self.removing.get(key, set()).discard(meta(cur).get("uid"))
        self.enqueue(key)

    def _pod_deleted(self, pod: Obj) -> None:
        if (key := self._owner_key(pod)) is None:
            return
        self.expectations.deletion_observed(key, object_key(pod))
        self.removing.get(key, set()).discard(meta(pod).get("uid"))
        self.enqueue(key)

    # --- the sync ----------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        job = self.jobs.get(key, copy_=False)
        ns, name = split_key(key)
        if job is None:
            await self._release_orphans(ns or "", name, None)
            self.removing.pop(key, None)
            return None
        pods = await self._claim(job)
        await self._release_orphans(ns or "", name, meta(job).get("uid"))
        if ju.is_finished(job):
            await self.remove_finalizers([p for p in pods if ju.has_finalizer(p)], key)
            return None
        try:
            return await JobSync(self, key, job, pods).run()
        except Conflict:
            # our cache is behind our own last status write; every step is safe to redo
            return Result(requeue_after_s=STALE_RETRY_S)

    async def _claim(self, job: Obj) -> list[Obj]:
        try:
            selector = label_selector_from_dict(ju.spec(job).get("selector"),
                                                none_matches_all=False)
        except BadRequest as e:
            raise TerminalError(f"invalid selector: {e}") from e
        ns = meta(job).get("namespace") or ""
        manager = ControllerRefManager(self.client, PODS, job, selector, API_VERSION, KIND,
                                       owner_recheck(self.client, JOBS, job))
        candidates = [p for p in self.ctx.informers.in_namespace(PODS, ns)
                      if not (ju.terminating(p) and controller_of(p) is None)]
        return await manager.claim(candidates)

    async def _release_orphans(self, ns: str, name: str, uid: str | None) -> None:
        """Pods of a deleted Job (or of an older Job of this name) keep no finalizer of ours."""
        orphans = []
        for pod in self.ctx.informers.in_namespace(PODS, ns):
            ref = controller_of(pod)
            if ref and ref.get("kind") == KIND and ref.get("name") == name and \
                    ref.get("uid") != uid and ju.has_finalizer(pod):
                orphans.append(pod)
        for pod in orphans:
            await remove_tracking_finalizer(self.client, pod)

    async def remove_finalizers(self, pods: list[Obj], key: str) -> set[str]:
        done = set()
        for pod in pods:
            uid = meta(pod).get("uid")
            self.removing.setdefault(key, set()).add(uid)
            try:
                await remove_tracking_finalizer(self.client, pod)
            except ApiError:
                self.removing[key].discard(uid)
                raise
            done.add(uid)
        return done

    def backoff_left_s(self, key: str) -> float:
        count, last = self._failures.get(key, (0, 0.0))
        return max(ju.backoff_delay_s(count, self.backoff_base_s) - (time.monotonic() - last),
                   0.0)

    def note_failures(self, key: str, failed: int, succeeded: int) -> None:
        if succeeded:
            self._failures.pop(key, None)
        if failed:
            count, _ = self._failures.get(key, (0, 0.0))
            self._failures[key] = (count + failed, time.monotonic())


def new_job(ctx: ControllerContext) -> JobController:
    s = ctx.settings
    return JobController(ctx, s.concurrent_job_syncs,
                         s.job_pod_failure_backoff_s)
