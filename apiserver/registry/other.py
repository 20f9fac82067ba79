"""Leases, EndpointSlices, events.k8s.io Events, StorageClasses and pod Bindings."""
from __future__ import annotations

import ipaddress

from .fielderr import (NEGATIVE, duplicate, forbidden, immutable, invalid, not_supported,
                       required, too_long, too_many)
from .labels import validate_labels
from .names import (validate_dns1123_label, validate_dns1123_subdomain, validate_qualified_name)
from .strategy import Strategy
from .typed import (Errs, dicts, get_int, get_map, get_str, get_str_list, items,
                    set_default, set_default_str, sub)

ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
PROTOCOLS = ("SCTP", "TCP", "UDP")
_LINK_LOCAL_MULTICAST_V4 = ipaddress.ip_network("224.0.0.0/24")
_LINK_LOCAL_MULTICAST_V6 = ipaddress.ip_network("ff02::/10", strict=False)


class LeaseStrategy(Strategy):
    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        get_str(errs, spec, "holderIdentity", "spec.holderIdentity")
        duration = get_int(errs, spec, "leaseDurationSeconds", "spec.leaseDurationSeconds")
        if duration is not None and duration <= 0:
            errs.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        transitions = get_int(errs, spec, "leaseTransitions", "spec.leaseTransitions")
        if transitions is not None and transitions < 0:
            errs.append(invalid("spec.leaseTransitions", transitions, NEGATIVE))
        return errs


def _special_ip_errors(address: str) -> list[str]:
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        return [f"may not be unspecified ({address})"]
    if ip.is_loopback:
        return ["may not be in the loopback range (127.0.0.0/8, ::1/128)"]
    if ip.is_link_local:
        return ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"]
    if ip in _LINK_LOCAL_MULTICAST_V4 or ip in _LINK_LOCAL_MULTICAST_V6:
        return ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"]
    return []


def _address_errors(kind: str, address: str) -> list[str]:
    if kind in ("IPv4", "IPv6"):
        version = 4 if kind == "IPv4" else 6
        try:
            if ipaddress.ip_address(address).version != version:
                raise ValueError
        except ValueError:
            return [f"must be a valid {kind} address"]
        return _special_ip_errors(address)
    if kind == "FQDN":
        return validate_dns1123_subdomain(address) + \
            ([] if "." in address else ["should be a domain with at least two segments separated "
                                        "by dots"])
    return []


class EndpointSliceStrategy(Strategy):
    has_generation = True

    def spec_changed(self, obj: dict, old: dict) -> bool:
        """EndpointSlices have no spec: any change outside metadata counts."""
        def body(o: dict) -> dict:
            return {k: v for k, v in o.items() if k != "metadata"}
        return body(obj) != body(old)

    def default_object(self, obj: dict) -> None:
        for port in dicts(obj, "ports"):
            set_default(port, "name", "")
            set_default(port, "protocol", "TCP")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        kind = get_str(errs, obj, "addressType", "addressType")
        if not kind:
            errs.append(required("addressType"))
        elif kind not in ADDRESS_TYPES:
            errs.append(not_supported("addressType", kind, ADDRESS_TYPES))
        endpoints = items(errs, obj, "endpoints", "endpoints")
        if len(endpoints) > 1000:
            errs.append(too_many("endpoints", len(endpoints), 1000))
        for _, p, endpoint in endpoints:
            _validate_endpoint(errs, endpoint, kind, p)
        names: set[str] = set()
        for _, p, port in items(errs, obj, "ports", "ports"):
            name = get_str(errs, port, "name", f"{p}.name")
            if name:
                errs.extend(invalid(f"{p}.name", name, m) for m in validate_dns1123_label(name))
            if name in names:
                errs.append(duplicate(f"{p}.name", name))
            names.add(name)
            protocol = port.get("protocol")
            if protocol is None:
                errs.append(required(f"{p}.protocol"))
            elif protocol not in PROTOCOLS:
                errs.append(not_supported(f"{p}.protocol", protocol, PROTOCOLS))
            app_protocol = get_str(errs, port, "appProtocol", f"{p}.appProtocol")
            if app_protocol:
                errs.extend(invalid(f"{p}.appProtocol", app_protocol, m)
                            for m in validate_qualified_name(app_protocol))
        if old is not None and kind != old.get("addressType"):
            errs.append(immutable("addressType", kind))
        return errs


def _validate_endpoint(errs: Errs, endpoint: dict, kind: str, path: str) -> None:
    addresses = get_str_list(errs, endpoint, "addresses", f"{path}.addresses")
    if not addresses:
        errs.append(required(f"{path}.addresses", "must contain at least 1 address"))
    elif len(addresses) > 100:
        errs.append(too_many(f"{path}.addresses", len(addresses), 100))
    for i, address in enumerate(addresses):
        errs.extend(invalid(f"{path}.addresses[{i}]", address, m)
                    for m in _address_errors(kind, address))
    node = get_str(errs, endpoint, "nodeName", f"{path}.nodeName")
    if node:
        errs.extend(invalid(f"{path}.nodeName", node, m) for m in validate_dns1123_subdomain(node))
    hostname = get_str(errs, endpoint, "hostname", f"{path}.hostname")
    if hostname:
        errs.extend(invalid(f"{path}.hostname", hostname, m)
                    for m in validate_dns1123_label(hostname))
    errs.extend(validate_labels(endpoint.get("deprecatedTopology"), f"{path}.deprecatedTopology"))


class EventsV1Strategy(Strategy):
    """events.k8s.io/v1 Events: the structured shape, with its required reporting fields."""

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        if not obj.get("eventTime"):
            errs.append(required("eventTime"))
        kind = obj.get("type")
        if kind not in ("Normal", "Warning"):
            errs.append(invalid("type", "", f"has invalid value: {kind or ''}"))
        for key in ("deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedSource"):
            if obj.get(key):
                errs.append(invalid(key, "", "needs to be unset"))
        if obj.get("deprecatedCount"):
            errs.append(invalid("deprecatedCount", "", "needs to be unset"))
        controller = get_str(errs, obj, "reportingController", "reportingController")
        if not controller:
            errs.append(required("reportingController"))
        errs.extend(invalid("reportingController", controller, m)
                    for m in validate_qualified_name(controller))
        for key, limit in (("reportingInstance", 128), ("action", 128), ("reason", 128)):
            value = get_str(errs, obj, key, key)
            if not value:
                errs.append(required(key))
            elif len(value) > limit:
                errs.append(invalid(key, "", f"can have at most {limit} characters"))
        if len(get_str(errs, obj, "note", "note")) > 1024:
            errs.append(invalid("note", "", "can have at most 1024 characters"))
        regarding_ns = get_str(errs, get_map(errs, obj, "regarding", "regarding"), "namespace",
                               "regarding.namespace")
        namespace = (sub(obj, "metadata") or {}).get("namespace") or ""
        if regarding_ns and regarding_ns != namespace or \
                not regarding_ns and namespace not in ("default", "kube-system", ""):
            errs.append(invalid("regarding.namespace", regarding_ns,
                                "does not match event.namespace"))
        return errs


class StorageClassStrategy(Strategy):
    def default_object(self, obj: dict) -> None:
        set_default_str(obj, "reclaimPolicy", "Delete")
        set_default_str(obj, "volumeBindingMode", "Immediate")

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        provisioner = get_str(errs, obj, "provisioner", "provisioner")
        if not provisioner:
            errs.append(required("provisioner"))
        errs.extend(invalid("provisioner", provisioner, m)
                    for m in validate_qualified_name(provisioner.lower()) if provisioner)
        params = get_map(errs, obj, "parameters", "parameters")
        if sum(len(k) + len(str(v)) for k, v in params.items()) > 256 * 1024:
            errs.append(too_long("parameters", 256 * 1024))
        if "" in params:
            errs.append(invalid("parameters", params, "key cannot be empty"))
        policy = obj.get("reclaimPolicy")
        if policy not in ("Delete", "Retain"):
            errs.append(not_supported("reclaimPolicy", policy or "", ("Delete", "Retain")))
        mode = obj.get("volumeBindingMode")
        if not mode:
            errs.append(required("volumeBindingMode"))
        elif mode not in ("Immediate", "WaitForFirstConsumer"):
            errs.append(not_supported("volumeBindingMode", mode,
                                      ("Immediate", "WaitForFirstConsumer")))
        if old is not None:
            for key in ("parameters", "provisioner", "reclaimPolicy"):
                if obj.get(key) != old.get(key):
                    errs.append(forbidden(key, f"updates to {key} are forbidden."))
            if mode != old.get("volumeBindingMode"):
                errs.append(immutable("volumeBindingMode", mode))
        return errs


class BindingStrategy(Strategy):
    """pods/binding and the bindings resource: a target Node by name."""

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        target = get_map(errs, obj, "target", "target")
        kind = get_str(errs, target, "kind", "target.kind")
        if kind and kind != "Node":
            errs.append(not_supported("target.kind", kind, ("Node", "<empty>")))
        if not get_str(errs, target, "name", "target.name"):
            errs.append(required("target.name"))
        return errs


