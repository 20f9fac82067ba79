"""The garbage collector: dependents of a deleted owner never linger.

As upstream's GarbageCollector. Informers on every kind that can own or depend feed an
OwnerGraph; the work queue holds uids. A sync of one object does one of three things:

- it is being deleted with the `orphan` finalizer: strip the references to it from its
  dependents, then remove the finalizer (the api-server then deletes it);
- it is being deleted with the `foregroundDeletion` finalizer: have its blocking dependents
  deleted, and remove the finalizer once none is left;
- it has ownerReferences: classify each owner as solid (exists, same uid), dangling (gone, or
  another object with that name) or waiting (being deleted in the foreground). No solid owner
  left means the object is deleted (Foreground if a waiting owner needs it to go first and it
  has dependents of its own, else Background); a solid owner plus dangling or waiting ones
  means only those references are removed.

An owner missing from the caches is looked up with a live GET before anything is deleted, so a
lagging cache can never cause a deletion.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.gc_graph import FOREGROUND, ORPHAN, Node, OwnerGraph, node_for
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.api.resources import ResourceInfo
from machinery.controller import Result
from machinery.runtime import kv

log = logging.getLogger("controller_manager.garbagecollector")

Obj = dict[str, Any]
SOLID, DANGLING, WAITING = "solid", "dangling", "waiting"
_IGNORED = {("", "events"), ("events.k8s.io", "events"), ("", "bindings"), ("", "namespaces")}


def collectable_resources() -> tuple[ResourceInfo, ...]:
    """Every stored resource that can be listed, watched and deleted (not events)."""
    return tuple(r for r in resources.RESOURCES
                 if r.is_storage_version and (r.group, r.plural) not in _IGNORED
                 and {"list", "watch", "delete"} <= set(r.verbs))


class GarbageCollector(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 20,
                 watched: tuple[ResourceInfo, ...] | None = None):
        watched = watched or collectable_resources()
        super().__init__("garbagecollector", ctx, workers, watched,
                         "garbage-collector-controller")
        self.graph = OwnerGraph()
        self.informers = {info: ctx.informers.informer(info) for info in watched}
        for info, informer in self.informers.items():
            informer.add_handler(*self._handlers(info))

    # --- graph upkeep from informer events -----------------------------------------------------

    def _handlers(self, info: ResourceInfo):
        def added(obj: Obj) -> None:
            self._observe(info, obj)

        def updated(old: Obj, new: Obj) -> None:
            self._observe(info, new)

        def deleted(obj: Obj) -> None:
            self._forget(obj)
        return added, updated, deleted

    def _observe(self, info: ResourceInfo, obj: Obj) -> None:
        node = node_for(info, obj)
        if node is None:
            return
        old = self.graph.upsert(node)
        if node.deleting and (ORPHAN in node.finalizers or FOREGROUND in node.finalizers):
            self.enqueue(node.uid)
        elif node.owner_refs and (old is None or old.owner_refs != node.owner_refs
                                  or old.deleting != node.deleting):
            self.enqueue(node.uid)
        if old is not None and old.deleting != node.deleting:
            self._enqueue_deleting_owners(node)

    def _forget(self, obj: Obj) -> None:
        uid = (obj.get("metadata") or {}).get("uid")
        node = self.graph.remove(uid) if uid else None
        if node is None:
            return
        for dependent in self.graph.dependents(uid):
            self.enqueue(dependent.uid)      # their owner is gone: collect them
        self._enqueue_deleting_owners(node)

    def _enqueue_deleting_owners(self, node: Node) -> None:
        """An owner waiting in the foreground re-checks when a dependent goes."""
        for owner in self.graph.owners(node):
            if owner.deleting_dependents:
                self.enqueue(owner.uid)

    # --- the sync ------------------------------------------------------------------------------

    def _cached(self, node: Node) -> Obj | None:
        obj = self.informers[node.info].get(node.key, copy_=False)
        if obj is None or (obj.get("metadata") or {}).get("uid") != node.uid:
            return None
        return obj

    async def reconcile(self, uid: str) -> Result | None:
        node = self.graph.get(uid)
        obj = self._cached(node) if node is not None else None
        if node is None or obj is None:
            return None
        if node.deleting:
            if ORPHAN in node.finalizers:
                await self._orphan_dependents(node, obj)
            elif FOREGROUND in node.finalizers:
                return await self._delete_dependents_first(node, obj)
            return None
        if node.owner_refs:
            await self._attempt_to_delete(node, obj)
        return None

    async def _orphan_dependents(self, owner: Node, obj: Obj) -> None:
        for dependent in self.graph.dependents(owner.uid):
            if (dep_obj := self._cached(dependent)) is None:
                continue
            refs = [r for r in dependent.owner_refs if r.get("uid") != owner.uid]
            await self._patch_refs(dependent, dep_obj, refs)
        await self._remove_finalizer(owner, obj, ORPHAN)

    async def _delete_dependents_first(self, owner: Node, obj: Obj) -> Result | None:
        blocking = self.graph.blocking_dependents(owner.uid)
        if not blocking:
            await self._remove_finalizer(owner, obj, FOREGROUND)
            return None
        for dependent in blocking:
            if not dependent.deleting:
                self.enqueue(dependent.uid)
        # dependents' deletions re-enqueue this owner; look again anyway in case one was missed
        return Result(requeue_after_s=5.0)

    async def _attempt_to_delete(self, node: Node, obj: Obj) -> None:
        states = {ref.get("uid"): await self._classify(node, ref) for ref in node.owner_refs}
        solid = [u for u, s in states.items() if s == SOLID]
        doomed = [u for u, s in states.items() if s in (DANGLING, WAITING)]
        if solid:
            if doomed:
                refs = [r for r in node.owner_refs if r.get("uid") not in doomed]
                await self._patch_refs(node, obj, refs)
            return
        if not doomed:
            return                            # owners we could not resolve: leave it be
        if WAITING in states.values() and self.graph.has_dependents(node.uid):
            policy = "Foreground"
        elif ORPHAN in node.finalizers:
            policy = "Orphan"
        elif FOREGROUND in node.finalizers:
            policy = "Foreground"
        else:
            policy = "Background"
        await self._delete(node, policy)

    async def _classify(self, node: Node, ref: Obj) -> str | None:
        owner_uid = ref.get("uid", "")
        cached = self.graph.get(owner_uid)
        if cached is not None and self._cached(cached) is not None:
            return WAITING if cached.deleting_dependents else SOLID
        info = resources.for_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if info is None:
            log.warning("owner kind unknown, leaving dependent alone",
                        extra=kv(object=node.key, owner_kind=ref.get("kind")))
            return None
        if info.namespaced and not node.namespace:
            return None                       # invalid: a cluster object cannot name one
        try:
            owner = await self.client.get(info, ref.get("name", ""),
                                          node.namespace if info.namespaced else None)
        except NotFound:
            return DANGLING
        meta = owner.get("metadata") or {}
        if meta.get("uid") != owner_uid:
            return DANGLING
        if meta.get("deletionTimestamp") and FOREGROUND in (meta.get("finalizers") or []):
            return WAITING
        return SOLID

    # --- writes --------------------------------------------------------------------------------

    async def _delete(self, node: Node, policy: str) -> None:
        log.info("deleting dependent", extra=kv(resource=node.info.group_resource,
                                                object=node.key, propagation=policy))
        try:
            await self.client.delete(node.info, node.name, node.namespace,
                                     propagation_policy=policy, preconditions={"uid": node.uid})
        except NotFound:
            pass

    async def _patch_refs(self, node: Node, obj: Obj, refs: list[Obj]) -> None:
        meta = obj.get("metadata") or {}
        patch = {"metadata": {"ownerReferences": refs or None,
                              "resourceVersion": meta.get("resourceVersion")}}
        log.info("removing owner references", extra=kv(resource=node.info.group_resource,
                                                       object=node.key))
        try:
            await self.client.patch(node.info, node.name, patch, "merge", node.namespace)
        except NotFound:
            pass

    async def _remove_finalizer(self, node: Node, obj: Obj, finalizer: str) -> None:
        meta = obj.get("metadata") or {}
        finalizers = [f for f in meta.get("finalizers") or [] if f != finalizer]
        patch = {"metadata": {"finalizers": finalizers or None,
                              "resourceVersion": meta.get("resourceVersion")}}
        log.info("removing finalizer", extra=kv(resource=node.info.group_resource,
                                                object=node.key, finalizer=finalizer))
        try:
            await self.client.patch(node.info, node.name, patch, "merge", node.namespace)
        except NotFound:
            pass


def new_garbagecollector(ctx: ControllerContext) -> GarbageCollector:
    return GarbageCollector(ctx, ctx.settings.concurrent_gc_syncs)
