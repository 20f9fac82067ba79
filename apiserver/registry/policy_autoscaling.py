"""policy/v1 PodDisruptionBudgets and autoscaling/v2 HorizontalPodAutoscalers."""
from __future__ import annotations

import copy

from .fielderr import NOT_POSITIVE, invalid, not_supported, required
from .labels import validate_label_selector
from .names import validate_path_segment_name
from .strategy import Strategy
from .typed import Errs, ensure, get_int, get_map, get_str, items, set_default
from .workload import validate_int_or_percent

EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")
METRIC_TYPES = ("ContainerResource", "External", "Object", "Pods", "Resource")
SCALE_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
    {"type": "Pods", "value": 4, "periodSeconds": 15},
    {"type": "Percent", "value": 100, "periodSeconds": 15}]}
SCALE_DOWN = {"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [
    {"type": "Percent", "value": 100, "periodSeconds": 15}]}


class PodDisruptionBudgetStrategy(Strategy):
    has_generation = True
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0,
                "expectedPods": 0}

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            errs.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
        for key in ("minAvailable", "maxUnavailable"):
            validate_int_or_percent(errs, spec, key, f"spec.{key}")
        errs.extend(validate_label_selector(spec.get("selector"), "spec.selector"))
        policy = spec.get("unhealthyPodEvictionPolicy")
        if policy is not None and policy not in EVICTION_POLICIES:
            errs.append(not_supported("spec.unhealthyPodEvictionPolicy", policy,
                                      EVICTION_POLICIES))
        return errs


class HorizontalPodAutoscalerStrategy(Strategy):
    has_generation = True
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"desiredReplicas": 0}

    def default_object(self, obj: dict) -> None:
        spec = ensure(obj, "spec")
        if spec is None:
            return
        set_default(spec, "minReplicas", 1)
        if not spec.get("metrics"):
            spec["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
        behavior = spec.get("behavior")
        if isinstance(behavior, dict):
            for key, defaults in (("scaleUp", SCALE_UP), ("scaleDown", SCALE_DOWN)):
                rules = behavior.get(key)
                if rules is None:
                    behavior[key] = copy.deepcopy(defaults)
                elif isinstance(rules, dict):
                    for field, value in defaults.items():
                        if rules.get(field) is None:
                            rules[field] = copy.deepcopy(value)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        low = get_int(errs, spec, "minReplicas", "spec.minReplicas")
        if low is not None and low < 1:
            errs.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
        high = get_int(errs, spec, "maxReplicas", "spec.maxReplicas") or 0
        if high < 1:
            errs.append(invalid("spec.maxReplicas", high, "must be greater than 0"))
        if low is not None and high < low:
            errs.append(invalid("spec.maxReplicas", high,
                                "must be greater than or equal to `minReplicas`"))
        ref = get_map(errs, spec, "scaleTargetRef", "spec.scaleTargetRef")
        for key in ("kind", "name"):
            value = get_str(errs, ref, key, f"spec.scaleTargetRef.{key}")
            if not value:
                errs.append(required(f"spec.scaleTargetRef.{key}"))
            errs.extend(invalid(f"spec.scaleTargetRef.{key}", value, m)
                        for m in validate_path_segment_name(value) if value)
        for _, p, metric in items(errs, spec, "metrics", "spec.metrics"):
            _validate_metric(errs, metric, p)
        behavior = get_map(errs, spec, "behavior", "spec.behavior")
        for key in ("scaleUp", "scaleDown"):
            _validate_rules(errs, get_map(errs, behavior, key, f"spec.behavior.{key}"),
                            f"spec.behavior.{key}")
        return errs


def _validate_metric(errs: Errs, metric: dict, path: str) -> None:
    kind = get_str(errs, metric, "type", f"{path}.type")
    if not kind:
        errs.append(required(f"{path}.type", "must specify a metric source type"))
        return
    if kind not in METRIC_TYPES:
        errs.append(not_supported(f"{path}.type", kind, METRIC_TYPES))
        return
    key = {"ContainerResource": "containerResource", "External": "external", "Object": "object",
           "Pods": "pods", "Resource": "resource"}[kind]
    source = get_map(errs, metric, key, f"{path}.{key}")
    if not source:
        errs.append(required(f"{path}.{key}", f"must populate information for the given metric "
                                               "source"))
        return
    if kind in ("Resource", "ContainerResource") and not get_str(errs, source, "name",
                                                                  f"{path}.{key}.name"):
        errs.append(required(f"{path}.{key}.name", "must specify a resource name"))
    target = get_map(errs, source, "target", f"{path}.{key}.target")
    if not get_str(errs, target, "type", f"{path}.{key}.target.type"):
        errs.append(required(f"{path}.{key}.target.type", "must specify a metric target type"))
    utilization = get_int(errs, target, "averageUtilization",
                          f"{path}.{key}.target.averageUtilization")
    if utilization is not None and utilization < 1:
        errs.append(invalid(f"{path}.{key}.target.averageUtilization", utilization,
                            "must be greater than 0"))


def _validate_rules(errs: Errs, rules: dict, path: str) -> None:
    if not rules:
        return
    window = get_int(errs, rules, "stabilizationWindowSeconds",
                     f"{path}.stabilizationWindowSeconds")
    if window is not None and not 0 <= window <= 3600:
        errs.append(invalid(f"{path}.stabilizationWindowSeconds", window,
                            "must be greater than or equal to zero and less than or equal to "
                            "3600"))
    select = rules.get("selectPolicy")
    if select is not None and select not in ("Disabled", "Max", "Min"):
        errs.append(not_supported(f"{path}.selectPolicy", select, ("Disabled", "Max", "Min")))
    policies = items(errs, rules, "policies", f"{path}.policies")
    if rules.get("policies") is not None and not policies:
        errs.append(required(f"{path}.policies", "must specify at least one Policy"))
    for _, p, policy in policies:
        if policy.get("type") not in ("Percent", "Pods"):
            errs.append(not_supported(f"{p}.type", policy.get("type") or "", ("Percent", "Pods")))
        value = get_int(errs, policy, "value", f"{p}.value")
        if value is None or value <= 0:
            errs.append(invalid(f"{p}.value", value or 0, NOT_POSITIVE))
        period = get_int(errs, policy, "periodSeconds", f"{p}.periodSeconds")
        if period is None or period <= 0:
            errs.append(invalid(f"{p}.periodSeconds", period or 0, NOT_POSITIVE))
        elif period > 1800:
            errs.append(invalid(f"{p}.periodSeconds", period,
                                "must be less than or equal to 1800"))


