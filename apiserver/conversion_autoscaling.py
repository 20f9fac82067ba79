"""HorizontalPodAutoscaler between autoscaling/v1 (served) and autoscaling/v2 (stored).

v1 knows one metric: average CPU utilization. Its `spec.targetCPUUtilizationPercentage` is a v2
Resource metric for cpu with a Utilization target, and `status.currentCPUUtilizationPercentage`
the matching current metric, as upstream maps them. A v1 object without a target gets no metric
here; the v2 defaults then add upstream's 80% cpu target, which reads back as 80 in v1.
v2-only fields (other metrics, behavior, conditions) are not carried through v1 (upstream keeps
them in `autoscaling.alpha.kubernetes.io/*` annotations; tinykube does not).
"""
from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]

_SHARED_SPEC = ("scaleTargetRef", "minReplicas", "maxReplicas")
_SHARED_STATUS = ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")


def _cpu_metric(metrics: Any, side: str) -> Obj | None:
    """The `target` (spec) or `current` (status) of the first cpu Resource metric."""
    for metric in metrics if isinstance(metrics, list) else []:
        if not isinstance(metric, dict) or metric.get("type") != "Resource":
            continue
        resource = metric.get("resource")
        if isinstance(resource, dict) and resource.get("name") == "cpu" \
                and isinstance(resource.get(side), dict):
            return resource[side]
    return None


def _copy(src: Any, keys: tuple[str, ...]) -> Obj:
    if not isinstance(src, dict):
        return {}
    return {k: copy.deepcopy(src[k]) for k in keys if k in src}


def hpa_to_v2(obj: Obj) -> Obj:
    """A v1 HorizontalPodAutoscaler in its v2 (storage) form."""
    out: Obj = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": copy.deepcopy(obj.get("metadata") or {})}
    if "spec" in obj:
        spec = obj.get("spec")
        out["spec"] = _copy(spec, _SHARED_SPEC)
        target = spec.get("targetCPUUtilizationPercentage") if isinstance(spec, dict) else None
        if target is not None:
            out["spec"]["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]
    if "status" in obj:
        status = obj.get("status")
        out["status"] = _copy(status, _SHARED_STATUS)
        current = status.get("currentCPUUtilizationPercentage") \
            if isinstance(status, dict) else None
        if current is not None:
            out["status"]["currentMetrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "current": {"averageUtilization": current}}}]
    return out


def hpa_to_v1(obj: Obj) -> Obj:
    """A stored v2 HorizontalPodAutoscaler as v1 serves it."""
    out: Obj = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
                "metadata": copy.deepcopy(obj.get("metadata") or {})}
    spec = obj.get("spec") or {}
    out["spec"] = _copy(spec, _SHARED_SPEC)
    target = _cpu_metric(spec.get("metrics"), "target")
    if target and target.get("type") == "Utilization" \
            and target.get("averageUtilization") is not None:
        out["spec"]["targetCPUUtilizationPercentage"] = target["averageUtilization"]
    status = obj.get("status") or {}
    # v1's replica counts are not omitempty: a fresh object shows zeros, as upstream's does
    out["status"] = _copy(status, _SHARED_STATUS)
    for key in ("currentReplicas", "desiredReplicas"):
        out["status"].setdefault(key, 0)
    current = _cpu_metric(status.get("currentMetrics"), "current")
    if current and current.get("averageUtilization") is not None:
        out["status"]["currentCPUUtilizationPercentage"] = current["averageUtilization"]
    return out
