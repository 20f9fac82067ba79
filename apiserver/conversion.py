"""Conversion between the versions of one resource kept in a single storage form.

Ingress is stored as networking.k8s.io/v1 and also served as v1beta1 (`serviceName`/
`servicePort` backends, which older manifests use). Events are stored as core/v1 Events and also
served as events.k8s.io/v1 (`regarding`, `note`, `reportingController`), as upstream does.
HorizontalPodAutoscalers are stored as autoscaling/v2 and also served as the CPU-only v1
(conversion_autoscaling.py).
"""
from __future__ import annotations

import copy
from typing import Any

from apiserver.conversion_autoscaling import hpa_to_v1, hpa_to_v2
from machinery.api.resources import ResourceInfo

Obj = dict[str, Any]


def to_storage(info: ResourceInfo, obj: Obj) -> Obj:
    if info.group == "networking.k8s.io" and info.version == "v1beta1" and info.kind == "Ingress":
        return _ingress_to_v1(obj)
    if info.group == "events.k8s.io":
        return _event_to_core(obj)
    if _is_hpa_v1(info):
        return hpa_to_v2(obj)
    obj["apiVersion"], obj["kind"] = info.api_version, info.kind
    return obj


def from_storage(info: ResourceInfo, obj: Obj) -> Obj:
    if info.group == "networking.k8s.io" and info.version == "v1beta1" and info.kind == "Ingress":
        return _ingress_to_v1beta1(obj)
    if info.group == "events.k8s.io":
        return _event_from_core(obj)
    if _is_hpa_v1(info):
        return hpa_to_v1(obj)
    if info.group == "" and info.kind == "Event":
        obj = dict(obj)
        obj["apiVersion"], obj["kind"] = "v1", "Event"
    return obj


def _is_hpa_v1(info: ResourceInfo) -> bool:
    return info.group == "autoscaling" and info.version == "v1" \
        and info.kind == "HorizontalPodAutoscaler"


# --- Ingress -------------------------------------------------------------------------------

def _backend_to_v1(b: Any) -> Any:
    if not isinstance(b, dict) or "serviceName" not in b:
        return b
    b = dict(b)
    port = b.pop("servicePort", None)
    service: Obj = {"name": b.pop("serviceName")}
    if port is not None:
        service["port"] = {"number": port} if isinstance(port, int) else {"name": port}
    b["service"] = service
    return b


def _backend_to_v1beta1(b: Any) -> Any:
    if not isinstance(b, dict) or "service" not in b:
        return b
    b = dict(b)
    service = b.pop("service") or {}
    b["serviceName"] = service.get("name")
    port = service.get("port") or {}
    if "number" in port:
        b["servicePort"] = port["number"]
    elif "name" in port:
        b["servicePort"] = port["name"]
    return b


def _map_backends(obj: Obj, fn) -> Obj:
    obj = copy.deepcopy(obj)
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return obj
    if "backend" in spec:                                  # v1beta1 name of defaultBackend
        spec["defaultBackend"] = spec.pop("backend")
    if "defaultBackend" in spec:
        spec["defaultBackend"] = fn(spec["defaultBackend"])
    for rule in spec.get("rules") or []:
        http = rule.get("http") if isinstance(rule, dict) else None
        for path in (http or {}).get("paths") or []:
            if isinstance(path, dict) and "backend" in path:
                path["backend"] = fn(path["backend"])
    return obj


def _ingress_to_v1(obj: Obj) -> Obj:
    out = _map_backends(obj, _backend_to_v1)
    for rule in (out.get("spec") or {}).get("rules") or []:
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            if isinstance(path, dict):
                path.setdefault("pathType", "ImplementationSpecific")
    out["apiVersion"], out["kind"] = "networking.k8s.io/v1", "Ingress"
    return out


def _ingress_to_v1beta1(obj: Obj) -> Obj:
    out = _map_backends(obj, _backend_to_v1beta1)
    spec = out.get("spec") or {}
    if "defaultBackend" in spec:
        spec["backend"] = spec.pop("defaultBackend")
    out["apiVersion"], out["kind"] = "networking.k8s.io/v1beta1", "Ingress"
    return out


# --- Events --------------------------------------------------------------------------------

_RENAMES = (("involvedObject", "regarding"), ("message", "note"), ("related", "related"),
            ("reportingComponent", "reportingController"), ("reportingInstance", "reportingInstance"),
            ("firstTimestamp", "deprecatedFirstTimestamp"),
            ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"),
            ("source", "deprecatedSource"))


def _event_from_core(obj: Obj) -> Obj:
    out: Obj = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": obj.get("metadata", {})}
    for core, new in _RENAMES:
        if core in obj:
            out[new] = obj[core]
    for same in ("reason", "type", "action", "eventTime", "series"):
        if same in obj:
            out[same] = obj[same]
    if "reportingController" not in out and isinstance(obj.get("source"), dict):
        out["reportingController"] = obj["source"].get("component", "")
    return out


def _event_to_core(obj: Obj) -> Obj:
    out: Obj = {"apiVersion": "v1", "kind": "Event", "metadata": obj.get("metadata", {})}
    for core, new in _RENAMES:
        if new in obj:
            out[core] = obj[new]
    for same in ("reason", "type", "action", "eventTime", "series"):
        if same in obj:
            out[same] = obj[same]
    out.setdefault("involvedObject", {})
    return out
