"""The disruption controller: the status of every PodDisruptionBudget (upstream's).

For each budget: the pods of its namespace that its selector matches, the scale of their
controllers when the budget needs it (ReplicaSet, or the Deployment that owns it,
StatefulSet, ReplicationController: each controller counted once), then
disruption_util.budget_status. A budget whose pods have no controller with a scale, when one
is needed, gets disruptionsAllowed 0 and DisruptionAllowed=False (SyncFailed), as upstream's
fail-safe. Pods changing (labels, readiness, deletion) and controllers rescaling re-sync the
budgets of their namespace.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager import disruption_util as du
from controller_manager import podutil
from controller_manager.controller_ref import controller_of, meta
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.pod_control import PODS
from machinery.api import resources
from machinery.api.errors import BadRequest, Conflict, NotFound
from machinery.controller import Result
from machinery.informer import object_key
from machinery.runtime import kv
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.disruption")

Obj = dict[str, Any]
PDBS = resources.lookup("policy", "v1", "poddisruptionbudgets")
REPLICASETS = resources.lookup("apps", "v1", "replicasets")
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
STATEFULSETS = resources.lookup("apps", "v1", "statefulsets")
RCS = resources.lookup("", "v1", "replicationcontrollers")
SCALED = {"ReplicaSet": REPLICASETS, "Deployment": DEPLOYMENTS, "StatefulSet": STATEFULSETS,
          "ReplicationController": RCS}


class NoController(Exception):
    """A pod of a budget that needs scales has no controller with a scale."""


class DisruptionController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 2):
        super().__init__("disruption", ctx, workers, (PDBS, PODS, *SCALED.values()),
                         "controllermanager")
        self.pdbs = ctx.informers.informer(PDBS)
        self.pods = ctx.informers.informer(PODS)
        self.pdbs.add_key_handler(self.enqueue)
        self.pods.add_handler(self._pod_event, self._pod_updated, self._pod_event)
        for info in SCALED.values():
            ctx.informers.informer(info).add_handler(
                self._namespace_event, lambda old, new: self._scale_changed(old, new),
                self._namespace_event)

    def _budgets_in(self, namespace: str) -> list[Obj]:
        return self.ctx.informers.in_namespace(PDBS, namespace)

    def _pod_event(self, pod: Obj) -> None:
        labels = meta(pod).get("labels") or {}
        for pdb in self._budgets_in(meta(pod).get("namespace") or ""):
            if _selects(pdb, labels):
                self.enqueue(object_key(pdb))

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        self._pod_event(new)
        if meta(old).get("labels") != meta(new).get("labels"):
            self._pod_event(old)

    def _namespace_event(self, obj: Obj) -> None:
        for pdb in self._budgets_in(meta(obj).get("namespace") or ""):
            self.enqueue(object_key(pdb))

    def _scale_changed(self, old: Obj, new: Obj) -> None:
        if (old.get("spec") or {}).get("replicas") != (new.get("spec") or {}).get("replicas"):
            self._namespace_event(new)

    async def reconcile(self, key: str) -> Result | None:
        pdb = self.pdbs.get(key, copy_=False)
        if pdb is None:
            return None
        ns = meta(pdb)["namespace"]
        pods = [p for p in self.ctx.informers.in_namespace(PODS, ns)
                if _selects(pdb, meta(p).get("labels") or {})]
        now = podutil.now_utc()
        try:
            scale = self._scale(pods) if du.needs_scale(pdb) else None
            status = du.budget_status(pdb, pods, scale, now)
        except NoController as e:
            status = du.failed_status(pdb, str(e), now)
        await self._write(pdb, status)
        # recently disrupted pods stop counting as disrupted after the TTL: look again then
        return Result(requeue_after_s=du.DISRUPTED_TTL_S) if status.get("disruptedPods") \
            else None

    def _scale(self, pods: list[Obj]) -> int:
        """The summed replicas of the pods' controllers, each counted once."""
        seen: dict[str, int] = {}
        for pod in pods:
            ref = controller_of(pod)
            found = self._find_scale(meta(pod)["namespace"], ref)
            if found is None:
                raise NoController(f"found no controllers for pod {meta(pod)['name']!r}")
            uid, replicas = found
            seen[uid] = replicas
        return sum(seen.values())

    def _find_scale(self, ns: str, ref: Obj | None) -> tuple[str, int] | None:
        if ref is None or ref.get("kind") not in SCALED:
            return None
        owner = self.ctx.informers.informer(SCALED[ref["kind"]]).get_by_name(
            ref.get("name", ""), ns, copy_=False)
        if owner is None or meta(owner).get("uid") != ref.get("uid"):
            return None
        if ref["kind"] == "ReplicaSet":
            parent = controller_of(owner)
            if parent is not None and parent.get("kind") == "Deployment":
                found = self._find_scale(ns, parent)
                if found is not None:
                    return found
        return meta(owner)["uid"], int((owner.get("spec") or {}).get("replicas", 1))

    async def _write(self, pdb: Obj, status: Obj) -> None:
        if status == (pdb.get("status") or {}):
            return
        body = {**pdb, "status": status}
        body["metadata"] = {k: v for k, v in meta(pdb).items() if k != "managedFields"}
        try:
            await self.client.update_status(PDBS, body)
        except Conflict:
            self.enqueue_after(object_key(pdb), 0.05)   # an eviction wrote it meanwhile
            return
        except NotFound:
            return
        log.info("updated disruption budget", extra=kv(
            controller=self.name, key=object_key(pdb), healthy=status.get("currentHealthy"),
            allowed=status.get("disruptionsAllowed")))


def _selects(pdb: Obj, labels: dict[str, str]) -> bool:
    selector = (pdb.get("spec") or {}).get("selector")
    if selector is None:
        return False
    try:
        return label_selector_from_dict(selector, none_matches_all=False).matches(labels)
    except BadRequest:
        return False


def new_disruption(ctx: ControllerContext) -> DisruptionController:
    return DisruptionController(ctx, ctx.settings.concurrent_disruption_syncs)
