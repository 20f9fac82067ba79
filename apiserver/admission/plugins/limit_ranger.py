"""LimitRanger: the LimitRanges of a namespace default and bound the resources of its pods.

Mutating: a container without a request or limit for a resource gets the LimitRange's
`defaultRequest` / `default` (with upstream's LimitRange defaulting: default <- max,
defaultRequest <- default <- min), and the pod is annotated `kubernetes.io/limit-ranger`.
Validating: `min`, `max` and `maxLimitRequestRatio` per Container and per Pod (sums), refused
with upstream's messages ("maximum cpu usage per Container is 1, but limit is 2").
"""
from __future__ import annotations

from decimal import Decimal

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import (Obj, containers, forbidden, in_namespace, is_pod,
                                                well_formed_pod)
from apiserver.registry.quantity import format_quantity, parse_quantity
from machinery.api import resources

LIMIT_RANGES = resources.lookup("", "v1", "limitranges")
ANNOTATION = "kubernetes.io/limit-ranger"


def _q(value) -> Decimal | None:
    try:
        return parse_quantity(value)
    except ValueError:
        return None


def container_defaults(item: Obj) -> tuple[Obj, Obj]:
    """(default limits, default requests) of a Container item, as upstream's defaulting."""
    limits = dict(item.get("default") or {})
    requests = dict(item.get("defaultRequest") or {})
    for k, v in (item.get("max") or {}).items():
        limits.setdefault(k, v)
    for k, v in limits.items():
        requests.setdefault(k, v)
    for k, v in (item.get("min") or {}).items():
        requests.setdefault(k, v)
    return limits, requests


def _apply_defaults(c: Obj, limits: Obj, requests: Obj, kind: str) -> list[str]:
    res = c["resources"] = c.get("resources") or {}
    set_req = sorted(k for k in requests if k not in (res.get("requests") or {}))
    set_lim = sorted(k for k in limits if k not in (res.get("limits") or {}))
    if set_req:
        res["requests"] = {**(res.get("requests") or {}), **{k: requests[k] for k in set_req}}
    if set_lim:
        res["limits"] = {**(res.get("limits") or {}), **{k: limits[k] for k in set_lim}}
    notes = []
    if set_req:
        notes.append(f"{', '.join(set_req)} request for {kind} {c.get('name', '')}")
    if set_lim:
        notes.append(f"{', '.join(set_lim)} limit for {kind} {c.get('name', '')}")
    return notes


def check(kind: str, item: Obj, requests: Obj, limits: Obj) -> list[str]:
    """Upstream's min/max/ratio messages for one Container or the Pod's sums."""
    errs: list[str] = []
    for r, v in (item.get("min") or {}).items():
        req = requests.get(r)
        if req is None:
            errs.append(f"minimum {r} usage per {kind} is {v}.  No request is specified")
        elif _q(req) is not None and _q(v) is not None and _q(req) < _q(v):
            errs.append(f"minimum {r} usage per {kind} is {v}, but request is {req}")
    for r, v in (item.get("max") or {}).items():
        lim = limits.get(r)
        if lim is None:
            errs.append(f"maximum {r} usage per {kind} is {v}.  No limit is specified")
        elif _q(lim) is not None and _q(v) is not None and _q(lim) > _q(v):
            errs.append(f"maximum {r} usage per {kind} is {v}, but limit is {lim}")
    for r, v in (item.get("maxLimitRequestRatio") or {}).items():
        req, lim = _q(requests.get(r)), _q(limits.get(r))
        if lim is None or not req:
            errs.append(f"{r} max limit to request ratio per {kind} is {v}, but no "
                        f"{'limit' if lim is None else 'request'} is specified or request is 0")
        elif _q(v) is not None and lim / req > _q(v):
            errs.append(f"{r} max limit to request ratio per {kind} is {v}, but provided "
                        f"ratio is {float(lim / req):f}")
    return errs


def _pod_sums(spec: Obj, which: str) -> Obj:
    total: dict[str, Decimal] = {}
    for c in containers(spec, include_init=False):
        for r, v in ((c.get("resources") or {}).get(which) or {}).items():
            if _q(v) is not None:
                total[r] = total.get(r, Decimal(0)) + _q(v)
    return {r: format_quantity(v) for r, v in total.items()}


class LimitRanger:
    name = "LimitRanger"

    def handles(self, request: AdmissionRequest) -> bool:
        return request.operation == "CREATE" and is_pod(request) and \
            request.obj is not None and well_formed_pod(request.obj)

    def _items(self, request: AdmissionRequest, kind: str) -> list[Obj]:
        return [i for lr in in_namespace(request.context, LIMIT_RANGES, request.namespace or "")
                for i in ((lr.get("spec") or {}).get("limits") or [])
                if isinstance(i, dict) and i.get("type") == kind]

    async def admit(self, request: AdmissionRequest) -> None:
        spec = request.obj.setdefault("spec", {})
        notes: list[str] = []
        for item in self._items(request, "Container"):
            limits, requests = container_defaults(item)
            for c in spec.get("initContainers") or []:
                notes += _apply_defaults(c, limits, requests, "init container")
            for c in spec.get("containers") or []:
                notes += _apply_defaults(c, limits, requests, "container")
        if notes:
            meta = request.obj["metadata"]
            meta["annotations"] = {**(meta.get("annotations") or {}),
                                   ANNOTATION: "LimitRanger plugin set: " + "; ".join(notes)}

    async def validate(self, request: AdmissionRequest) -> None:
        spec = request.obj.get("spec") or {}
        errs: list[str] = []
        for item in self._items(request, "Container"):
            for c in containers(spec, include_init=True):
                res = c.get("resources") or {}
                errs += check("Container", item, res.get("requests") or {},
                              res.get("limits") or {})
        for item in self._items(request, "Pod"):
            errs += check("Pod", item, _pod_sums(spec, "requests"), _pod_sums(spec, "limits"))
        if errs:
            raise forbidden(request, errs[0] if len(errs) == 1 else f"[{', '.join(errs)}]")
