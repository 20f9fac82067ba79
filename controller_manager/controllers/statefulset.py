"""The StatefulSet controller: ordered pods with stable names and storage (upstream's).

A sync claims the set's pods, finds the current revision (status.currentRevision) and the
update revision (the template now), then walks the ordinals in order:

- a missing pod is created (its PVCs first, `<template>-<set>-<i>`, kept unless the retention
  policy says Delete) from the revision its ordinal should run; a failed one is deleted;
- OrderedReady waits for each pod to be Running and Ready before the next (and for every pod to
  be healthy before removing any); Parallel does not wait;
- pods beyond the replica count go highest ordinal first (OrderedReady: one at a time, each
  gone before the next), their claims deleted only with whenScaled: Delete;
- RollingUpdate replaces pods of older revisions from the highest ordinal down to the
  partition, one at a time, each healthy again before the next; OnDelete waits for the user.

Status: replicas, readyReplicas, availableReplicas, currentReplicas, updatedReplicas,
currentRevision, updateRevision (revision names, which the pods carry in
controller-revision-hash), observedGeneration; old revisions beyond revisionHistoryLimit go.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager import controller_history as history
from controller_manager import statefulset_util as su
from controller_manager.controller_ref import (ControllerRefManager, controller_of, meta,
                                               owner_recheck)
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.pod_control import PODS, namespace_terminating
from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError, BadRequest, Conflict, NotFound
from machinery.controller import Result, TerminalError
from machinery.events import NORMAL, WARNING
from machinery.informer import object_key
from machinery.runtime import kv
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.statefulset")

Obj = dict[str, Any]
STATEFULSETS = resources.lookup("apps", "v1", "statefulsets")
PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
KIND, API_VERSION = su.KIND, su.API_VERSION


class StatefulSetController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 5):
        super().__init__("statefulset", ctx, workers,
                         (STATEFULSETS, PODS, PVCS, history.REVISIONS), "statefulset-controller")
        self.sets = ctx.informers.informer(STATEFULSETS)
        self.pods = ctx.informers.informer(PODS)
        self.pvcs = ctx.informers.informer(PVCS)
        self.revisions = ctx.informers.informer(history.REVISIONS)
        self.sets.add_key_handler(self.enqueue)
        self.pods.add_handler(self._pod_event, lambda old, new: self._pod_event(new),
                              self._pod_event)

    def _pod_event(self, pod: Obj) -> None:
        ref = controller_of(pod)
        if ref is not None and ref.get("kind") == KIND:
            self.enqueue(f"{meta(pod).get('namespace')}/{ref.get('name')}")

    def _event(self, sts: Obj, type_: str, reason: str, message: str) -> None:
        self.recorder.event(sts, type_, reason, message, kind=KIND, api_version=API_VERSION)

    async def reconcile(self, key: str) -> Result | None:
        sts = self.sets.get(key, copy_=False)
        if sts is None:
            return None
        pods = await self._claim(sts)
        revs = history.owned_revisions(
            self.ctx.informers.in_namespace(history.REVISIONS, meta(sts)["namespace"]), sts)
        try:
            update_rev = await history.current_revision(self.client, sts, API_VERSION, KIND,
                                                        revs)
        except history.HashCollision:
            return await self._bump_collisions(sts)
        status = sts.get("status") or {}
        current_rev = next((r for r in revs if meta(r)["name"] == status.get("currentRevision")),
                           update_rev)
        if not meta(sts).get("deletionTimestamp"):
            await _Sync(self, sts, pods, current_rev, update_rev).run()
        pods = [p for p in self.ctx.informers.in_namespace(PODS, meta(sts)["namespace"])
                if (controller_of(p) or {}).get("uid") == meta(sts).get("uid")]
        await self._write_status(sts, su.compute_status(sts, pods, meta(current_rev)["name"],
                                                        meta(update_rev)["name"]))
        in_use = {su.pod_hash(p) for p in pods} | {meta(current_rev)["name"],
                                                   meta(update_rev)["name"]}
        await history.prune_revisions(self.client, revs, in_use,
                                      su.spec(sts).get("revisionHistoryLimit", 10))
        return None

    async def _claim(self, sts: Obj) -> list[Obj]:
        try:
            selector = label_selector_from_dict(su.spec(sts).get("selector"),
                                                none_matches_all=False)
        except BadRequest as e:
            raise TerminalError(f"invalid selector: {e}") from e
        manager = ControllerRefManager(self.client, PODS, sts, selector, API_VERSION, KIND,
                                       owner_recheck(self.client, STATEFULSETS, sts))
        pods = await manager.claim(self.ctx.informers.in_namespace(PODS, meta(sts)["namespace"]))
        return [p for p in pods if su.ordinal_of(sts, p) is not None]

    async def _write_status(self, sts: Obj, status: Obj) -> None:
        old = sts.get("status") or {}
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        status = {k: v for k, v in status.items()
                  if v or k in ("replicas", "observedGeneration")}
        if status == old:
            return
        body = {**sts, "status": status}
        body["metadata"] = {k: v for k, v in meta(sts).items() if k != "managedFields"}
        try:
            await self.client.update_status(STATEFULSETS, body)
        except Conflict:
            # the cache lags our own last write: look again once it caught up
            self.enqueue_after(object_key(body), 0.05)

    async def _bump_collisions(self, sts: Obj) -> Result:
        status = dict(sts.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        await self.client.update_status(STATEFULSETS, {**sts, "status": status})
        return Result(requeue=True)


class _Sync:
    """One pass over a set's ordinals (upstream's updateStatefulSet)."""

    def __init__(self, ctl: StatefulSetController, sts: Obj, pods: list[Obj], current: Obj,
                 update: Obj):
        self.ctl, self.sts, self.client = ctl, sts, ctl.client
        self.current, self.update = current, update
        self.ordered = (su.spec(sts).get("podManagementPolicy") or "OrderedReady") == \
            "OrderedReady"
        start = su.start_ordinal(sts)
        self.slots = list(range(start, start + su.spec(sts).get("replicas", 1)))
        self.by_ordinal = {su.ordinal_of(sts, p): p for p in pods}
        self.condemned = sorted((o for o in self.by_ordinal if o not in self.slots),
                                reverse=True)

    async def run(self) -> None:
        if not await self._replicas():
            return
        if not await self._scale_down():
            return
        if su.strategy_type(self.sts) == "RollingUpdate":
            await self._rolling_update()

    async def _replicas(self) -> bool:
        """Create, replace failed pods, wait for health; False when the sync must stop."""
        for ordinal in self.slots:
            pod = self.by_ordinal.get(ordinal)
            if pod is not None and su.finished(pod) and not su.terminating(pod):
                await self._delete_pod(pod)
                if self.ordered:
                    return False
                continue
            if pod is None:
                if not await self._create(ordinal) or self.ordered:
                    return False
                continue
            if self.ordered and not su.healthy(pod):
                return False
        return True

    async def _scale_down(self) -> bool:
        if self.ordered and not all(su.healthy(self.by_ordinal.get(o)) for o in self.slots):
            return False
        for ordinal in self.condemned:
            pod = self.by_ordinal[ordinal]
            if su.terminating(pod):
                if self.ordered:
                    return False
                continue
            await self._delete_pod(pod)
            if su.delete_claims_on_scale_down(self.sts):
                await self._delete_claims(ordinal)
            if self.ordered:
                return False
        return not self.condemned

    async def _rolling_update(self) -> None:
        update_name = meta(self.update)["name"]
        floor = su.start_ordinal(self.sts) + su.partition(self.sts)
        for ordinal in sorted(self.slots, reverse=True):
            if ordinal < floor:
                break
            pod = self.by_ordinal.get(ordinal)
            if pod is None:
                return
            if su.pod_hash(pod) != update_name and not su.terminating(pod):
                log.info("updating pod", extra=kv(controller="statefulset",
                                                  pod=meta(pod)["name"], revision=update_name))
                await self._delete_pod(pod)
                return
            if not su.healthy(pod):
                return

    async def _create(self, ordinal: int) -> bool:
        which = su.revision_for(self.sts, ordinal)
        rev = self.current if which == "current" else self.update
        template_set = su.set_at_revision(self.sts, rev)
        pod = su.new_pod(template_set, self.sts, ordinal, meta(rev)["name"])
        if not await self._create_claims(ordinal, meta(pod)["name"]):
            return False
        try:
            await self.client.create(PODS, pod, meta(self.sts)["namespace"])
        except AlreadyExists:
            return False                 # the cache lags: the next sync sees it
        except ApiError as e:
            if not namespace_terminating(e):
                self.ctl._event(self.sts, WARNING, "FailedCreate",
                                f"create Pod {meta(pod)['name']} in StatefulSet "
                                f"{meta(self.sts)['name']} failed error: {e}")
            raise
        self.ctl._event(self.sts, NORMAL, "SuccessfulCreate",
                        f"create Pod {meta(pod)['name']} in StatefulSet "
                        f"{meta(self.sts)['name']} successful")
        return True

    async def _create_claims(self, ordinal: int, pod_name: str) -> bool:
        for claim in su.claims_for(self.sts, ordinal):
            name = meta(claim)["name"]
            if self.ctl.pvcs.get_by_name(name, meta(self.sts)["namespace"], copy_=False):
                continue
            try:
                await self.client.create(PVCS, claim, meta(self.sts)["namespace"])
            except AlreadyExists:
                continue
            self.ctl._event(self.sts, NORMAL, "SuccessfulCreate",
                            f"create Claim {name} Pod {pod_name} in StatefulSet "
                            f"{meta(self.sts)['name']} success")
        return True

    async def _delete_pod(self, pod: Obj) -> None:
        m = meta(pod)
        try:
            await self.client.delete(PODS, m["name"], m["namespace"],
                                     preconditions={"uid": m["uid"]})
        except NotFound:
            return
        self.ctl._event(self.sts, NORMAL, "SuccessfulDelete",
                        f"delete Pod {m['name']} in StatefulSet {meta(self.sts)['name']} "
                        f"successful")

    async def _delete_claims(self, ordinal: int) -> None:
        for claim in su.claims_for(self.sts, ordinal):
            try:
                await self.client.delete(PVCS, meta(claim)["name"], meta(self.sts)["namespace"])
            except NotFound:
                continue
            log.info("deleted claim", extra=kv(controller="statefulset",
                                               claim=meta(claim)["name"]))


def new_statefulset(ctx: ControllerContext) -> StatefulSetController:
    return StatefulSetController(ctx, ctx.settings.concurrent_statefulset_syncs)

