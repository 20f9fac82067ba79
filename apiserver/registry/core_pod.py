"""Pods and PodTemplates (upstream's pkg/registry/core/pod and podtemplate strategies)."""
from __future__ import annotations

import copy
from decimal import Decimal

from .fielderr import forbidden, invalid, required
from .pod_defaults import default_pod, default_template
from .pod_spec import validate_pod_spec, validate_pod_template
from .quantity import parse_quantity
from .strategy import Strategy
from .typed import Errs, dicts, get_map, sub

_QOS_RESOURCES = ("cpu", "memory")
POD_UPDATE_MESSAGE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)")


def _sum(resources: dict | None, out: dict[str, Decimal]) -> set[str]:
    """Adds the non-zero cpu/memory quantities to out; returns the names found."""
    found = set()
    for name, raw in (resources or {}).items():
        if name not in _QOS_RESOURCES:
            continue
        try:
            value = parse_quantity(raw)
        except ValueError:
            continue
        if value != 0:
            out[name] = out.get(name, Decimal(0)) + value
            found.add(name)
    return found


def pod_qos_class(pod: dict) -> str:
    """GetPodQOS, treating missing requests as equal to limits (as defaulting will make them)."""
    spec = sub(pod, "spec") or {}
    requests: dict[str, Decimal] = {}
    limits: dict[str, Decimal] = {}
    guaranteed = True
    for key in ("initContainers", "containers"):
        for c in dicts(spec, key):
            res = sub(c, "resources") or {}
            lim = sub(res, "limits") or {}
            req = dict(lim)
            req.update(sub(res, "requests") or {})
            _sum(req, requests)
            if not _sum(lim, limits) >= set(_QOS_RESOURCES):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(k) == v for k, v in requests.items()) \
            and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


class PodStrategy(Strategy):
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Pending", "qosClass": pod_qos_class(obj)}

    def default_object(self, obj: dict) -> None:
        default_pod(obj)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        validate_pod_spec(errs, get_map(errs, obj, "spec", "spec"), "spec")
        if old is not None:
            errs.extend(_validate_pod_update(obj, old))
        return errs


def _validate_pod_update(new: dict, old: dict) -> Errs:
    errs: Errs = []
    spec = new.get("spec") if isinstance(new.get("spec"), dict) else {}
    old_spec = old.get("spec") if isinstance(old.get("spec"), dict) else {}
    errs.extend(_check_deadline_update(spec, old_spec))
    munged = copy.deepcopy(spec)
    for key in ("containers", "initContainers"):
        new_list, old_list = munged.get(key), old_spec.get(key)
        if isinstance(new_list, list) and isinstance(old_list, list) \
                and len(new_list) == len(old_list):
            for i, (c, o) in enumerate(zip(new_list, old_list)):
                if isinstance(c, dict) and isinstance(o, dict):
                    if not c.get("image"):
                        errs.append(required(f"spec.{key}[{i}].image"))
                    c["image"] = o.get("image")
    for key in ("activeDeadlineSeconds", "tolerations"):
        _copy_key(munged, old_spec, key)
    grace, old_grace = munged.get("terminationGracePeriodSeconds"), \
        old_spec.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if not _tolerations_only_added(spec.get("tolerations"), old_spec.get("tolerations")):
        errs.append(forbidden("spec.tolerations",
                              "existing toleration can not be modified except its "
                              "tolerationSeconds"))
    if munged != old_spec:
        errs.append(forbidden("spec", POD_UPDATE_MESSAGE))
    return errs


def _copy_key(dst: dict, src: dict, key: str) -> None:
    if key in src:
        dst[key] = copy.deepcopy(src[key])
    else:
        dst.pop(key, None)


def _check_deadline_update(spec: dict, old_spec: dict) -> Errs:
    new, prev = spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if new is None:
        if prev is not None:
            return [invalid("spec.activeDeadlineSeconds", None,
                            "must not update from a positive integer to nil value")]
        return []
    if isinstance(new, int) and isinstance(prev, int) and prev < new:
        return [invalid("spec.activeDeadlineSeconds", new,
                        "must be less than or equal to previous value")]
    return []


def _tolerations_only_added(new: object, old: object) -> bool:
    new_list = new if isinstance(new, list) else []
    old_list = old if isinstance(old, list) else []

    def key(t: object) -> object:
        return {k: v for k, v in t.items() if k != "tolerationSeconds"} \
            if isinstance(t, dict) else t
    new_keys = [key(t) for t in new_list]
    return all(key(t) in new_keys for t in old_list)


class PodTemplateStrategy(Strategy):
    has_generation = True

    def default_object(self, obj: dict) -> None:
        default_template(sub(obj, "template"))

    def spec_changed(self, obj: dict, old: dict) -> bool:
        return obj.get("template") != old.get("template")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        validate_pod_template(errs, obj.get("template"), "template")
        return errs
