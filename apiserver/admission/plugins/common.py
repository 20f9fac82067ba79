"""What the admission plugins share: upstream's Forbidden wording and cached lookups."""
from __future__ import annotations

from typing import Any

from apiserver.admission import AdmissionRequest
from apiserver.rest.context import object_key
from apiserver.storage import KeyNotFound
from machinery.api import resources
from machinery.api.errors import Forbidden
from machinery.api.resources import ResourceInfo

Obj = dict[str, Any]
PODS = resources.lookup("", "v1", "pods")


def forbidden(request: AdmissionRequest, message: str) -> Forbidden:
    """admission.NewForbidden: `pods "web" is forbidden: <message>`."""
    info = request.info
    what = info.group_resource
    name = request.name or ""
    text = f'{what} "{name}" is forbidden: {message}' if name else f"{what} is forbidden: {message}"
    details: Obj = {"name": name, "kind": info.plural}
    if info.group:
        details["group"] = info.group
    return Forbidden(text, details=details)


def is_pod(request: AdmissionRequest, subresource: str | None = None) -> bool:
    return (request.info.group == "" and request.info.plural == "pods" and
            request.subresource == subresource)


def cached(ctx, info: ResourceInfo, namespace: str | None, name: str) -> Obj | None:
    return ctx.cache_for(info).objects.get(object_key(info, namespace, name))


async def lookup(ctx, info: ResourceInfo, namespace: str | None, name: str) -> Obj | None:
    """From the watch cache, else from etcd (the cache may lag a write made a moment ago)."""
    obj = cached(ctx, info, namespace, name)
    if obj is not None:
        return obj
    try:
        return await ctx.store.get(object_key(info, namespace, name))
    except KeyNotFound:
        return None


def in_namespace(ctx, info: ResourceInfo, namespace: str) -> list[Obj]:
    prefix = f"{object_key(info, namespace, '')}"
    return [o for k, o in ctx.cache_for(info).objects.items() if k.startswith(prefix)]


def containers(spec: Obj, include_init: bool = True) -> list[Obj]:
    keys = ("initContainers", "containers", "ephemeralContainers") if include_init else \
        ("containers",)
    return [c for k in keys for c in (spec.get(k) or []) if isinstance(c, dict)]


def _dict_list(value) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(i, dict) for i in value))


def well_formed_pod(pod: Obj) -> bool:
    """Whether a pod has the shape a mutating plugin edits. Mutating admission runs before
    validation (as upstream's, but on JSON rather than decoded types), so a malformed pod is
    left untouched here for validation to refuse with its field errors."""
    meta, spec = pod.get("metadata"), pod.get("spec")
    if not isinstance(meta, dict) or not isinstance(spec, dict) or \
            not isinstance(meta.get("annotations") or {}, dict):
        return False
    keys = ("containers", "initContainers", "ephemeralContainers", "volumes", "tolerations",
            "imagePullSecrets")
    if not all(_dict_list(spec.get(k)) for k in keys):
        return False
    for c in containers(spec):
        res = c.get("resources")
        if not _dict_list(c.get("volumeMounts")) or (res is not None and not (
                isinstance(res, dict) and all(isinstance(res.get(k) or {}, dict)
                                              for k in ("requests", "limits")))):
            return False
    return True
