"""The decisions of the HorizontalPodAutoscaler controller, free of I/O.

tinykube serves no metrics API (metrics.k8s.io, custom or external metrics), so, as upstream's
controller does in such a cluster, an HPA can only keep its target's replicas inside
[minReplicas, maxReplicas]: a count outside is clamped to the nearest bound; a count inside
leaves every metric failing, which the ScalingActive condition reports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

ABOVE_MAX = "Current number of replicas above Spec.MaxReplicas"
BELOW_MIN = "Current number of replicas below Spec.MinReplicas"
# what upstream's metrics client reports when metrics.k8s.io is not served
NO_RESOURCE_METRICS = ("unable to fetch metrics from resource metrics API: the server could not "
                       "find the requested resource (get pods.metrics.k8s.io)")
NO_CUSTOM_METRICS = "no custom metrics API (custom.metrics.k8s.io) registered"
NO_EXTERNAL_METRICS = "no external metrics API (external.metrics.k8s.io) registered"
_FAILED_REASONS = {"Resource": "FailedGetResourceMetric",
                   "ContainerResource": "FailedGetContainerResourceMetric",
                   "Pods": "FailedGetPodsMetric", "Object": "FailedGetObjectMetric",
                   "External": "FailedGetExternalMetric"}


@dataclass(frozen=True)
class Decision:
    desired: int
    rescale: bool
    reason: str = ""                     # why it rescales (the SuccessfulRescale event)
    disabled: bool = False               # the target has 0 replicas: autoscaling is off


def decide(current: int, min_replicas: int | None, max_replicas: int) -> Decision | None:
    """Clamp into the bounds; None when inside them (only metrics could decide then)."""
    low = 1 if min_replicas is None else min_replicas
    if current == 0 and low != 0:
        return Decision(0, False, disabled=True)
    if current > max_replicas:
        return Decision(max_replicas, True, ABOVE_MAX)
    if current < low:
        return Decision(low, True, BELOW_MIN)
    return None


def metric_failure(metric: Obj) -> tuple[str, str]:
    """(event/condition reason, error) of one metric that could not be read."""
    kind = metric.get("type") or ""
    reason = _FAILED_REASONS.get(kind, "FailedGetMetric")
    if kind in ("Resource", "ContainerResource"):
        source = metric.get("resource" if kind == "Resource" else "containerResource") or {}
        name, target = source.get("name") or "", source.get("target") or {}
        cause = f"unable to get metrics for resource {name}: {NO_RESOURCE_METRICS}"
        if target.get("averageValue") is not None:
            return reason, f"failed to get {name} usage: {cause}"
        if target.get("averageUtilization") is None:
            return reason, ("invalid resource metric source: neither an average utilization "
                            "target nor an average value (usage) target was set")
        return reason, f"failed to get {name} utilization: {cause}"
    if kind == "External":
        return reason, f"failed to get external metric: {NO_EXTERNAL_METRICS}"
    if kind in ("Pods", "Object"):
        return reason, f"failed to get {kind.lower()} metric value: {NO_CUSTOM_METRICS}"
    return reason, f"unknown metric source type {kind!r}"


def metrics_error(failures: list[tuple[str, str]]) -> str:
    """The FailedComputeMetricsReplicas message when no metric could be read."""
    n = len(failures)
    first = failures[0][1] if failures else "no metrics"
    return f"invalid metrics ({n} invalid out of {n}), first error is: {first}"


def set_condition(status: Obj, type_: str, value: str, reason: str, message: str,
                  now: str) -> None:
    """Set one condition; lastTransitionTime moves only when the status value changes."""
    conditions = status.setdefault("conditions", [])
    for cond in conditions:
        if cond.get("type") == type_:
            if cond.get("status") != value:
                cond["lastTransitionTime"] = now
            cond.update(status=value, reason=reason, message=message)
            return
    conditions.append({"type": type_, "status": value, "lastTransitionTime": now,
                       "reason": reason, "message": message})


def unable_to_compute(error: str) -> str:
    return f"the HPA was unable to compute the replica count: {error}"
