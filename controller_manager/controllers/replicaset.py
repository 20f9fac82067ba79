"""The ReplicaSet (and ReplicationController) controller: keep `spec.replicas` pods running.

As upstream's ReplicaSetController. A sync claims the active pods that match the selector
(adopting orphans, releasing pods that stopped matching), then, if the expectations of earlier
writes were observed, creates the missing pods in slow-start batches or deletes the surplus
(cheapest first, see podutil.deletion_order_key), and writes the status: replicas,
fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration and the
ReplicaFailure condition. A ReplicationController is the same controller with a map selector.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable

from controller_manager import podutil
from controller_manager.controller_ref import (ControllerRefManager, being_deleted, controller_of,
                                               controller_ref, meta, owner_recheck)
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.expectations import ControllerExpectations
from controller_manager.pod_control import PODS, PodControl, namespace_terminating, \
    slow_start_batch
from controller_manager.replica_status import calculate_status, status_changed
from machinery.api import resources
from machinery.api.errors import BadRequest, Conflict, NotFound
from machinery.api.resources import ResourceInfo
from machinery.controller import Result, TerminalError
from machinery.informer import object_key, split_key
from machinery.labels import LabelSelector, selector_from_set
from machinery.runtime import kv
from machinery.selectors import label_selector_from_dict

log = logging.getLogger("controller_manager.replicaset")

Obj = dict[str, Any]
BURST_REPLICAS = 500          # upstream's cap on creates/deletes per sync
INITIAL_BATCH = 1


@dataclass(frozen=True)
class ReplicaKind:
    name: str
    component: str             # the event source upstream uses
    info: ResourceInfo
    selector: Callable[[Obj], LabelSelector]

    @property
    def kind(self) -> str:
        return self.info.kind

    @property
    def api_version(self) -> str:
        return self.info.api_version


def _set_selector(obj: Obj) -> LabelSelector:
    return label_selector_from_dict((obj.get("spec") or {}).get("selector"),
                                    none_matches_all=False)


def _map_selector(obj: Obj) -> LabelSelector:
    selector = (obj.get("spec") or {}).get("selector") or {}
    return selector_from_set(selector) if selector else LabelSelector.nothing()


REPLICASET = ReplicaKind("replicaset", "replicaset-controller",
                         resources.lookup("apps", "v1", "replicasets"), _set_selector)
REPLICATIONCONTROLLER = ReplicaKind("replicationcontroller", "replication-controller",
                                    resources.lookup("", "v1", "replicationcontrollers"),
                                    _map_selector)


class ReplicaSetController(QueueController):
    def __init__(self, ctx: ControllerContext, kind: ReplicaKind = REPLICASET,
                 workers: int = 5, burst_replicas: int = BURST_REPLICAS):
        super().__init__(kind.name, ctx, workers, (kind.info, PODS), kind.component)
        self.kind = kind
        self.burst_replicas = burst_replicas
        self.expectations = ControllerExpectations()
        self.pod_control = PodControl(ctx.client, self.recorder)
        self.owners = ctx.informers.informer(kind.info)
        self.pods = ctx.informers.informer(PODS)
        self.owners.add_handler(self._owner_added, self._owner_updated, self._owner_deleted)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    # --- informer handlers: only bookkeeping and enqueueing ----------------------------------

    def _owner_added(self, obj: Obj) -> None:
        self.enqueue(object_key(obj))

    def _owner_updated(self, old: Obj, new: Obj) -> None:
        self.enqueue(object_key(new))

    def _owner_deleted(self, obj: Obj) -> None:
        key = object_key(obj)
        self.expectations.delete(key)
        self.enqueue(key)

    def _resolve(self, namespace: str, ref: Obj | None) -> Obj | None:
        """The owner a controllerRef points at, if it is one of ours with that uid."""
        if ref is None or ref.get("kind") != self.kind.kind:
            return None
        owner = self.owners.get_by_name(ref.get("name", ""), namespace, copy_=False)
        if owner is None or meta(owner).get("uid") != ref.get("uid"):
            return None
        return owner

    def _matching_owners(self, pod: Obj) -> list[Obj]:
        labels = meta(pod).get("labels") or {}
        return [o for o in self.ctx.informers.in_namespace(self.kind.info, meta(pod)["namespace"])
                if self.kind.selector(o).matches(labels)]

    def _pod_added(self, pod: Obj) -> None:
        if being_deleted(pod):
            self._pod_deleted(pod)
            return
        owner = self._resolve(meta(pod).get("namespace", ""), controller_of(pod))
        if owner is not None:
            key = object_key(owner)
            self.expectations.creation_observed(key)
            self.enqueue(key)
            return
        if controller_of(pod) is None:
            for owner in self._matching_owners(pod):
                self.enqueue(object_key(owner))

    def _pod_updated(self, old: Obj, cur: Obj) -> None:
        if meta(old).get("resourceVersion") == meta(cur).get("resourceVersion"):
            return
        labels_changed = meta(old).get("labels") != meta(cur).get("labels")
        if being_deleted(cur):
            self._pod_deleted(cur)
            if labels_changed:
                self._pod_deleted(old)
            return
        ns = meta(cur).get("namespace", "")
        old_ref, cur_ref = controller_of(old), controller_of(cur)
        if old_ref != cur_ref and (old_owner := self._resolve(ns, old_ref)) is not None:
            self.enqueue(object_key(old_owner))
        if cur_ref is not None:
            if (owner := self._resolve(ns, cur_ref)) is not None:
                self._enqueue_for_readiness(owner, old, cur)
            return
        if labels_changed or old_ref != cur_ref:
            for owner in self._matching_owners(cur):
                self.enqueue(object_key(owner))

    def _enqueue_for_readiness(self, owner: Obj, old: Obj, cur: Obj) -> None:
        key = object_key(owner)
        self.enqueue(key)
        min_ready = (owner.get("spec") or {}).get("minReadySeconds") or 0
        if min_ready > 0 and not podutil.is_ready(old) and podutil.is_ready(cur):
            # the pod becomes available min_ready seconds from now: look again then
            self.enqueue_after(key, min_ready + 1)

    def _pod_deleted(self, pod: Obj) -> None:
        owner = self._resolve(meta(pod).get("namespace", ""), controller_of(pod))
        if owner is None:
            return
        key = object_key(owner)
        self.expectations.deletion_observed(key, object_key(pod))
        self.enqueue(key)

    # --- the sync ----------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        owner = self.owners.get(key, copy_=False)
        if owner is None:
            self.expectations.delete(key)
            return None
        needs_sync = self.expectations.satisfied(key)
        try:
            selector = self.kind.selector(owner)
        except BadRequest as e:
            raise TerminalError(f"invalid selector: {e}") from e
        ns, _ = split_key(key)
        active = [p for p in self.ctx.informers.in_namespace(PODS, ns or "") if
                  podutil.is_active(p)]
        pods = await self._claim(owner, selector, active)
        manage_error: Exception | None = None
        if needs_sync and not being_deleted(owner):
            manage_error, pods = await self._manage(key, owner, pods)
        await self._write_status(owner, pods, manage_error)
        if manage_error is not None:
            raise manage_error
        return self._requeue_for_availability(owner, pods)

    async def _claim(self, owner: Obj, selector: LabelSelector, pods: list[Obj]) -> list[Obj]:
        manager = ControllerRefManager(
            self.client, PODS, owner, selector, self.kind.api_version, self.kind.kind,
            owner_recheck(self.client, self.kind.info, owner))
        return await manager.claim(pods)

    async def _manage(self, key: str, owner: Obj, pods: list[Obj]
                      ) -> tuple[Exception | None, list[Obj]]:
        """Create or delete toward spec.replicas; (first error, the pods still counted).

        Pods just deleted are no longer counted, so the status written right after does not
        report replicas that are about to go (a Deployment scales down by that status)."""
        want = (owner.get("spec") or {}).get("replicas", 1)
        diff = len(pods) - want
        if diff < 0:
            return await self._create(key, owner, min(-diff, self.burst_replicas)), pods
        if diff > 0:
            victims = podutil.pods_to_delete(pods, self._related_pods(owner),
                                             min(diff, self.burst_replicas))
            error = await self._delete(key, owner, victims)
            gone = {object_key(p) for p in victims}
            return error, [p for p in pods if object_key(p) not in gone]
        return None, pods

    async def _create(self, key: str, owner: Obj, count: int) -> Exception | None:
        self.expectations.expect_creations(key, count)
        template = (owner.get("spec") or {}).get("template") or {}
        ref = controller_ref(owner, self.kind.api_version, self.kind.kind)
        log.info("creating pods", extra=kv(controller=self.name, key=key, count=count))

        async def create_one() -> None:
            try:
                await self.pod_control.create_from_template(
                    template, owner, ref, self.kind.kind, self.kind.api_version)
            except Exception as e:
                if namespace_terminating(e):
                    return   # the namespace is going away: nothing to retry
                raise

        successes, error = await slow_start_batch(count, INITIAL_BATCH, create_one)
        for _ in range(count - successes):
            self.expectations.creation_observed(key)   # never coming: do not wait for them
        return error

    async def _delete(self, key: str, owner: Obj, victims: list[Obj]) -> Exception | None:
        self.expectations.expect_deletions(key, [object_key(p) for p in victims])
        log.info("deleting pods", extra=kv(controller=self.name, key=key, count=len(victims)))

        async def delete_one(pod: Obj) -> Exception | None:
            try:
                await self.pod_control.delete(pod, owner, self.kind.kind, self.kind.api_version)
            except NotFound:
                self.expectations.deletion_observed(key, object_key(pod))
            except Exception as e:  # noqa: BLE001 - reported after the others were tried
                self.expectations.deletion_observed(key, object_key(pod))
                return e
            return None

        errors = [e for e in await asyncio.gather(*(delete_one(p) for p in victims)) if e]
        return errors[0] if errors else None

    def _related_pods(self, owner: Obj) -> list[Obj]:
        """Active pods of every sibling controlled by the same owner (a Deployment's RSes)."""
        parent = controller_of(owner)
        ns = meta(owner).get("namespace", "")
        if parent is None:
            return []
        siblings = {meta(o).get("uid") for o in self.ctx.informers.in_namespace(self.kind.info, ns)
                    if (r := controller_of(o)) is not None and r.get("uid") == parent.get("uid")}
        return [p for p in self.ctx.informers.in_namespace(PODS, ns)
                if (r := controller_of(p)) is not None and r.get("uid") in siblings]

    async def _write_status(self, owner: Obj, pods: list[Obj], error: Exception | None) -> None:
        """Write the status if it changed; on a conflict re-read once and retry (upstream's
        updateReplicaSetStatus), since the owner's spec often moves under a status write."""
        status = calculate_status(owner, pods, error, podutil.now_utc())
        for attempt in range(2):
            if not status_changed(owner.get("status") or {}, status):
                return
            try:
                await self.client.update_status(self.kind.info, {**owner, "status": status})
                return
            except NotFound:
                return                   # deleted meanwhile: nothing to report on
            except Conflict:
                if attempt:
                    raise
                m = meta(owner)
                # keep the generation we acted on: the next sync observes the new one
                owner = await self.client.get(self.kind.info, m["name"], m.get("namespace"))

    def _requeue_for_availability(self, owner: Obj, pods: list[Obj]) -> Result | None:
        min_ready = (owner.get("spec") or {}).get("minReadySeconds") or 0
        if min_ready <= 0:
            return None
        now = podutil.now_utc()
        waits = [w for p in pods if (w := podutil.seconds_until_available(p, min_ready, now))]
        return Result(requeue_after_s=min(waits) + 0.1) if waits else None


def new_replicaset(ctx: ControllerContext) -> ReplicaSetController:
    return ReplicaSetController(ctx, REPLICASET, ctx.settings.concurrent_replicaset_syncs)


def new_replicationcontroller(ctx: ControllerContext) -> ReplicaSetController:
    return ReplicaSetController(ctx, REPLICATIONCONTROLLER, ctx.settings.concurrent_rc_syncs)
