"""Services (core/v1): defaults, IP-family fields, validation, and kept allocations on update.

ClusterIP and nodePort allocation belong to the api-server's allocators, not here; this module
only keeps already-allocated values across updates (upstream's patchAllocatedValues) and checks
values given by the user.
"""
from __future__ import annotations

import copy

from .fielderr import (GoRepr, duplicate, forbidden, go_quote, invalid, not_supported,
                       required)
from .labels import validate_labels
from .names import (validate_dns1123_label, validate_dns1123_subdomain, validate_ip,
                    validate_port_num, validate_qualified_name)
from .pod_containers import validate_port_num_or_name
from .strategy import Strategy
from .typed import (Errs, dicts, ensure, get_int, get_map, get_str, get_str_list, items,
                    set_default, set_default_str, sub)

TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
PROTOCOLS = ("SCTP", "TCP", "UDP")
FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
CLUSTER_FAMILIES = ("IPv4",)          # tinykube's service CIDR is IPv4 only
NODE_PORT_RANGE = (30000, 32767)
MAX_AFFINITY_SECONDS = 86400


def _headless(spec: dict) -> bool:
    return spec.get("clusterIP") == "None"


def _external(spec: dict) -> bool:
    return spec.get("type") in ("NodePort", "LoadBalancer")


class ServiceStrategy(Strategy):
    name_validation = "dns1035"
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"loadBalancer": {}}

    def default_object(self, obj: dict) -> None:
        spec = ensure(obj, "spec")
        if spec is None:
            return
        _default_affinity(spec)
        set_default_str(spec, "type", "ClusterIP")
        for port in dicts(spec, "ports"):
            set_default_str(port, "protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port")
        if _external(spec):
            set_default_str(spec, "externalTrafficPolicy", "Cluster")
        if spec["type"] in ("ClusterIP", "NodePort", "LoadBalancer"):
            set_default(spec, "internalTrafficPolicy", "Cluster")
        if spec["type"] == "LoadBalancer":
            set_default(spec, "allocateLoadBalancerNodePorts", True)
        _default_cluster_ips(spec)
        _default_ip_families(spec)

    def prepare_update(self, obj: dict, old: dict) -> None:
        super().prepare_update(obj, old)
        spec, old_spec = sub(obj, "spec"), sub(old, "spec")
        if spec is not None and old_spec is not None:
            keep_allocated(spec, old_spec)

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        kind = get_str(errs, spec, "type", "spec.type")
        if not kind:
            errs.append(required("spec.type"))
        elif kind not in TYPES:
            errs.append(not_supported("spec.type", kind, TYPES))
        _validate_ports(errs, spec, kind)
        if kind != "ExternalName":
            errs.extend(validate_labels(spec.get("selector"), "spec.selector"))
        _validate_affinity(errs, spec)
        _validate_cluster_ips(errs, spec, kind)
        _validate_traffic_policies(errs, spec, kind)
        _validate_families(errs, spec)
        if kind == "ExternalName":
            name = get_str(errs, spec, "externalName", "spec.externalName")
            if not name:
                errs.append(required("spec.externalName"))
            else:
                errs.extend(invalid("spec.externalName", name, m)
                            for m in validate_dns1123_subdomain(name.rstrip(".")))
        if old is not None:
            errs.extend(_validate_update(spec, sub(old, "spec") or {}))
        return errs


def _default_affinity(spec: dict) -> None:
    set_default_str(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = sub(sub(spec, "sessionAffinityConfig"), "clientIP")
        if config is None or config.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}


def _default_cluster_ips(spec: dict) -> None:
    ip, ips = spec.get("clusterIP"), spec.get("clusterIPs")
    if isinstance(ip, str) and ip and not ips:
        spec["clusterIPs"] = [ip]
    elif not ip and isinstance(ips, list) and ips and isinstance(ips[0], str):
        spec["clusterIP"] = ips[0]


def _default_ip_families(spec: dict) -> None:
    """What the Service REST layer fills in on a single-stack IPv4 cluster."""
    if spec.get("type") == "ExternalName":
        return
    selectorless_headless = _headless(spec) and not spec.get("selector")
    set_default(spec, "ipFamilyPolicy",
                "RequireDualStack" if selectorless_headless else "SingleStack")
    set_default(spec, "ipFamilies", list(CLUSTER_FAMILIES))


def keep_allocated(spec: dict, old_spec: dict) -> None:
    """An update that omits allocated values keeps the stored ones (patchAllocatedValues)."""
    if spec.get("type") == "ExternalName" or old_spec.get("type") == "ExternalName":
        return
    if not spec.get("clusterIP") and not spec.get("clusterIPs"):
        for key in ("clusterIP", "clusterIPs"):
            if key in old_spec:
                spec[key] = copy.deepcopy(old_spec[key])
    for key in ("ipFamilies", "ipFamilyPolicy"):
        if spec.get(key) is None and key in old_spec:
            spec[key] = copy.deepcopy(old_spec[key])
    if _external(spec) and _external(old_spec):
        old_ports = dicts(old_spec, "ports")
        used = {p.get("nodePort") for p in dicts(spec, "ports") if p.get("nodePort")}
        for port in dicts(spec, "ports"):
            if port.get("nodePort"):
                continue
            match = next((o for o in old_ports if o.get("port") == port.get("port") and
                          (o.get("protocol") or "TCP") == (port.get("protocol") or "TCP")), None)
            if match and match.get("nodePort") and match["nodePort"] not in used:
                port["nodePort"] = match["nodePort"]
                used.add(match["nodePort"])
        if not spec.get("healthCheckNodePort") and old_spec.get("healthCheckNodePort") \
                and spec.get("externalTrafficPolicy") == "Local":
            spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]


def _port_key_repr(port: dict) -> GoRepr:
    return GoRepr(f"core.ServicePort{{Name:\"\", Protocol:{go_quote(str(port.get('protocol')))},"
                  f" AppProtocol:(*string)(nil), Port:{port.get('port')}, TargetPort:"
                  "intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}")


def _validate_ports(errs: Errs, spec: dict, kind: str) -> None:
    ports = items(errs, spec, "ports", "spec.ports")
    if not ports and not _headless(spec) and kind != "ExternalName" and \
            not any(e["field"] == "spec.ports" for e in errs):
        errs.append(required("spec.ports"))
    names: set[str] = set()
    seen: set[tuple] = set()
    node_ports: set[tuple] = set()
    for _, p, port in ports:
        name = get_str(errs, port, "name", f"{p}.name")
        if len(ports) > 1 and not name:
            errs.append(required(f"{p}.name"))
        elif name:
            errs.extend(invalid(f"{p}.name", name, m) for m in validate_dns1123_label(name))
            if name in names:
                errs.append(duplicate(f"{p}.name", name))
            names.add(name)
        number = get_int(errs, port, "port", f"{p}.port") or 0
        errs.extend(invalid(f"{p}.port", number, m) for m in validate_port_num(number))
        protocol = get_str(errs, port, "protocol", f"{p}.protocol")
        if not protocol:
            errs.append(required(f"{p}.protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(not_supported(f"{p}.protocol", protocol, PROTOCOLS))
        if port.get("targetPort") is not None:
            validate_port_num_or_name(errs, port, "targetPort", f"{p}.targetPort")
        app_protocol = get_str(errs, port, "appProtocol", f"{p}.appProtocol")
        if app_protocol:
            errs.extend(invalid(f"{p}.appProtocol", app_protocol, m)
                        for m in validate_qualified_name(app_protocol))
        if (number, protocol) in seen:
            errs.append(duplicate(p, _port_key_repr(port)))
        seen.add((number, protocol))
        _validate_node_port(errs, port, p, kind, node_ports)


def _validate_node_port(errs: Errs, port: dict, path: str, kind: str, seen: set[tuple]) -> None:
    node_port = get_int(errs, port, "nodePort", f"{path}.nodePort")
    if not node_port:
        return
    if kind in ("ClusterIP", "ExternalName"):
        errs.append(forbidden(f"{path}.nodePort", f"may not be used when `type` is '{kind}'"))
        return
    low, high = NODE_PORT_RANGE
    if not low <= node_port <= high:
        errs.append(invalid(f"{path}.nodePort", node_port,
                            "provided port is not in the valid range. The range of valid ports "
                            f"is {low}-{high}"))
    key = (port.get("protocol"), node_port)
    if key in seen:
        errs.append(duplicate(f"{path}.nodePort", node_port))
    seen.add(key)


def _validate_affinity(errs: Errs, spec: dict) -> None:
    affinity = get_str(errs, spec, "sessionAffinity", "spec.sessionAffinity")
    if not affinity:
        errs.append(required("spec.sessionAffinity"))
    elif affinity not in ("ClientIP", "None"):
        errs.append(not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    elif affinity == "ClientIP":
        path = "spec.sessionAffinityConfig.clientIP.timeoutSeconds"
        config = get_map(errs, get_map(errs, spec, "sessionAffinityConfig",
                                       "spec.sessionAffinityConfig"), "clientIP",
                         "spec.sessionAffinityConfig.clientIP")
        timeout = get_int(errs, config, "timeoutSeconds", path)
        if timeout is None or not 0 < timeout <= MAX_AFFINITY_SECONDS:
            errs.append(invalid(path, timeout, "must be greater than 0 and less than "
                                               f"{MAX_AFFINITY_SECONDS}"))


def _validate_cluster_ips(errs: Errs, spec: dict, kind: str) -> None:
    ip = get_str(errs, spec, "clusterIP", "spec.clusterIP")
    ips = get_str_list(errs, spec, "clusterIPs", "spec.clusterIPs")
    if kind == "ExternalName":
        if ip or ips:
            errs.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        return
    if ip and ips and ips[0] != ip:
        errs.append(invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    for i, value in enumerate(ips or ([ip] if ip else [])):
        if value == "None":
            if i == 0 and kind in ("NodePort", "LoadBalancer"):
                errs.append(invalid("spec.clusterIPs[0]", value,
                                    f"may not be set to 'None' for {kind} services"))
            continue
        errs.extend(invalid(f"spec.clusterIPs[{i}]", value, m) for m in validate_ip(value))


def _validate_traffic_policies(errs: Errs, spec: dict, kind: str) -> None:
    external = get_str(errs, spec, "externalTrafficPolicy", "spec.externalTrafficPolicy")
    if kind in ("NodePort", "LoadBalancer"):
        if not external:
            errs.append(required("spec.externalTrafficPolicy"))
        elif external not in ("Cluster", "Local"):
            errs.append(not_supported("spec.externalTrafficPolicy", external, ("Cluster", "Local")))
    elif external:
        errs.append(invalid("spec.externalTrafficPolicy", external,
                            "may only be set for externally-accessible services"))
    internal = spec.get("internalTrafficPolicy")
    if internal is None:
        if kind in ("ClusterIP", "NodePort", "LoadBalancer"):
            errs.append(required("spec.internalTrafficPolicy"))
    elif internal not in ("Cluster", "Local"):
        errs.append(not_supported("spec.internalTrafficPolicy", internal, ("Cluster", "Local")))
    health = spec.get("healthCheckNodePort")
    if health and not (kind == "LoadBalancer" and external == "Local"):
        errs.append(invalid("spec.healthCheckNodePort", health,
                            "may only be set when `type` is 'LoadBalancer' and "
                            "`externalTrafficPolicy` is 'Local'"))


def _validate_families(errs: Errs, spec: dict) -> None:
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in FAMILY_POLICIES:
        errs.append(not_supported("spec.ipFamilyPolicy", policy, FAMILY_POLICIES))
    families = get_str_list(errs, spec, "ipFamilies", "spec.ipFamilies")
    for i, family in enumerate(families):
        if family not in ("IPv4", "IPv6"):
            errs.append(not_supported(f"spec.ipFamilies[{i}]", family, ("IPv4", "IPv6")))
        elif family not in CLUSTER_FAMILIES and i == 0:
            errs.append(invalid(f"spec.ipFamilies[{i}]", family, "not configured on this cluster"))
        if family in families[:i]:
            errs.append(duplicate(f"spec.ipFamilies[{i}]", family))
    if len(families) > 2:
        errs.append(invalid("spec.ipFamilies", families, "may specify no more than one IP for "
                                                         "each IP family"))
    if policy == "SingleStack" and len(families) > 1:
        errs.append(invalid("spec.ipFamilies", families,
                            "when multiple IP families are specified, IP family policy must be "
                            "PreferDualStack or RequireDualStack"))


def _validate_update(spec: dict, old_spec: dict) -> Errs:
    if spec.get("type") == "ExternalName" or old_spec.get("type") == "ExternalName":
        return []
    errs: Errs = []
    ips, old_ips = spec.get("clusterIPs") or [], old_spec.get("clusterIPs") or []
    if isinstance(ips, list) and isinstance(old_ips, list) and ips and old_ips \
            and ips[0] != old_ips[0]:
        errs.append(invalid("spec.clusterIPs[0]", ips, "may not change once set"))
    families, old_families = spec.get("ipFamilies") or [], old_spec.get("ipFamilies") or []
    if isinstance(families, list) and isinstance(old_families, list) and families \
            and old_families and families[0] != old_families[0]:
        errs.append(invalid("spec.ipFamilies[0]", families[0], "may not change once set"))
    return errs


