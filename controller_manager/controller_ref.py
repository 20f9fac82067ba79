"""ownerReferences: the controllerRef of an object, and adopting/releasing by selector.

As upstream's ControllerRefManager: a controller claims the objects that match its selector.
An orphan that matches is adopted (its ownerReferences get our controllerRef); an object we
own that no longer matches is released (our reference removed). Objects controlled by someone
else are never touched. Adoption first re-reads the owner from the api-server (once per claim)
so that an owner deleted a moment ago, or replaced by another of the same name, adopts nothing.

Writes are JSON merge patches carrying the resourceVersion read from the cache, so a stale
cache gives 409 Conflict and the reconcile runs again on fresh data.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from machinery.api.errors import NotFound
from machinery.api.resources import ResourceInfo
from machinery.client import ApiClient
from machinery.labels import LabelSelector
from machinery.runtime import kv

log = logging.getLogger("controller_manager.controller_ref")

Obj = dict[str, Any]


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def controller_of(obj: Obj) -> Obj | None:
    """The ownerReference with controller: true, if any."""
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def controller_ref(owner: Obj, api_version: str, kind: str) -> Obj:
    """The controllerRef that `owner` puts on what it creates."""
    m = meta(owner)
    return {"apiVersion": api_version, "kind": kind, "name": m["name"], "uid": m["uid"],
            "controller": True, "blockOwnerDeletion": True}


def is_controlled_by(obj: Obj, owner: Obj) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == meta(owner).get("uid")


def being_deleted(obj: Obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


class ControllerRefManager:
    """Claims objects of one resource for one owner (a ReplicaSet claiming pods, ...)."""

    def __init__(self, client: ApiClient, info: ResourceInfo, owner: Obj, selector: LabelSelector,
                 owner_api_version: str, owner_kind: str,
                 can_adopt: Callable[[], Awaitable[bool]]):
        self.client, self.info, self.owner = client, info, owner
        self.selector = selector
        self.ref = controller_ref(owner, owner_api_version, owner_kind)
        self._can_adopt = can_adopt
        self._adoption_checked: bool | None = None

    async def claim(self, objs: list[Obj]) -> list[Obj]:
        """The objects this owner controls after adopting and releasing as needed.

        `objs` may be the cache's own objects: they are never mutated (an adopted object is
        returned as a copy that carries the new reference)."""
        claimed = []
        for obj in objs:
            if (mine := await self._claim_one(obj)) is not None:
                claimed.append(mine)
        return claimed

    async def _claim_one(self, obj: Obj) -> Obj | None:
        ref = controller_of(obj)
        matches = self.selector.matches(meta(obj).get("labels"))
        if ref is not None:
            if ref.get("uid") != self.ref["uid"]:
                return None              # someone else's
            if matches:
                return obj
            if not being_deleted(self.owner) and not being_deleted(obj):
                await self._release(obj)
            return None
        if being_deleted(self.owner) or not matches or being_deleted(obj):
            return None
        if meta(obj).get("namespace") != meta(self.owner).get("namespace"):
            return None
        return await self._adopt(obj)

    async def _adopt(self, obj: Obj) -> Obj | None:
        if self._adoption_checked is None:
            self._adoption_checked = await self._can_adopt()
        if not self._adoption_checked:
            return None
        refs = [*(meta(obj).get("ownerReferences") or []), self.ref]
        if not await self._patch_refs(obj, refs):
            return None
        log.info("adopted", extra=kv(owner=self.ref["name"], kind=self.info.kind,
                                     object=_key(obj)))
        return {**obj, "metadata": {**meta(obj), "ownerReferences": refs}}

    async def _release(self, obj: Obj) -> None:
        refs = [r for r in meta(obj).get("ownerReferences") or []
                if r.get("uid") != self.ref["uid"]]
        if await self._patch_refs(obj, refs):
            log.info("released", extra=kv(owner=self.ref["name"], kind=self.info.kind,
                                          object=_key(obj)))

    async def _patch_refs(self, obj: Obj, refs: list[Obj]) -> bool:
        m = meta(obj)
        patch = {"metadata": {"ownerReferences": refs, "resourceVersion": m.get("resourceVersion")}}
        try:   # a stale resourceVersion raises Conflict: the reconcile retries on fresh data
            await self.client.patch(self.info, m["name"], patch, "merge", m.get("namespace"))
        except NotFound:
            return False                 # gone already: nothing to claim
        return True


def owner_recheck(client: ApiClient, info: ResourceInfo, owner: Obj
                  ) -> Callable[[], Awaitable[bool]]:
    """can_adopt for a claim: the owner, read fresh, still exists, same uid, not deleting."""
    async def check() -> bool:
        m = meta(owner)
        try:
            fresh = await client.get(info, m["name"], m.get("namespace"))
        except NotFound:
            return False
        return meta(fresh).get("uid") == m.get("uid") and not being_deleted(fresh)
    return check


def _key(obj: Obj) -> str:
    m = meta(obj)
    return f"{m.get('namespace')}/{m.get('name')}"
