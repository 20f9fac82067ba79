"""The DaemonSet controller: one pod per eligible node (upstream's DaemonSetsController).

A sync claims the DaemonSet's pods, finds (or makes) the ControllerRevision of its current
template, and, per node (daemonset_util.node_should_run): creates the missing daemon pod
(unbound, with node affinity to the node: the scheduler binds it), deletes failed pods
(FailedDaemonPod) and duplicates, and deletes pods from nodes that no longer qualify or no
longer exist. With the RollingUpdate strategy, pods of older revisions are deleted as long as
no more than maxUnavailable nodes lack an available pod (an unavailable old pod goes at once);
the next sync creates their replacements. OnDelete waits for the user to delete them. Then
the status (desired/current/misscheduled/ready/available/updated numbers) and the revision
history (revisionHistoryLimit) are brought up to date.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager import controller_history as history
from controller_manager import daemonset_util as dsu
from controller_manager.controller_ref import (ControllerRefManager, controller_of,
                                               controller_ref, meta, owner_recheck)
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.daemonset_plan import NodePlan
from controller_manager.expectations import ControllerExpectations
from controller_manager.pod_control import PODS, PodControl, namespace_terminating
from machinery.api import resources
from machinery.api.errors import ApiError, BadRequest, Conflict, NotFound
from machinery.controller import Result, TerminalError
from machinery.events import NORMAL, WARNING
from machinery.informer import object_key
from machinery.runtime import kv
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.daemonset")

Obj = dict[str, Any]
DAEMONSETS = resources.lookup("apps", "v1", "daemonsets")
NODES = resources.lookup("", "v1", "nodes")
KIND, API_VERSION = "DaemonSet", "apps/v1"


def _node_view(node: Obj) -> tuple:
    """What of a node can change where daemon pods run."""
    return ((node.get("metadata") or {}).get("labels"), (node.get("spec") or {}).get("taints"),
            (node.get("spec") or {}).get("unschedulable"))


class DaemonSetController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 2):
        super().__init__("daemonset", ctx, workers,
                         (DAEMONSETS, PODS, NODES, history.REVISIONS), "daemonset-controller")
        self.expectations = ControllerExpectations()
        self.pod_control = PodControl(ctx.client, self.recorder)
        self.dss = ctx.informers.informer(DAEMONSETS)
        self.pods = ctx.informers.informer(PODS)
        self.nodes = ctx.informers.informer(NODES)
        self.revisions = ctx.informers.informer(history.REVISIONS)
        self.dss.add_handler(self._ds_event, lambda old, new: self._ds_event(new),
                             self._ds_deleted)
        self.nodes.add_handler(lambda n: self._all(), self._node_updated, lambda n: self._all())
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    # --- handlers ----------------------------------------------------------------------------

    def _ds_event(self, ds: Obj) -> None:
        self.enqueue(object_key(ds))

    def _ds_deleted(self, ds: Obj) -> None:
        self.expectations.delete(object_key(ds))

    def _all(self) -> None:
        for key in self.dss.keys():
            self.enqueue(key)

    def _node_updated(self, old: Obj, new: Obj) -> None:
        if _node_view(old) != _node_view(new):
            self._all()

    def _owner_key(self, pod: Obj) -> str | None:
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != KIND:
            return None
        return f"{meta(pod).get('namespace')}/{ref.get('name')}"

    def _pod_added(self, pod: Obj) -> None:
        key = self._owner_key(pod)
        if key is None:
            self._orphan(pod)
            return
        if meta(pod).get("deletionTimestamp"):
            self.expectations.deletion_observed(key, object_key(pod))
        else:
            self.expectations.creation_observed(key)
        self.enqueue(key)

    def _pod_updated(self, old: Obj, cur: Obj) -> None:
        key = self._owner_key(cur)
        if key is None:
            self._orphan(cur)
            return
        if meta(cur).get("deletionTimestamp"):
            self.expectations.deletion_observed(key, object_key(cur))
        self.enqueue(key)

    def _pod_deleted(self, pod: Obj) -> None:
        if (key := self._owner_key(pod)) is not None:
            self.expectations.deletion_observed(key, object_key(pod))
            self.enqueue(key)

    def _orphan(self, pod: Obj) -> None:
        labels = meta(pod).get("labels") or {}
        for ds in self.ctx.informers.in_namespace(DAEMONSETS, meta(pod).get("namespace") or ""):
            try:
                if label_selector_from_dict((ds.get("spec") or {}).get("selector"),
                                            none_matches_all=False).matches(labels):
                    self.enqueue(object_key(ds))
            except BadRequest:
                continue

    # --- the sync ----------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        ds = self.dss.get(key, copy_=False)
        if ds is None:
            self.expectations.delete(key)
            return None
        pods = await self._claim(ds)
        revs = history.owned_revisions(
            self.ctx.informers.in_namespace(history.REVISIONS, meta(ds)["namespace"]), ds)
        try:
            current = await history.current_revision(self.client, ds, API_VERSION, KIND, revs)
        except history.HashCollision:
            return await self._bump_collisions(ds)
        rev_hash = meta(current)["labels"][history.HASH_LABEL]
        plan = NodePlan(ds, self.nodes.list(copy_=False), pods, rev_hash)
        if self.expectations.satisfied(key) and not meta(ds).get("deletionTimestamp"):
            changed = await self._manage(key, ds, plan)
            if not changed and _strategy(ds) == "RollingUpdate":
                await self._delete(key, ds, plan.rolling_victims())
        await self._write_status(ds, plan)
        keep = {meta(current)["name"]} | {
            f"{meta(ds)['name']}-{h}" for h in plan.hashes_in_use()}
        limit = (ds.get("spec") or {}).get("revisionHistoryLimit", 10)
        await history.prune_revisions(self.client, revs, keep, limit)
        wait = plan.next_availability_s()
        return Result(requeue_after_s=wait) if wait is not None else None

    async def _claim(self, ds: Obj) -> list[Obj]:
        try:
            selector = label_selector_from_dict((ds.get("spec") or {}).get("selector"),
                                                none_matches_all=False)
        except BadRequest as e:
            raise TerminalError(f"invalid selector: {e}") from e
        manager = ControllerRefManager(self.client, PODS, ds, selector, API_VERSION, KIND,
                                       owner_recheck(self.client, DAEMONSETS, ds))
        return await manager.claim(self.ctx.informers.in_namespace(PODS, meta(ds)["namespace"]))

    async def _manage(self, key: str, ds: Obj, plan: NodePlan) -> bool:
        to_create, to_delete = plan.creates_and_deletes()
        for pod in plan.failed:
            self.recorder.event(ds, WARNING, "FailedDaemonPod",
                                f"Found failed daemon pod {object_key(pod)} on node "
                                f"{dsu.target_node(pod)}, will try to kill it",
                                kind=KIND, api_version=API_VERSION)
        await self._delete(key, ds, to_delete)
        await self._create(key, ds, to_create, plan.rev_hash)
        return bool(to_create or to_delete)

    async def _create(self, key: str, ds: Obj, nodes: list[str], rev_hash: str) -> None:
        if not nodes:
            return
        self.expectations.expect_creations(key, len(nodes))
        ref = controller_ref(ds, API_VERSION, KIND)
        log.info("creating daemon pods", extra=kv(controller=self.name, key=key,
                                                  count=len(nodes)))
        for node in nodes:
            pod = dsu.daemon_pod(ds, node, ref, rev_hash)
            try:
                created = await self.client.create(PODS, pod, meta(ds)["namespace"])
            except ApiError as e:
                self.expectations.creation_observed(key)
                if namespace_terminating(e):
                    return
                self.recorder.event(ds, WARNING, "FailedCreate", f"Error creating: {e}",
                                    kind=KIND, api_version=API_VERSION)
                raise
            self.recorder.event(ds, NORMAL, "SuccessfulCreate",
                                f"Created pod: {meta(created)['name']}",
                                kind=KIND, api_version=API_VERSION)

    async def _delete(self, key: str, ds: Obj, pods: list[Obj]) -> None:
        if not pods:
            return
        self.expectations.expect_deletions(key, [object_key(p) for p in pods])
        for pod in pods:
            try:
                await self.pod_control.delete(pod, ds, KIND, API_VERSION)
            except NotFound:
                self.expectations.deletion_observed(key, object_key(pod))

    async def _write_status(self, ds: Obj, plan: NodePlan) -> None:
        status = plan.status()
        old = ds.get("status") or {}
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if status == old:
            return
        body = {**ds, "status": status}
        body["metadata"] = {k: v for k, v in meta(ds).items() if k != "managedFields"}
        try:
            await self.client.update_status(DAEMONSETS, body)
        except Conflict:
            # the cache lags our own last write: look again once it caught up
            self.enqueue_after(object_key(body), 0.05)

    async def _bump_collisions(self, ds: Obj) -> Result:
        status = dict(ds.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        await self.client.update_status(DAEMONSETS, {**ds, "status": status})
        return Result(requeue=True)


def _strategy(ds: Obj) -> str:
    return (((ds.get("spec") or {}).get("updateStrategy") or {}).get("type")) or "RollingUpdate"


def new_daemonset(ctx: ControllerContext) -> DaemonSetController:
    return DaemonSetController(ctx, ctx.settings.concurrent_daemonset_syncs)
