"""The TTL-after-finished controller: finished Jobs with ttlSecondsAfterFinished are deleted.

As upstream's ttl-after-finished-controller: a Job whose Complete or Failed condition is
`ttlSecondsAfterFinished` seconds old is deleted with foreground propagation (its pods go
first, through the garbage collector), with a uid precondition so that a new Job of the same
name is never taken for the old one. Before that moment the Job is looked at again when its
time is up.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager import job_util as ju
from controller_manager import podutil
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import Conflict, NotFound
from machinery.controller import Result
from machinery.informer import split_key
from machinery.runtime import kv

log = logging.getLogger("controller_manager.ttlafterfinished")

Obj = dict[str, Any]
JOBS = resources.lookup("batch", "v1", "jobs")


def seconds_left(job: Obj, now) -> float | None:
    """Seconds until the finished Job expires (<= 0: now); None if it never does."""
    ttl = ju.spec(job).get("ttlSecondsAfterFinished")
    if ttl is None or (job.get("metadata") or {}).get("deletionTimestamp"):
        return None
    finished = ju.finished_at(job)
    if finished is None:
        return None
    return ttl - (now - finished).total_seconds()


class TTLAfterFinishedController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 5):
        super().__init__("ttl-after-finished-controller", ctx, workers, (JOBS,),
                         "ttl-after-finished-controller")
        self.jobs = ctx.informers.informer(JOBS)
        self.jobs.add_key_handler(self.enqueue)

    async def reconcile(self, key: str) -> Result | None:
        job = self.jobs.get(key, copy_=False)
        if job is None:
            return None
        left = seconds_left(job, podutil.now_utc())
        if left is None:
            return None
        if left > 0:
            return Result(requeue_after_s=left + 0.05)
        ns, name = split_key(key)
        try:
            await self.client.delete(JOBS, name, ns, propagation_policy="Foreground",
                                     preconditions={"uid": job["metadata"]["uid"]})
        except (NotFound, Conflict):
            return None
        log.info("deleted expired job", extra=kv(controller=self.name, key=key))
        return None


def new_ttlafterfinished(ctx: ControllerContext) -> TTLAfterFinishedController:
    return TTLAfterFinishedController(ctx, ctx.settings.concurrent_ttl_syncs)
