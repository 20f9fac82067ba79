"""The namespace controller: empty a Terminating namespace, then release it.

As upstream's NamespaceController. A namespace being deleted keeps the `kubernetes` entry in
spec.finalizers until every namespaced object in it is gone: each sync lists every namespaced
resource in the namespace, deletes what is not already being deleted, and reports progress in
the namespace's status conditions (NamespaceContentRemaining, NamespaceFinalizersRemaining,
...). Pods may take their grace period, so the sync comes back until the lists are empty, then
PUTs /api/v1/namespaces/<ns>/finalize without `kubernetes`; the api-server deletes the
namespace once no finalizer is left.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.podutil import format_time, now_utc
from machinery.api import resources
from machinery.api.errors import ApiError, NotFound
from machinery.api.resources import ResourceInfo
from machinery.controller import Result
from machinery.runtime import kv

log = logging.getLogger("controller_manager.namespace")

Obj = dict[str, Any]
NAMESPACES = resources.lookup("", "v1", "namespaces")
FINALIZER = "kubernetes"
RECHECK_S = 1.0          # first re-check of remaining content; doubles up to MAX_RECHECK_S
MAX_RECHECK_S = 30.0


def namespaced_resources() -> tuple[ResourceInfo, ...]:
    """Every stored namespaced resource that can be listed and deleted (events once)."""
    return tuple(r for r in resources.RESOURCES
                 if r.namespaced and r.is_storage_version and r.group != "events.k8s.io"
                 and {"list", "delete"} <= set(r.verbs))


@dataclass
class Content:
    """What a pass found: instances left per resource, finalizers left, failures."""
    remaining: Counter = field(default_factory=Counter)
    finalizers: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class NamespaceController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 10,
                 recheck_s: float = RECHECK_S):
        super().__init__("namespace", ctx, workers, (NAMESPACES,))
        self.recheck_s = recheck_s
        self.namespaces = ctx.informers.informer(NAMESPACES)
        self.namespaces.add_key_handler(self.enqueue)
        self.resources = namespaced_resources()
        self._rechecks: dict[str, int] = {}

    async def reconcile(self, name: str) -> Result | None:
        ns = self.namespaces.get(name, copy_=False)
        if ns is None or not (ns.get("metadata") or {}).get("deletionTimestamp") or \
                FINALIZER not in ((ns.get("spec") or {}).get("finalizers") or []):
            self._rechecks.pop(name, None)
            return None
        content = await self._delete_content(name)
        await self._write_conditions(ns, content)
        if content.errors:
            raise RuntimeError("; ".join(content.errors[:3]))
        if content.remaining:
            # pods may take their grace period: look again, less often the longer it takes
            attempt = self._rechecks.get(name, 0)
            self._rechecks[name] = attempt + 1
            return Result(requeue_after_s=min(self.recheck_s * 2 ** attempt, MAX_RECHECK_S))
        self._rechecks.pop(name, None)
        await self._finalize(name)
        return None

    async def _delete_content(self, namespace: str) -> Content:
        content = Content()
        await asyncio.gather(*(self._delete_all(info, namespace, content)
                               for info in self.resources))
        return content

    async def _delete_all(self, info: ResourceInfo, namespace: str, content: Content) -> None:
        try:
            items = (await self.client.list_all(info, namespace)).get("items") or []
        except ApiError as e:
            content.errors.append(f"list {info.group_resource}: {e}")
            return
        for item in items:
            meta = item.get("metadata") or {}
            content.remaining[info.group_resource] += 1
            for finalizer in meta.get("finalizers") or []:
                content.finalizers[finalizer] += 1
            if meta.get("deletionTimestamp"):
                continue
            try:
                answer = await self.client.delete(info, meta["name"], namespace)
            except NotFound:
                answer = {}
            except ApiError as e:
                content.errors.append(f"delete {info.group_resource} {meta['name']}: {e}")
                continue
            if not ((answer.get("metadata") or {}).get("deletionTimestamp")):
                content.remaining[info.group_resource] -= 1      # gone at once
        if content.remaining[info.group_resource] <= 0:
            del content.remaining[info.group_resource]

    async def _finalize(self, name: str) -> None:
        try:
            fresh = await self.client.get(NAMESPACES, name)
        except NotFound:
            return
        finalizers = [f for f in (fresh.get("spec") or {}).get("finalizers") or []
                      if f != FINALIZER]
        body = {**fresh, "spec": {**(fresh.get("spec") or {}), "finalizers": finalizers}}
        await self.client.update(NAMESPACES, body, subresource="finalize")
        log.info("namespace finalized", extra=kv(namespace=name))

    async def _write_conditions(self, ns: Obj, content: Content) -> None:
        status = ns.get("status") or {}
        now = format_time(now_utc())
        old = {c.get("type"): c for c in status.get("conditions") or []}
        wanted = [_condition(t, s, r, m, old.get(t), now) for t, s, r, m in _conditions(content)]
        if wanted == status.get("conditions"):
            return
        try:
            await self.client.update_status(NAMESPACES, {**ns, "status": {**status,
                                                                         "conditions": wanted}})
        except ApiError as e:
            log.debug("namespace status not written", extra=kv(namespace=ns["metadata"]["name"],
                                                               error=str(e)))


def _conditions(content: Content) -> list[tuple[str, str, str, str]]:
    """(type, status, reason, message) in upstream's wording."""
    remaining = ", ".join(f"{r} has {n} resource instances"
                          for r, n in sorted(content.remaining.items()))
    finalizers = ", ".join(f"{f} in {n} resource instances"
                           for f, n in sorted(content.finalizers.items()))
    return [
        ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
         "All resources successfully discovered"),
        ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
         "All legacy kube types successfully parsed"),
        ("NamespaceDeletionContentFailure", "True" if content.errors else "False",
         "ContentDeletionFailed" if content.errors else "ContentDeleted",
         "; ".join(content.errors[:3]) if content.errors
         else "All content successfully deleted, may be waiting on finalization"),
        ("NamespaceContentRemaining", "True" if remaining else "False",
         "SomeResourcesRemain" if remaining else "ContentRemoved",
         f"Some resources are remaining: {remaining}" if remaining
         else "All content successfully removed"),
        ("NamespaceFinalizersRemaining", "True" if finalizers else "False",
         "SomeFinalizersRemain" if finalizers else "ContentHasNoFinalizers",
         f"Some content in the namespace has finalizers remaining: {finalizers}" if finalizers
         else "All content-preserving finalizers finished"),
    ]


def _condition(type_: str, status: str, reason: str, message: str, old: Obj | None,
               now: str) -> Obj:
    same = old is not None and old.get("status") == status
    return {"type": type_, "status": status,
            "lastTransitionTime": old.get("lastTransitionTime") if same and old else now,
            "reason": reason, "message": message}


def new_namespace(ctx: ControllerContext) -> NamespaceController:
    return NamespaceController(ctx, ctx.settings.concurrent_namespace_syncs)
