"""Object lifecycle rules: namespaces that accept content, finalizers that end a deletion."""
from __future__ import annotations

from apiserver.rest.context import Obj, ServerContext, object_key
from apiserver.storage import KeyNotFound, RevisionConflict
from machinery.api import resources
from machinery.api.errors import Conflict, Forbidden, NotFound
from machinery.api.resources import ResourceInfo

NAMESPACES = resources.lookup("", "v1", "namespaces")
PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")


async def _namespace(ctx: ServerContext, name: str) -> Obj | None:
    cached = ctx.cache_for(NAMESPACES).objects.get(object_key(NAMESPACES, None, name))
    if cached is not None:
        return cached
    try:        # the cache may lag a namespace created a moment ago
        return await ctx.store.get(object_key(NAMESPACES, None, name))
    except KeyNotFound:
        return None


async def ensure_namespace_accepts(ctx: ServerContext, info: ResourceInfo, namespace: str | None,
                                   name: str | None) -> None:
    """NamespaceLifecycle admission: no content in a missing or terminating namespace."""
    ns = await _namespace(ctx, namespace or "")
    if ns is None:
        raise NotFound.object("namespaces", "", namespace or "")
    if ns["metadata"].get("deletionTimestamp") or (ns.get("status") or {}).get("phase") == \
            "Terminating":
        raise Forbidden(
            f'{info.group_resource} "{name}" is forbidden: unable to create new content in '
            f"namespace {namespace} because it is being terminated",
            details={"name": name, "group": info.group, "kind": info.plural,
                     "causes": [{"reason": "NamespaceTerminating",
                                 "message": f"namespace {namespace} is being terminated",
                                 "field": "metadata.namespace"}]})


async def finish_if_finalized(ctx: ServerContext, info: ResourceInfo, key: str, new: Obj,
                              old: Obj) -> Obj | None:
    """An object being deleted whose last finalizer was just removed is deleted now."""
    meta = new.get("metadata") or {}
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return None
    if info.kind == "Pod" and info.group == "" and (meta.get("deletionGracePeriodSeconds") or 0) > 0:
        return None        # a terminating pod is removed by its kubelet, not by finalizers
    if info.kind == "Namespace" and ((new.get("spec") or {}).get("finalizers")):
        return None
    try:
        return await ctx.store.delete(key, int(old["metadata"]["resourceVersion"]))
    except RevisionConflict:
        raise Conflict.stale(info.plural, info.group, meta.get("name", "")) from None
