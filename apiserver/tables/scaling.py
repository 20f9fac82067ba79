"""Rows of HorizontalPodAutoscaler (autoscaling/v2, and v1 read as v2) and PodDisruptionBudget."""
from __future__ import annotations

from datetime import datetime

from apiserver.conversion_autoscaling import hpa_to_v2
from apiserver.tables.columns import Printer, age_col, col, name_col
from apiserver.tables.duration import since
from apiserver.tables.fields import (dicts, get, has, int_or_string, integer, mapping, opt_int,
                                     quantity, text)

_MAX_METRICS = 2
# metric type -> the key of its source in a MetricSpec / MetricStatus
_SOURCES = {"External": "external", "Pods": "pods", "Object": "object",
            "Resource": "resource", "ContainerResource": "containerResource"}


def _age(obj: dict, now: datetime) -> str:
    return since(get(obj, "metadata", "creationTimestamp"), now)


def _q(value: object) -> str:
    """Quantity.String() of a *Quantity: "<nil>" when unset."""
    return quantity(value, unset="<nil>")


def _percent(value: object) -> str | None:
    number = opt_int({"v": value}, "v")
    return None if number is None else f"{number}%"


def _metric(spec: dict, status: dict | None) -> str:
    kind = text(spec, "type")
    key = _SOURCES.get(kind)
    if key is None:
        return "<unknown type>"
    source, target = mapping(spec, key), mapping(spec, key, "target")
    current = mapping(status, key, "current") if status is not None and has(status, key) else None
    if kind in ("External", "Object"):
        if has(target, "averageValue"):
            now_value = _q(get(current, "averageValue")) \
                if current is not None and has(current, "averageValue") else "<unknown>"
            return f"{now_value}/{_q(target.get('averageValue'))} (avg)"
        now_value = _q(get(current, "value")) if current is not None else "<unknown>"
        return f"{now_value}/{_q(target.get('value'))}"
    if kind == "Pods":
        now_value = _q(get(current, "averageValue")) if current is not None else "<unknown>"
        return f"{now_value}/{_q(target.get('averageValue'))}"
    resource = text(source, "name")
    if has(target, "averageValue"):
        now_value = _q(get(current, "averageValue")) if current is not None else "<unknown>"
        return f"{resource}: {now_value}/{_q(target.get('averageValue'))}"
    now_value = (_percent(get(current, "averageUtilization")) if current is not None
                 else None) or "<unknown>"
    goal = _percent(target.get("averageUtilization")) or "<auto>"
    return f"{resource}: {now_value}/{goal}"


def format_hpa_metrics(obj: dict) -> str:
    """`cpu: 40%/80%, memory: <unknown>/200Mi + 1 more...`, as upstream's formatHPAMetrics."""
    specs = dicts(obj, "spec", "metrics")
    if not specs:
        return "<none>"
    statuses = dicts(obj, "status", "currentMetrics")
    listed = [_metric(spec, statuses[i] if i < len(statuses) else None)
              for i, spec in enumerate(specs)]
    if len(listed) > _MAX_METRICS:
        return f"{', '.join(listed[:_MAX_METRICS])} + {len(listed) - _MAX_METRICS} more..."
    return ", ".join(listed)


def _hpa_cells(obj: dict, now: datetime) -> list:
    if obj.get("apiVersion") == "autoscaling/v1":     # upstream prints the internal (v2) form
        obj = hpa_to_v2(obj)
    reference = f"{text(obj, 'spec', 'scaleTargetRef', 'kind')}/" \
                f"{text(obj, 'spec', 'scaleTargetRef', 'name')}"
    min_replicas = opt_int(obj, "spec", "minReplicas")
    return [text(obj, "metadata", "name"), reference, format_hpa_metrics(obj),
            "<unset>" if min_replicas is None else str(min_replicas),
            integer(obj, "spec", "maxReplicas"), integer(obj, "status", "currentReplicas"),
            _age(obj, now)]


HORIZONTAL_POD_AUTOSCALER = Printer(
    (name_col(),
     col("Reference", "reference to scaled resource; horizontal pod autoscaler will learn the "
                      "current resource consumption and will set the desired number of pods "
                      "by using its Scale subresource."),
     col("Targets", "metrics contains the specifications for which to use to calculate the "
                    "desired replica count."),
     col("MinPods", "minReplicas is the lower limit for the number of replicas to which the "
                    "autoscaler can scale down."),
     col("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the "
                    "autoscaler can scale up."),
     col("Replicas", "currentReplicas is current number of replicas of pods managed by this "
                     "autoscaler."),
     age_col()),
    _hpa_cells)


def _budget(obj: dict, field: str) -> str:
    value = get(obj, "spec", field)
    return "N/A" if value is None else int_or_string(value)


PDB = Printer(
    (name_col(), col("Min Available", "The minimum number of pods that must be available."),
     col("Max Unavailable", "The maximum number of pods that may be unavailable."),
     col("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.",
         "integer"),
     age_col()),
    lambda obj, now: [text(obj, "metadata", "name"), _budget(obj, "minAvailable"),
                      _budget(obj, "maxUnavailable"),
                      integer(obj, "status", "disruptionsAllowed"), _age(obj, now)])
