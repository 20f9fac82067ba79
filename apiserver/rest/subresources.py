"""Subresources with their own semantics: scale, binding, eviction, finalize, and the streaming
ones (log, exec, attach, portforward) that the kubelet serves."""
from __future__ import annotations

from typing import Any

from apiserver.codec import decode_body
from apiserver.patch import apply_json_patch, apply_merge_patch, patch_type
from apiserver.request_info import RequestInfo
from apiserver.rest.context import (Obj, ServerContext, deep_copy, meta_of, now_rfc3339,
                                    object_key)
from apiserver.rest.deletion import Deleter, parse_delete_options
from apiserver.rest.params import WriteParams
from apiserver.rest.writes import Writer
from apiserver.storage import KeyNotFound, RevisionConflict
from machinery.api import resources
from machinery.api.errors import (BadRequest, Conflict, Invalid, NotFound, ServiceUnavailable,
                                  TooManyRequests, cause)
from machinery.selectors import label_selector_from_dict, label_selector_to_string

KUBELET_SUBRESOURCES = ("log", "exec", "attach", "portforward", "proxy")


def to_scale(info, obj: Obj) -> Obj:
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, obj["metadata"]
    selector = spec.get("selector") or {}
    if info.kind == "ReplicationController":
        selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    else:
        selector_text = label_selector_to_string(selector)
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                              "creationTimestamp") if k in meta},
            "spec": {"replicas": spec.get("replicas", 0)},
            "status": {"replicas": status.get("replicas", 0), "selector": selector_text}}


class Subresources:
    def __init__(self, ctx: ServerContext, writer: Writer, deleter: Deleter):
        self.ctx, self.writer, self.deleter = ctx, writer, deleter

    async def _current(self, ri: RequestInfo) -> Obj:
        try:
            return await self.ctx.store.get(object_key(ri.info, ri.namespace, ri.name))
        except KeyNotFound:
            raise NotFound.object(ri.info.plural, ri.info.group, ri.name) from None

    # --- scale -----------------------------------------------------------------------------------

    async def get_scale(self, ri: RequestInfo) -> Obj:
        return to_scale(ri.info, await self._current(ri))

    async def write_scale(self, ri: RequestInfo, method: str, raw: bytes,
                          content_type: str | None, params: WriteParams) -> Obj:
        current = await self._current(ri)
        scale = to_scale(ri.info, current)
        body = decode_body(raw, content_type)
        if method == "PUT":
            new_scale = body
        else:
            kind = patch_type(content_type)
            if kind == "json":
                if not isinstance(body, list):
                    raise BadRequest("a JSON patch must be a list of operations")
                new_scale = apply_json_patch(scale, body)
            elif isinstance(body, dict):
                new_scale = apply_merge_patch(scale, body)
            else:
                raise BadRequest("the patch must be a JSON object")
        if not isinstance(new_scale, dict):
            raise BadRequest("the body must be a Scale object")
        replicas = (new_scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise Invalid.fields("Scale", ri.name or "", [cause(
                "spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")],
                "autoscaling")
        want_rv = meta_of(new_scale).get("resourceVersion") or None
        new = deep_copy(current)
        new.setdefault("spec", {})["replicas"] = replicas
        updated = await self.writer.update_object(ri, current, new, params,
                                                  precondition_rv=want_rv)
        return to_scale(ri.info, updated)

    # --- binding -------------------------------------------------------------------------------

    async def bind(self, ri: RequestInfo, body: Any, params: WriteParams) -> Obj:
        if not isinstance(body, dict) or not isinstance(body.get("target"), dict):
            raise BadRequest("a Binding needs a target")
        pod_name = ri.name or meta_of(body).get("name")
        node = body["target"].get("name")
        if not pod_name or not node:
            raise Invalid.fields("Binding", pod_name or "", [cause("target.name",
                                                                   "Required value", "FieldValueRequired")])
        pods = resources.lookup("", "v1", "pods")
        pod_ri = RequestInfo(pods, ri.namespace, pod_name, "binding")
        current = await self._current(pod_ri)
        if current["metadata"].get("deletionTimestamp"):
            raise Conflict(f'pod {pod_name} is being deleted, cannot be assigned to a host')
        assigned = (current.get("spec") or {}).get("nodeName")
        if assigned:
            raise Conflict(f'pod {pod_name} is already assigned to node "{assigned}"')
        new = deep_copy(current)
        new.setdefault("spec", {})["nodeName"] = node
        conditions = [c for c in (new.setdefault("status", {}).get("conditions") or [])
                      if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": now_rfc3339()})
        new["status"]["conditions"] = conditions
        if not params.dry_run:
            try:
                await self.ctx.store.update(object_key(pods, ri.namespace, pod_name), new,
                                            int(current["metadata"]["resourceVersion"]))
            except RevisionConflict:
                raise Conflict.stale("pods", "", pod_name) from None
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "code": 201}

    # --- eviction ------------------------------------------------------------------------------

    async def evict(self, ri: RequestInfo, body: Any) -> Obj:
        if body is not None and not isinstance(body, dict):
            raise BadRequest("an Eviction must be an object")
        pod = await self._current(ri)
        if not pod["metadata"].get("deletionTimestamp"):
            await self._check_disruption_budgets(ri, pod)
        opts = parse_delete_options((body or {}).get("deleteOptions") or {}, {})
        await self.deleter.delete(ri, opts)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "code": 201}

    async def _check_disruption_budgets(self, ri: RequestInfo, pod: Obj) -> None:
        pdbs = resources.lookup("policy", "v1", "poddisruptionbudgets")
        labels = pod["metadata"].get("labels") or {}
        for pdb in list(self.ctx.cache_for(pdbs).objects.values()):
            if pdb["metadata"].get("namespace") != ri.namespace:
                continue
            try:
                selector = label_selector_from_dict((pdb.get("spec") or {}).get("selector"))
            except Exception:
                continue
            if selector.empty or not selector.matches(labels):
                continue
            if ((pdb.get("status") or {}).get("disruptionsAllowed") or 0) <= 0:
                raise TooManyRequests(
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                    details={"causes": [{"reason": "DisruptionBudget", "message":
                              f"The disruption budget {pdb['metadata']['name']} needs "
                              f"{(pdb.get('status') or {}).get('desiredHealthy', 0)} healthy pods "
                              f"and has {(pdb.get('status') or {}).get('currentHealthy', 0)} "
                              "currently"}]})

    # --- served by the kubelet ---------------------------------------------------------------------

    async def kubelet_stream(self, ri: RequestInfo) -> None:
        await self._current(ri)
        raise ServiceUnavailable(
            f"{ri.info.plural}/{ri.subresource} is served by the node's kubelet, and no kubelet "
            "is connected to this cluster yet")
