"""The Deployment controller: one ReplicaSet per pod template, rolled out by strategy.

As upstream's DeploymentController. Handlers map ReplicaSet changes to their Deployment (by
controllerRef, or by selector for orphans) and pod deletions to Recreate deployments; a sync
claims the ReplicaSets that match the selector, then either only reports status (being
deleted), only scales (paused, or spec.replicas changed), or advances the rollout one step with
the RollingUpdate or Recreate strategy. The steps themselves are in deployment_strategies.
"""
from __future__ import annotations

import copy
import logging
from typing import Any

from controller_manager import deployment_status as ds
from controller_manager import deployment_strategies as strategies
from controller_manager import deployment_util as du
from controller_manager.controller_ref import (ControllerRefManager, being_deleted, controller_of,
                                               meta, owner_recheck)
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.deployment_sync import DEPLOYMENTS, REPLICASETS, Rollout
from controller_manager.pod_control import PODS
from controller_manager.podutil import now_utc
from machinery.api.errors import BadRequest
from machinery.controller import Result, TerminalError
from machinery.events import WARNING
from machinery.informer import object_key, split_key
from machinery.labels import LabelSelector
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.deployment")

Obj = dict[str, Any]


def _selector(d: Obj) -> LabelSelector:
    return label_selector_from_dict((d.get("spec") or {}).get("selector"), none_matches_all=False)


class DeploymentController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 5):
        super().__init__("deployment", ctx, workers, (DEPLOYMENTS, REPLICASETS, PODS))
        informers = ctx.informers
        self.deployments = informers.informer(DEPLOYMENTS)
        self.replicasets = informers.informer(REPLICASETS)
        self.pods = informers.informer(PODS)
        self.deployments.add_key_handler(self.enqueue)
        self.replicasets.add_handler(self._rs_added, self._rs_updated, self._rs_deleted)
        self.pods.add_handler(on_delete=self._pod_deleted)

    # --- handlers ------------------------------------------------------------------------------

    def _resolve(self, namespace: str, ref: Obj | None) -> Obj | None:
        if ref is None or ref.get("kind") != "Deployment":
            return None
        d = self.deployments.get_by_name(ref.get("name", ""), namespace, copy_=False)
        return d if d is not None and meta(d).get("uid") == ref.get("uid") else None

    def _enqueue_matching(self, rs: Obj) -> None:
        labels = meta(rs).get("labels") or {}
        for d in self.ctx.informers.in_namespace(DEPLOYMENTS, meta(rs).get("namespace", "")):
            try:
                if _selector(d).matches(labels):
                    self.enqueue(object_key(d))
            except BadRequest:
                continue

    def _rs_added(self, rs: Obj) -> None:
        if being_deleted(rs):
            self._rs_deleted(rs)
            return
        ref = controller_of(rs)
        if ref is not None:
            if (d := self._resolve(meta(rs).get("namespace", ""), ref)) is not None:
                self.enqueue(object_key(d))
            return
        self._enqueue_matching(rs)

    def _rs_updated(self, old: Obj, cur: Obj) -> None:
        if meta(old).get("resourceVersion") == meta(cur).get("resourceVersion"):
            return
        ns = meta(cur).get("namespace", "")
        old_ref, cur_ref = controller_of(old), controller_of(cur)
        if old_ref != cur_ref and (d := self._resolve(ns, old_ref)) is not None:
            self.enqueue(object_key(d))
        if cur_ref is not None:
            if (d := self._resolve(ns, cur_ref)) is not None:
                self.enqueue(object_key(d))
            return
        if meta(old).get("labels") != meta(cur).get("labels") or old_ref != cur_ref:
            self._enqueue_matching(cur)

    def _rs_deleted(self, rs: Obj) -> None:
        if (d := self._resolve(meta(rs).get("namespace", ""), controller_of(rs))) is not None:
            self.enqueue(object_key(d))

    def _pod_deleted(self, pod: Obj) -> None:
        """A Recreate rollout waits for the old pods to be gone."""
        ns = meta(pod).get("namespace", "")
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.replicasets.get_by_name(ref.get("name", ""), ns, copy_=False)
        if rs is None or meta(rs).get("uid") != ref.get("uid"):
            return
        d = self._resolve(ns, controller_of(rs))
        if d is not None and not du.is_rolling(d):
            self.enqueue(object_key(d))

    # --- the sync ------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        d = self.deployments.get(key, copy_=False)
        if d is None:
            return None
        if (d.get("spec") or {}).get("selector") in ({}, None):
            await self._selecting_all(d)
            return None
        rollout = Rollout(self.client, self.recorder, d, await self._claim(d), now_utc())
        if being_deleted(d):
            new_rs, _ = await rollout.all_replica_sets(create=False)
            await rollout.sync_status(new_rs)
            return None
        await self._check_paused(rollout)
        if (d.get("spec") or {}).get("paused") or await strategies.is_scaling_event(rollout):
            await strategies.scale_only(rollout)
        elif du.is_rolling(d):
            await strategies.rolling(rollout)
        else:
            await strategies.recreate(rollout, self._pods_by_rs(d, rollout.rss))
        if rollout.requeue_after_s is not None:
            return Result(requeue_after_s=rollout.requeue_after_s)
        return None

    async def _selecting_all(self, d: Obj) -> None:
        self.recorder.event(d, WARNING, "SelectingAll",
                            "This deployment is selecting all pods. A non-empty selector is "
                            "required.", kind="Deployment", api_version="apps/v1")
        status = d.get("status") or {}
        generation = meta(d).get("generation") or 0
        if (status.get("observedGeneration") or 0) < generation:
            await self.client.update_status(
                DEPLOYMENTS, {**d, "status": {**status, "observedGeneration": generation}})

    async def _claim(self, d: Obj) -> list[Obj]:
        try:
            selector = _selector(d)
        except BadRequest as e:
            raise TerminalError(f"invalid selector: {e}") from e
        ns, _ = split_key(object_key(d))
        manager = ControllerRefManager(self.client, REPLICASETS, d, selector, "apps/v1",
                                       "Deployment", owner_recheck(self.client, DEPLOYMENTS, d))
        return await manager.claim(self.ctx.informers.in_namespace(REPLICASETS, ns or ""))

    async def _check_paused(self, rollout: Rollout) -> None:
        cond = ds.paused_condition(rollout.d, rollout.now)
        if cond is None:
            return
        status = copy.deepcopy(rollout.d.get("status") or {})
        ds.set_condition(status, cond)
        await rollout.write_status(status)

    def _pods_by_rs(self, d: Obj, rss: list[Obj]) -> dict[str, list[Obj]]:
        uids = {meta(rs).get("uid") for rs in rss}
        by_rs: dict[str, list[Obj]] = {uid: [] for uid in uids}
        for pod in self.ctx.informers.in_namespace(PODS, meta(d).get("namespace", "")):
            ref = controller_of(pod)
            if ref is not None and ref.get("uid") in uids:
                by_rs[ref["uid"]].append(pod)
        return by_rs


def new_deployment(ctx: ControllerContext) -> DeploymentController:
    return DeploymentController(ctx, ctx.settings.concurrent_deployment_syncs)
