"""Namespaces, Nodes, core Events, Endpoints, LimitRanges and ResourceQuotas (core/v1)."""
from __future__ import annotations

import copy

from machinery.api.errors import cause

from .fielderr import NEGATIVE, forbidden, go_value, immutable, invalid, not_supported, required
from .labels import validate_label_key_at
from .names import (validate_cidr, validate_dns1123_label, validate_ip, validate_label_value,
                    validate_port_num, validate_qualified_name)
from .pod_defaults import canonicalize_resource_list
from .pod_spec import TAINT_EFFECTS
from .quantity import format_quantity, parse_quantity
from .strategy import Strategy
from .typed import (Errs, dicts, ensure, get_int, get_list, get_map, get_str, items,
                    set_default_str, sub)

METADATA_NAME_LABEL = "kubernetes.io/metadata.name"
PROTOCOLS = ("SCTP", "TCP", "UDP")


class NamespaceStrategy(Strategy):
    name_validation = "label"
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Active"}

    def prepare_create(self, obj: dict) -> None:
        super().prepare_create(obj)
        spec = ensure(obj, "spec")
        if spec is not None:
            finalizers = spec.get("finalizers")
            if finalizers is None:
                spec["finalizers"] = finalizers = []
            if isinstance(finalizers, list) and "kubernetes" not in finalizers:
                finalizers.append("kubernetes")

    def prepare_update(self, obj: dict, old: dict) -> None:
        """spec.finalizers changes only through /finalize; status only through /status."""
        super().prepare_update(obj, old)
        spec = ensure(obj, "spec")
        if spec is not None:
            old_finalizers = (sub(old, "spec") or {}).get("finalizers")
            spec["finalizers"] = copy.deepcopy(old_finalizers) if old_finalizers is not None \
                else []
            if not spec["finalizers"]:
                del spec["finalizers"]

    def default_object(self, obj: dict) -> None:
        meta = sub(obj, "metadata")
        name = (meta or {}).get("name")
        if isinstance(name, str) and name:
            labels = ensure(meta, "labels")
            if labels is not None:
                labels[METADATA_NAME_LABEL] = name
        set_default_str(ensure(obj, "status"), "phase", "Active")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        for i, name in enumerate(get_list(errs, spec, "finalizers", "spec.finalizers")):
            p = f"spec.finalizers[{i}]"
            if not isinstance(name, str):
                errs.append(invalid(p, name, "must be of type string"))
                continue
            errs.extend(invalid(p, name, m) for m in validate_qualified_name(name))
            if "/" not in name and name != "kubernetes":
                errs.append(invalid(p, name, "name is neither a standard finalizer name nor is "
                                             "it fully qualified"))
        return errs


class NodeStrategy(Strategy):
    """Nodes keep the status they are created with (the kubelet registers with one)."""

    def default_object(self, obj: dict) -> None:
        spec = ensure(obj, "spec")
        if spec is not None:
            cidr, cidrs = spec.get("podCIDR"), spec.get("podCIDRs")
            if isinstance(cidr, str) and cidr and not cidrs:
                spec["podCIDRs"] = [cidr]
            elif not cidr and isinstance(cidrs, list) and cidrs and isinstance(cidrs[0], str):
                spec["podCIDR"] = cidrs[0]
        status = sub(obj, "status")
        if status is not None:
            canonicalize_resource_list(sub(status, "capacity"))
            if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
                status["allocatable"] = copy.deepcopy(status["capacity"])
            canonicalize_resource_list(sub(status, "allocatable"))

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        cidrs = get_list(errs, spec, "podCIDRs", "spec.podCIDRs")
        for i, cidr in enumerate(cidrs):
            if not isinstance(cidr, str) or validate_cidr(cidr):
                errs.append(invalid(f"spec.podCIDRs[{i}]", cidr, "must be a valid CIDR"))
        if len(cidrs) > 2:
            errs.append(invalid("spec.podCIDRs", cidrs,
                                "may specify no more than one CIDR for each IP family"))
        _validate_taints(errs, spec)
        if old is not None:
            old_spec = sub(old, "spec") or {}
            for key, word in (("podCIDRs", "podCIDR"), ("providerID", "providerID")):
                if old_spec.get(key) and spec.get(key) != old_spec.get(key):
                    errs.append(forbidden(f"spec.{key}", f"node updates may not change {word} "
                                                         "except from \"\" to valid"))
        return errs


def _validate_taints(errs: Errs, spec: dict) -> None:
    seen: set[tuple[str, str]] = set()
    for _, p, taint in items(errs, spec, "taints", "spec.taints"):
        key = get_str(errs, taint, "key", f"{p}.key")
        errs.extend(validate_label_key_at(key, f"{p}.key"))
        value = get_str(errs, taint, "value", f"{p}.value")
        errs.extend(invalid(f"{p}.value", value, m) for m in validate_label_value(value))
        effect = get_str(errs, taint, "effect", f"{p}.effect")
        if not effect:
            errs.append(required(f"{p}.effect"))
        elif effect not in TAINT_EFFECTS:
            errs.append(not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
        if (key, effect) in seen:
            errs.append(cause(p, f"Duplicate value: {go_value(taint)}: taints must be unique "
                                 "by key and effect pair", "FieldValueDuplicate"))
        seen.add((key, effect))


_EVENT_IMMUTABLE = ("involvedObject", "reason", "message", "source", "firstTimestamp", "action",
                    "related", "reportingComponent", "reportingInstance", "type")


class EventStrategy(Strategy):
    """core/v1 Events: the namespace must agree with the involved object's."""

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        involved = get_map(errs, obj, "involvedObject", "involvedObject")
        involved_ns = get_str(errs, involved, "namespace", "involvedObject.namespace")
        namespace = (sub(obj, "metadata") or {}).get("namespace") or ""
        if involved_ns and involved_ns != namespace or \
                not involved_ns and namespace not in ("", "default", "kube-system"):
            errs.append(invalid("involvedObject.namespace", involved_ns,
                                "does not match event.namespace"))
        kind = obj.get("type")
        if obj.get("eventTime") and kind not in ("Normal", "Warning"):
            errs.append(invalid("type", kind or "", f"has invalid value: {kind or ''}"))
        get_int(errs, obj, "count", "count")
        if old is not None:
            for key in _EVENT_IMMUTABLE:
                if obj.get(key) != old.get(key) and key in old:
                    errs.append(immutable(key, obj.get(key)))
        return errs


class EndpointsStrategy(Strategy):
    def default_object(self, obj: dict) -> None:
        for subset in dicts(obj, "subsets"):
            for port in dicts(subset, "ports"):
                set_default_str(port, "protocol", "TCP")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        for _, p, subset in items(errs, obj, "subsets", "subsets"):
            for key in ("addresses", "notReadyAddresses"):
                for _, ap, address in items(errs, subset, key, f"{p}.{key}"):
                    ip = get_str(errs, address, "ip", f"{ap}.ip")
                    errs.extend(invalid(f"{ap}.ip", ip, m) for m in validate_ip(ip))
            ports = items(errs, subset, "ports", f"{p}.ports")
            for _, pp, port in ports:
                validate_endpoint_port(errs, port, pp, require_name=len(ports) > 1)
        return errs


def validate_endpoint_port(errs: Errs, port: dict, path: str, require_name: bool) -> None:
    name = get_str(errs, port, "name", f"{path}.name")
    if require_name and not name:
        errs.append(required(f"{path}.name"))
    elif name:
        errs.extend(invalid(f"{path}.name", name, m) for m in validate_dns1123_label(name))
    number = get_int(errs, port, "port", f"{path}.port") or 0
    errs.extend(invalid(f"{path}.port", number, m) for m in validate_port_num(number))
    protocol = get_str(errs, port, "protocol", f"{path}.protocol")
    if not protocol:
        errs.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errs.append(not_supported(f"{path}.protocol", protocol, PROTOCOLS))


def _quantity_map(errs: Errs, obj: dict, key: str, path: str) -> dict:
    out = {}
    for name, raw in get_map(errs, obj, key, path).items():
        p = f"{path}[{name}]"
        try:
            value = parse_quantity(raw)
        except ValueError as exc:
            errs.append(invalid(p, raw, str(exc)))
            continue
        if value < 0:
            errs.append(invalid(p, format_quantity(value), NEGATIVE))
        out[name] = value
    return out


class LimitRangeStrategy(Strategy):
    def default_object(self, obj: dict) -> None:
        for item in dicts(sub(obj, "spec"), "limits"):
            for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
                canonicalize_resource_list(sub(item, key))
            if item.get("type") != "Container":
                continue
            default, request = ensure(item, "default"), ensure(item, "defaultRequest")
            if default is None or request is None:
                continue
            for name, value in (sub(item, "max") or {}).items():
                default.setdefault(name, value)
            for name, value in default.items():
                request.setdefault(name, value)
            for name, value in (sub(item, "min") or {}).items():
                request.setdefault(name, value)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        for _, p, item in items(errs, spec, "limits", "spec.limits"):
            kind = get_str(errs, item, "type", f"{p}.type")
            if kind not in ("Container", "Pod", "PersistentVolumeClaim"):
                errs.append(not_supported(f"{p}.type", kind,
                                          ("Container", "PersistentVolumeClaim", "Pod")))
            lows = _quantity_map(errs, item, "min", f"{p}.min")
            highs = _quantity_map(errs, item, "max", f"{p}.max")
            for name, low in lows.items():
                if name in highs and low > highs[name]:
                    errs.append(invalid(f"{p}.min[{name}]", format_quantity(low),
                                        f"min value {format_quantity(low)} is greater than max "
                                        f"value {format_quantity(highs[name])}"))
            _quantity_map(errs, item, "default", f"{p}.default")
            _quantity_map(errs, item, "defaultRequest", f"{p}.defaultRequest")
        return errs


class ResourceQuotaStrategy(Strategy):
    reset_status_on_create = True

    def default_object(self, obj: dict) -> None:
        canonicalize_resource_list(sub(sub(obj, "spec"), "hard"))

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        for name in _quantity_map(errs, spec, "hard", "spec.hard"):
            errs.extend(invalid(f"spec.hard[{name}]", name, m)
                        for m in validate_qualified_name(name))
        for i, scope in enumerate(get_list(errs, spec, "scopes", "spec.scopes")):
            if scope not in ("BestEffort", "CrossNamespacePodAffinity", "NotBestEffort",
                             "NotTerminating", "PriorityClass", "Terminating"):
                errs.append(not_supported(f"spec.scopes[{i}]", scope,
                                          ("BestEffort", "CrossNamespacePodAffinity",
                                           "NotBestEffort", "NotTerminating", "PriorityClass",
                                           "Terminating")))
        return errs


