"""Deletion: preconditions, graceful pod termination, finalizers and propagation policies.

An object with finalizers (or a propagation policy that adds one) is only marked: it gets a
deletionTimestamp and stays until its finalizers are removed. A pod bound to a node gets a grace
period: its kubelet stops the containers and then deletes it with grace 0.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from apiserver import conversion
from apiserver.admission import AdmissionRequest
from apiserver.auth.tokens import ANONYMOUS, User
from apiserver.allocators import ServiceAllocator
from apiserver.request_info import RequestInfo
from apiserver.rest.context import Obj, ServerContext, deep_copy, object_key
from apiserver.rest.lifecycle import PROTECTED_NAMESPACES
from apiserver.storage import KeyNotFound, RevisionConflict
from apiserver.storage.etcd import TxnOps
from machinery.api.errors import BadRequest, Conflict, Forbidden, NotFound

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"


def parse_delete_options(body: Any, query) -> dict[str, Any]:
    opts = dict(body) if isinstance(body, dict) else {}
    if body is not None and not isinstance(body, dict):
        raise BadRequest("DeleteOptions must be an object")
    if "gracePeriodSeconds" in query:
        try:
            opts["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        except ValueError:
            raise BadRequest("gracePeriodSeconds must be an integer") from None
    if "propagationPolicy" in query:
        opts["propagationPolicy"] = query["propagationPolicy"]
    if query.get("orphanDependents") in ("true", "false"):
        opts["orphanDependents"] = query["orphanDependents"] == "true"
    if query.get("dryRun") == "All":
        opts["dryRun"] = ["All"]
    policy = opts.get("propagationPolicy")
    if policy not in (None, "Orphan", "Background", "Foreground"):
        raise BadRequest(f'propagationPolicy must be Orphan, Background or Foreground: {policy!r}')
    grace = opts.get("gracePeriodSeconds")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        raise BadRequest("gracePeriodSeconds must be an integer")
    return opts


def _success(ri: RequestInfo, obj: Obj) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": ri.name, "group": ri.info.group, "kind": ri.info.plural,
                        "uid": obj["metadata"].get("uid")}}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Deleter:
    def __init__(self, ctx: ServerContext):
        self.ctx = ctx

    async def delete(self, ri: RequestInfo, opts: dict[str, Any],
                     user: User = ANONYMOUS) -> tuple[Obj, int]:
        info = ri.info
        key = object_key(info, ri.namespace, ri.name)
        if info.kind == "Namespace" and info.group == "" and ri.name in PROTECTED_NAMESPACES:
            raise Forbidden(f'namespaces "{ri.name}" is forbidden: this namespace may not be '
                            "deleted", details={"name": ri.name, "kind": "namespaces"})
        for _ in range(16):
            try:
                current = await self.ctx.store.get(key)
            except KeyNotFound:
                raise NotFound.object(info.plural, info.group, ri.name) from None
            self._check_preconditions(ri, current, opts.get("preconditions"))
            request = AdmissionRequest("DELETE", info, ri.namespace, ri.name, ri.subresource,
                                       None, current, user,
                                       "All" in (opts.get("dryRun") or []), self.ctx)
            await self.ctx.admission.admit(request)
            await self.ctx.admission.validate(request)
            try:
                return await self._delete_once(ri, key, current, opts)
            except RevisionConflict:
                continue
        raise Conflict.stale(info.plural, info.group, ri.name)

    def _check_preconditions(self, ri: RequestInfo, current: Obj, pre: Any) -> None:
        if not isinstance(pre, dict):
            return
        meta = current["metadata"]
        if pre.get("uid") and pre["uid"] != meta.get("uid"):
            raise Conflict(f'Operation cannot be fulfilled on {ri.info.group_resource} '
                           f'"{ri.name}": Precondition failed: UID in precondition: {pre["uid"]}, '
                           f'UID in object meta: {meta.get("uid")}')
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
            raise Conflict(f'Operation cannot be fulfilled on {ri.info.group_resource} '
                           f'"{ri.name}": Precondition failed: ResourceVersion in precondition: '
                           f'{pre["resourceVersion"]}, ResourceVersion in object meta: '
                           f'{meta.get("resourceVersion")}')

    async def _delete_once(self, ri: RequestInfo, key: str, current: Obj,
                           opts: dict[str, Any]) -> tuple[Obj, int]:
        info = ri.info
        dry_run = "All" in (opts.get("dryRun") or [])
        rev = int(current["metadata"]["resourceVersion"])
        marked = self._mark(ri, deep_copy(current), opts)
        if marked is not None:
            if marked == current or dry_run:
                return conversion.from_storage(info, marked), 200
            stored = await self.ctx.store.update(key, marked, rev)
            return conversion.from_storage(info, stored), 200
        if dry_run:
            return _success(ri, current), 200
        releases = ServiceAllocator.held_by(current) if info.kind == "Service" and \
            info.group == "" else []
        deleted = await self.ctx.store.delete(key, rev, TxnOps(releases=releases))
        if info.kind == "Pod" and info.group == "":
            return conversion.from_storage(info, deleted), 200
        return _success(ri, deleted), 200

    def _mark(self, ri: RequestInfo, obj: Obj, opts: dict[str, Any]) -> Obj | None:
        """The object as it stays while its deletion is pending, or None to delete it now."""
        meta = obj["metadata"]
        finalizers = list(meta.get("finalizers") or [])
        policy = opts.get("propagationPolicy")
        if opts.get("orphanDependents") is True and policy is None:
            policy = "Orphan"
        if policy == "Orphan" and ORPHAN not in finalizers:
            finalizers.append(ORPHAN)
        elif policy == "Foreground" and FOREGROUND not in finalizers:
            finalizers.append(FOREGROUND)
        if ri.info.kind == "Pod" and ri.info.group == "":
            grace = self._pod_grace(obj, opts)
            if grace > 0:
                return self._set_deletion(obj, finalizers, grace)
            if finalizers:
                return self._set_deletion(obj, finalizers, 0)
            return None
        if ri.info.kind == "Namespace" and ri.info.group == "":
            if finalizers or (obj.get("spec") or {}).get("finalizers"):
                obj.setdefault("status", {})["phase"] = "Terminating"
                return self._set_deletion(obj, finalizers, 0)
            return None
        if finalizers:
            return self._set_deletion(obj, finalizers, 0)
        return None

    def _pod_grace(self, pod: Obj, opts: dict[str, Any]) -> int:
        spec = pod.get("spec") or {}
        phase = (pod.get("status") or {}).get("phase")
        if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
            return 0               # nothing runs it: upstream deletes at once
        grace = opts.get("gracePeriodSeconds")
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        grace = max(int(grace or 0), 0)
        current = pod["metadata"].get("deletionGracePeriodSeconds")
        if current is not None and pod["metadata"].get("deletionTimestamp"):
            grace = min(grace, int(current))   # a deletion can only be hurried, never delayed
        return grace

    def _set_deletion(self, obj: Obj, finalizers: list[str], grace: int) -> Obj:
        meta = obj["metadata"]
        deadline = _stamp(_now() + dt.timedelta(seconds=grace))
        if not meta.get("deletionTimestamp") or grace < (meta.get("deletionGracePeriodSeconds")
                                                         or 0):
            meta["deletionTimestamp"] = deadline
        meta["deletionGracePeriodSeconds"] = grace
        if finalizers:
            meta["finalizers"] = finalizers
        return obj
