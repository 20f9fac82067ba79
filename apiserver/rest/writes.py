"""The write pipeline: create, update (PUT) and patch, for every resource.

decode -> convert to the storage version -> server-owned metadata -> default -> validate ->
allocate (Services) -> managed fields -> one etcd transaction. A write that changes nothing is
not written (no new resourceVersion, no watch event), as upstream.
"""
from __future__ import annotations

import random
from typing import Any

from apiserver import conversion
from apiserver.admission import AdmissionRequest
from apiserver.allocators import ServiceAllocation
from apiserver.codec import decode_body
from apiserver.openapi import unknown_fields
from apiserver.patch import (apply_json_patch, apply_merge_patch, apply_strategic_merge_patch,
                             patch_type, server_side_apply, update_managed_fields)
from apiserver.registry import strategy_for
from apiserver.request_info import RequestInfo
from apiserver.rest.context import Obj, ServerContext, deep_copy, new_uid, now_rfc3339, object_key
from apiserver.rest.lifecycle import ensure_namespace_accepts, finish_if_finalized
from apiserver.rest.params import WriteParams
from apiserver.storage import ClaimTaken, KeyExists, KeyNotFound, RevisionConflict
from apiserver.storage.etcd import TxnOps
from machinery.api.errors import (AlreadyExists, BadRequest, Conflict, Invalid, NotFound, cause)
from machinery.api import resources
from machinery.api.resources import ResourceInfo

SERVER_OWNED = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "generation", "selfLink")


def _same(a: Obj, b: Obj) -> bool:
    strip = lambda o: {**o, "metadata": {k: v for k, v in (o.get("metadata") or {}).items()  # noqa
                                         if k not in ("resourceVersion", "managedFields")}}
    return strip(a) == strip(b)


def storage_info(info: ResourceInfo) -> ResourceInfo:
    """The version objects are stored (and validated) in: v1 for a v1beta1 Ingress."""
    if info.is_storage_version:
        return info
    return resources.lookup(info.group, info.storage_version, info.plural) or info


def _patch_pins_resource_version(kind: str, body: Any) -> bool:
    """Whether the patch itself names a resourceVersion (an optimistic-lock precondition)."""
    if kind == "json":
        return any(isinstance(op, dict) and op.get("path") == "/metadata/resourceVersion"
                   for op in body)
    meta = body.get("metadata") if isinstance(body, dict) else None
    return isinstance(meta, dict) and bool(meta.get("resourceVersion"))


def _random_suffix() -> str:
    return "".join(random.choices("bcdfghjklmnpqrstvwxz2456789", k=5))


class Writer:
    def __init__(self, ctx: ServerContext):
        self.ctx = ctx

    # --- checks on the incoming object ---------------------------------------------------------

    def check_body(self, ri: RequestInfo, body: Any, params: WriteParams,
                   expect_kind: str | None = None) -> Obj:
        info = ri.info
        if not isinstance(body, dict):
            raise BadRequest(f"the body of the request must be a {info.kind} object")
        kind, api_version = body.get("kind"), body.get("apiVersion")
        want_kind = expect_kind or info.kind
        if kind not in (None, "", want_kind):
            raise BadRequest(f'the object provided is unrecognized (must be of type {want_kind}): '
                             f'kind {kind!r} does not match')
        if api_version not in (None, "", info.api_version) and expect_kind is None:
            raise BadRequest(f"the API version in the data ({api_version}) does not match the "
                             f"expected API version ({info.api_version})")
        meta = body.setdefault("metadata", {})
        if meta is None:
            meta = body["metadata"] = {}
        if not isinstance(meta, dict):
            raise BadRequest("metadata must be an object")
        self._check_namespace(ri, meta)
        if expect_kind is None:
            self._check_fields(info, body, params)
        return body

    def _check_namespace(self, ri: RequestInfo, meta: Obj) -> None:
        if not ri.info.namespaced:
            meta.pop("namespace", None)
            return
        ns = meta.get("namespace")
        if ns not in (None, "", ri.namespace):
            raise BadRequest("the namespace of the provided object does not match the namespace "
                             "sent on the request")
        meta["namespace"] = ri.namespace

    def _check_fields(self, info: ResourceInfo, body: Obj, params: WriteParams) -> None:
        if params.field_validation == "Ignore":
            return
        unknown = unknown_fields(info, body)
        if not unknown:
            return
        if params.field_validation == "Strict":
            if len(unknown) == 1:
                raise BadRequest(f'strict decoding error: unknown field "{unknown[0].lstrip(".")}"')
            raise BadRequest("strict decoding error: " + ", ".join(
                f'unknown field "{u.lstrip(".")}"' for u in unknown))
        params.warnings.extend(f'unknown field "{u.lstrip(".")}"' for u in unknown)

    # --- create --------------------------------------------------------------------------------

    async def create(self, ri: RequestInfo, body: Any, params: WriteParams) -> Obj:
        obj = self.check_body(ri, body, params)
        return await self.create_object(ri, obj, params)

    async def create_object(self, ri: RequestInfo, obj: Obj, params: WriteParams,
                            managed: bool = True) -> Obj:
        info = ri.info
        obj = conversion.to_storage(info, obj)
        meta = obj["metadata"]
        generate = not meta.get("name") and meta.get("generateName")
        if generate:
            meta["name"] = f"{meta['generateName']}{_random_suffix()}"
        strategy = strategy_for(storage_info(info))
        if info.namespaced:
            await ensure_namespace_accepts(self.ctx, info, meta.get("namespace"), meta.get("name"))
        for k in SERVER_OWNED + ("resourceVersion",):
            meta.pop(k, None)
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = now_rfc3339()
        if strategy.has_generation:
            meta["generation"] = 1
        strategy.prepare_create(obj)
        strategy.default(obj)
        request = self._admission(ri, "CREATE", obj, None, params)
        await self.ctx.admission.admit(request)
        self._validate(info, obj, None)
        await self.ctx.admission.validate(request)
        ops = await self._allocate(info, obj, None)
        if managed:
            update_managed_fields(None, obj, params.manager, "Update", "", now=now_rfc3339(),
                                  api_version=info.api_version, kind=info.kind)
        if params.dry_run:
            return conversion.from_storage(info, obj)
        key = object_key(info, meta.get("namespace"), meta["name"])
        for attempt in range(8):
            try:
                created = await self.ctx.store.create(key, obj, ops)
                return conversion.from_storage(info, created)
            except KeyExists:
                if not generate or attempt == 7:
                    raise AlreadyExists.object(info.plural, info.group, meta["name"]) from None
                meta["name"] = f"{meta['generateName']}{_random_suffix()}"
                key = object_key(info, meta.get("namespace"), meta["name"])
            except ClaimTaken as e:
                ops = await self._retry_claim(info, obj, e)
        raise AlreadyExists.object(info.plural, info.group, meta["name"])

    def _admission(self, ri: RequestInfo, operation: str, obj: Obj, old: Obj | None,
                   params: WriteParams) -> AdmissionRequest:
        meta = obj.get("metadata") or {}
        return AdmissionRequest(operation, ri.info, meta.get("namespace") or ri.namespace,
                                meta.get("name") or ri.name, ri.subresource, obj, old,
                                params.user, params.dry_run, self.ctx, params.warnings)

    def _validate(self, info: ResourceInfo, obj: Obj, old: Obj | None) -> None:
        causes = strategy_for(storage_info(info)).validate(obj, old)
        causes += self._allocator_causes(info, obj, old)
        if causes:
            name = (obj.get("metadata") or {}).get("name") or ""
            raise Invalid.fields(info.kind, str(name), causes, info.group)

    def _allocator_causes(self, info: ResourceInfo, obj: Obj, old: Obj | None) -> list[dict]:
        if info.kind != "Service" or info.group != "" or old is not None:
            return []
        return self.ctx.allocator.validate_requested(obj)

    async def _allocate(self, info: ResourceInfo, obj: Obj, old: Obj | None) -> TxnOps | None:
        if info.kind != "Service" or info.group != "":
            return None
        cache = self.ctx.cache_for(info)
        ips, ports = set(), set()
        for svc in cache.objects.values():
            spec = svc.get("spec") or {}
            ips.add(spec.get("clusterIP"))
            ports.update(p.get("nodePort") for p in spec.get("ports") or [] if isinstance(p, dict))
        alloc: ServiceAllocation = self.ctx.allocator.allocate(obj, old, ips, ports)
        return TxnOps(claims=alloc.claims, releases=alloc.releases,
                      claim_value=(obj["metadata"].get("uid") or "").encode())

    async def _retry_claim(self, info: ResourceInfo, obj: Obj, err: ClaimTaken) -> TxnOps | None:
        """Someone holds the address: a user-chosen one is an error, a random one is re-drawn."""
        taken = err.key.rsplit("/", 1)[1]
        name = obj["metadata"]["name"]
        if err.key.startswith("/registry/ranges/serviceips/"):
            raise Invalid.fields("Service", name, [cause(
                "spec.clusterIPs", f'Invalid value: ["{taken}"]: failed to allocate IP {taken}: '
                "provided IP is already allocated")])
        raise Invalid.fields("Service", name, [cause(
            "spec.ports[0].nodePort", f"Invalid value: {taken}: provided port is already "
            "allocated")])

    # --- update (PUT) --------------------------------------------------------------------------

    async def update(self, ri: RequestInfo, body: Any, params: WriteParams) -> Obj:
        new = self.check_body(ri, body, params)
        name = new["metadata"].get("name")
        if name != ri.name:
            raise BadRequest(f"the name of the object ({name}) does not match the name on the "
                             f"URL ({ri.name})")
        want_rv = new["metadata"].get("resourceVersion") or None
        key = object_key(ri.info, ri.namespace, ri.name)
        try:
            old = await self.ctx.store.get(key)
        except KeyNotFound:
            raise NotFound.object(ri.info.plural, ri.info.group, ri.name) from None
        return await self.update_object(ri, old, conversion.to_storage(ri.info, new), params,
                                        precondition_rv=want_rv, operation="Update")

    async def update_object(self, ri: RequestInfo, old: Obj, new: Obj, params: WriteParams, *,
                            precondition_rv: str | None, operation: str = "Update",
                            skip_managed: bool = False) -> Obj:
        info = ri.info
        old_meta = old["metadata"]
        if precondition_rv is not None and str(precondition_rv) != old_meta["resourceVersion"]:
            raise Conflict.stale(info.plural, info.group, ri.name)
        new = self._merge_server_owned(ri, old, new)
        strategy = strategy_for(storage_info(info))
        if ri.subresource == "finalize":
            pass
        elif ri.subresource == "status":
            strategy.prepare_status_update(new, old)
            causes = strategy.validate_status(new, old)
            if causes:
                raise Invalid.fields(info.kind, ri.name or "", causes, info.group)
        else:
            strategy.prepare_update(new, old)
            strategy.default(new)
        request = self._admission(ri, "UPDATE", new, old, params)
        await self.ctx.admission.admit(request)
        if ri.subresource not in ("status", "finalize"):
            self._validate(info, new, old)
        await self.ctx.admission.validate(request)
        if strategy.has_generation and strategy.spec_changed(new, old):
            new["metadata"]["generation"] = int(old_meta.get("generation") or 0) + 1
        ops = await self._allocate(info, new, old) if ri.subresource is None else None
        if not skip_managed:
            update_managed_fields(old, new, params.manager, operation, ri.subresource or "",
                                  now=now_rfc3339(), api_version=info.api_version, kind=info.kind)
        if _same(old, new):
            return conversion.from_storage(info, old)
        if params.dry_run:
            return conversion.from_storage(info, new)
        key = object_key(info, ri.namespace, ri.name)
        finished = await finish_if_finalized(self.ctx, info, key, new, old)
        if finished is not None:
            return conversion.from_storage(info, finished)
        try:
            stored = await self.ctx.store.update(key, new, int(old_meta["resourceVersion"]), ops)
        except RevisionConflict:
            raise Conflict.stale(info.plural, info.group, ri.name) from None
        except ClaimTaken as e:
            await self._retry_claim(info, new, e)
            raise
        return conversion.from_storage(info, stored)

    def _merge_server_owned(self, ri: RequestInfo, old: Obj, new: Obj) -> Obj:
        meta = new.setdefault("metadata", {})
        for k in SERVER_OWNED:
            if k in old["metadata"]:
                meta[k] = old["metadata"][k]
            else:
                meta.pop(k, None)
        meta["name"] = old["metadata"]["name"]
        if "namespace" in old["metadata"]:
            meta["namespace"] = old["metadata"]["namespace"]
        if ri.subresource == "finalize":          # namespaces: only spec.finalizers changes
            merged = deep_copy(old)
            spec = new.get("spec") if isinstance(new.get("spec"), dict) else {}
            merged.setdefault("spec", {})["finalizers"] = spec.get("finalizers") or []
            return merged
        if ri.subresource == "status":
            merged = deep_copy(old)
            merged["status"] = new.get("status")
            if merged["status"] is None:
                merged.pop("status")
            return merged
        if ri.info.subresource("status") is not None:
            if "status" in old:
                new["status"] = deep_copy(old["status"])
            else:
                new.pop("status", None)
        return new

    # --- patch ---------------------------------------------------------------------------------

    async def patch(self, ri: RequestInfo, raw: bytes, content_type: str | None,
                    params: WriteParams) -> tuple[Obj, int]:
        kind = patch_type(content_type)
        body = decode_body(raw, content_type)
        info = ri.info
        key = object_key(info, ri.namespace, ri.name)
        for _ in range(16):
            try:
                current = await self.ctx.store.get(key)
            except KeyNotFound:
                if kind != "apply" or ri.subresource:
                    raise NotFound.object(info.plural, info.group, ri.name) from None
                return await self._apply_create(ri, body, params), 201
            served = conversion.from_storage(info, deep_copy(current))
            patched = self._apply_patch(kind, served, body, ri, params)
            if not isinstance(patched, dict):
                raise BadRequest("the patch must produce an object")
            if not isinstance(patched.get("metadata"), dict):
                raise BadRequest("metadata must be an object")
            want_rv = patched["metadata"].get("resourceVersion")
            if want_rv and want_rv != current["metadata"]["resourceVersion"]:
                raise Conflict.stale(info.plural, info.group, ri.name)
            pinned = _patch_pins_resource_version(kind, body)
            patched = self.check_body(ri, patched, params)
            new = conversion.to_storage(info, patched)
            try:
                return await self.update_object(
                    ri, current, new, params, precondition_rv=None,
                    operation="Apply" if kind == "apply" else "Update",
                    skip_managed=kind == "apply"), 200
            except Conflict:
                if pinned:          # the client asked for exactly that version: no retry
                    raise
        raise Conflict.stale(info.plural, info.group, ri.name)

    def _apply_patch(self, kind: str, served: Obj, body: Any, ri: RequestInfo,
                     params: WriteParams) -> Obj:
        info = ri.info
        if kind == "json":
            if not isinstance(body, list):
                raise BadRequest("a JSON patch must be a list of operations")
            return apply_json_patch(served, body)
        if not isinstance(body, dict):
            raise BadRequest("the patch must be a JSON object")
        if kind == "merge":
            return apply_merge_patch(served, body)
        if kind == "strategic":
            return apply_strategic_merge_patch(served, body, info.kind, info.api_version)
        return self._server_side_apply(served, body, ri, params)

    def _server_side_apply(self, live: Obj | None, body: Obj, ri: RequestInfo,
                           params: WriteParams) -> Obj:
        if not params.field_manager:
            raise BadRequest("PATCH with apply-patch+yaml requires a fieldManager parameter")
        self.check_body(ri, body, params)
        return server_side_apply(live, body, params.field_manager, params.force, ri.info.kind,
                                 ri.info.api_version, now_rfc3339())

    async def _apply_create(self, ri: RequestInfo, body: Any, params: WriteParams) -> Obj:
        if not isinstance(body, dict):
            raise BadRequest("the patch must be a JSON or YAML object")
        if not isinstance(body.get("metadata"), dict):
            body["metadata"] = {}
        name = body["metadata"].get("name")
        if name not in (None, ri.name):
            raise BadRequest(f"the name of the object ({name}) does not match the name on the "
                             f"URL ({ri.name})")
        body["metadata"]["name"] = ri.name
        obj = self._server_side_apply(None, body, ri, params)
        return await self.create_object(ri, obj, params, managed=False)
