"""PodSpec and PodTemplateSpec validation (upstream's ValidatePodSpec, spec-level rules)."""
from __future__ import annotations

from .fielderr import (NEGATIVE, NOT_POSITIVE, duplicate, invalid, not_supported, required)
from .labels import validate_label_key_at, validate_label_selector, validate_labels
from .meta import validate_template_meta
from .names import validate_dns1123_label, validate_dns1123_subdomain, validate_label_value
from .pod_containers import validate_container
from .pod_volumes import validate_volumes
from .typed import Errs, get_bool, get_int, get_list, get_map, get_str, items, type_error

RESTART_POLICIES = ("Always", "Never", "OnFailure")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
NODE_SELECTOR_OPS = ("DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn")
MAX_INT32 = 2**31 - 1


def validate_pod_template(errs: Errs, template: object, path: str) -> None:
    """ValidatePodTemplateSpec: template labels/annotations and the pod spec."""
    if template is None:
        errs.append(required(path))
        return
    if not isinstance(template, dict):
        errs.append(type_error(path, template, dict))
        return
    errs.extend(validate_template_meta(template.get("metadata"), f"{path}.metadata"))
    validate_pod_spec(errs, get_map(errs, template, "spec", f"{path}.spec"), f"{path}.spec")


def validate_pod_spec(errs: Errs, spec: dict, path: str) -> None:
    volumes = validate_volumes(errs, spec, f"{path}.volumes")
    _validate_containers(errs, spec, path, volumes)
    policy = get_str(errs, spec, "restartPolicy", f"{path}.restartPolicy")
    if not policy:
        errs.append(required(f"{path}.restartPolicy"))
    elif policy not in RESTART_POLICIES:
        errs.append(not_supported(f"{path}.restartPolicy", policy, RESTART_POLICIES))
    _validate_dns(errs, spec, path)
    errs.extend(validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector"))
    for key in ("serviceAccountName", "nodeName"):
        value = get_str(errs, spec, key, f"{path}.{key}")
        if value:
            errs.extend(invalid(f"{path}.{key}", value, m)
                        for m in validate_dns1123_subdomain(value))
    for key in ("hostname", "subdomain"):
        value = get_str(errs, spec, key, f"{path}.{key}")
        if value:
            errs.extend(invalid(f"{path}.{key}", value, m) for m in validate_dns1123_label(value))
    deadline = get_int(errs, spec, "activeDeadlineSeconds", f"{path}.activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        errs.append(invalid(f"{path}.activeDeadlineSeconds", deadline,
                            f"must be between 1 and {MAX_INT32}, inclusive"))
    get_int(errs, spec, "terminationGracePeriodSeconds", f"{path}.terminationGracePeriodSeconds")
    for key in ("hostNetwork", "hostPID", "hostIPC", "enableServiceLinks",
                "automountServiceAccountToken", "shareProcessNamespace"):
        get_bool(errs, spec, key, f"{path}.{key}")
    validate_tolerations(errs, spec, f"{path}.tolerations")
    _validate_affinity(errs, get_map(errs, spec, "affinity", f"{path}.affinity"),
                       f"{path}.affinity")
    _validate_spread(errs, spec, f"{path}.topologySpreadConstraints")
    _validate_security_context(errs, get_map(errs, spec, "securityContext",
                                             f"{path}.securityContext"), f"{path}.securityContext")
    for _, p, secret in items(errs, spec, "imagePullSecrets", f"{path}.imagePullSecrets"):
        get_str(errs, secret, "name", f"{p}.name")


def _validate_containers(errs: Errs, spec: dict, path: str, volumes: dict[str, dict]) -> None:
    names: set[str] = set()
    host_ports: set[str] = set()
    host_network = spec.get("hostNetwork") is True
    for key, init in (("initContainers", True), ("containers", False)):
        entries = items(errs, spec, key, f"{path}.{key}")
        if key == "containers" and not entries and not any(
                e.get("field") == f"{path}.containers" for e in errs):
            errs.append(required(f"{path}.containers"))
        for _, p, c in entries:
            name = validate_container(errs, c, p, volumes, init=init)
            if name and name in names:
                errs.append(duplicate(f"{p}.name", name))
            names.add(name)
            _check_host_ports(errs, c, p, host_ports, host_network)
    for _, p, c in items(errs, spec, "ephemeralContainers", f"{path}.ephemeralContainers"):
        name = get_str(errs, c, "name", f"{p}.name")
        if name and name in names:
            errs.append(duplicate(f"{p}.name", name))
        names.add(name)


def _check_host_ports(errs: Errs, c: dict, path: str, seen: set[str], host_network: bool) -> None:
    for i, port in enumerate(c.get("ports") if isinstance(c.get("ports"), list) else []):
        if not isinstance(port, dict):
            continue
        host, container = port.get("hostPort"), port.get("containerPort")
        if host_network and host not in (None, 0) and host != container:
            errs.append(invalid(f"{path}.ports[{i}].hostPort", host,
                                "must match `containerPort` when `hostNetwork` is true"))
        if host in (None, 0):
            continue
        key = f"{host}/{port.get('protocol') or 'TCP'}"
        if key in seen:
            errs.append(duplicate(f"{path}.ports[{i}].hostPort", key))
        seen.add(key)


def _validate_dns(errs: Errs, spec: dict, path: str) -> None:
    policy = get_str(errs, spec, "dnsPolicy", f"{path}.dnsPolicy")
    if not policy:
        errs.append(required(f"{path}.dnsPolicy"))
    elif policy not in DNS_POLICIES:
        errs.append(not_supported(f"{path}.dnsPolicy", policy, DNS_POLICIES))
    config = get_map(errs, spec, "dnsConfig", f"{path}.dnsConfig")
    if policy == "None":
        if spec.get("dnsConfig") is None:
            errs.append(required(f"{path}.dnsConfig",
                                 "must provide `dnsConfig` when `dnsPolicy` is None"))
        elif not config.get("nameservers"):
            errs.append(required(f"{path}.dnsConfig.nameservers", "must provide at least one DNS "
                                 "nameserver when `dnsPolicy` is None"))
    servers = get_list(errs, config, "nameservers", f"{path}.dnsConfig.nameservers")
    if len(servers) > 3:
        errs.append(invalid(f"{path}.dnsConfig.nameservers", servers,
                            "must not have more than 3 nameservers"))


def validate_tolerations(errs: Errs, spec: dict, path: str) -> None:
    for _, p, tol in items(errs, spec, "tolerations", path):
        key = get_str(errs, tol, "key", f"{p}.key")
        op = get_str(errs, tol, "operator", f"{p}.operator")
        value = get_str(errs, tol, "value", f"{p}.value")
        effect = get_str(errs, tol, "effect", f"{p}.effect")
        if key:
            errs.extend(validate_label_key_at(key, f"{p}.key"))
        if not key and op != "Exists":
            errs.append(invalid(f"{p}.operator", op, "operator must be Exists when `key` is "
                                "empty, which means \"match all values and all keys\""))
        if get_int(errs, tol, "tolerationSeconds", f"{p}.tolerationSeconds") is not None \
                and effect != "NoExecute":
            errs.append(invalid(f"{p}.effect", effect,
                                "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            msgs = validate_label_value(value)
            if msgs:
                errs.append(invalid(f"{p}.operator", value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(invalid(f"{p}.operator", tol,
                                    "value must be empty when `operator` is 'Exists'"))
        else:
            errs.append(not_supported(f"{p}.operator", op, ("Equal", "Exists")))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(not_supported(f"{p}.effect", effect, TAINT_EFFECTS))


def _validate_affinity(errs: Errs, affinity: dict, path: str) -> None:
    node = get_map(errs, affinity, "nodeAffinity", f"{path}.nodeAffinity")
    req_key = "requiredDuringSchedulingIgnoredDuringExecution"
    if node.get(req_key) is not None:
        p = f"{path}.nodeAffinity.{req_key}"
        terms = items(errs, get_map(errs, node, req_key, p), "nodeSelectorTerms",
                      f"{p}.nodeSelectorTerms")
        if not terms:
            errs.append(required(f"{p}.nodeSelectorTerms",
                                 "must have at least one node selector term"))
        for _, tp, term in terms:
            validate_node_selector_term(errs, term, tp)
    for kind in ("podAffinity", "podAntiAffinity"):
        aff = get_map(errs, affinity, kind, f"{path}.{kind}")
        p = f"{path}.{kind}.{req_key}"
        for _, tp, term in items(errs, aff, req_key, p):
            _validate_pod_affinity_term(errs, term, tp)
        pref = "preferredDuringSchedulingIgnoredDuringExecution"
        for _, wp, weighted in items(errs, aff, pref, f"{path}.{kind}.{pref}"):
            weight = get_int(errs, weighted, "weight", f"{wp}.weight")
            if weight is None or not 1 <= weight <= 100:
                errs.append(invalid(f"{wp}.weight", weight or 0, "must be in the range 1-100"))
            _validate_pod_affinity_term(errs, get_map(errs, weighted, "podAffinityTerm",
                                                      f"{wp}.podAffinityTerm"),
                                        f"{wp}.podAffinityTerm")


def validate_node_selector_term(errs: Errs, term: dict, path: str) -> None:
    for key in ("matchExpressions", "matchFields"):
        for _, p, req in items(errs, term, key, f"{path}.{key}"):
            op = get_str(errs, req, "operator", f"{p}.operator")
            values = get_list(errs, req, "values", f"{p}.values")
            if op in ("In", "NotIn") and not values:
                errs.append(required(f"{p}.values",
                                     "must be specified when `operator` is 'In' or 'NotIn'"))
            elif op in ("Exists", "DoesNotExist") and values:
                errs.append(invalid(f"{p}.values", values, "may not be specified when "
                                    "`operator` is 'Exists' or 'DoesNotExist'"))
            elif op in ("Gt", "Lt") and len(values) != 1:
                errs.append(required(f"{p}.values", "must be specified single value when "
                                     "`operator` is 'Lt' or 'Gt'"))
            elif op not in NODE_SELECTOR_OPS:
                errs.append(invalid(f"{p}.operator", op, "not a valid selector operator"))
            if key == "matchExpressions":
                errs.extend(validate_label_key_at(get_str(errs, req, "key", f"{p}.key"),
                                                  f"{p}.key"))


def _validate_pod_affinity_term(errs: Errs, term: dict, path: str) -> None:
    if not get_str(errs, term, "topologyKey", f"{path}.topologyKey"):
        errs.append(required(f"{path}.topologyKey", "can not be empty"))
    else:
        errs.extend(validate_label_key_at(term["topologyKey"], f"{path}.topologyKey"))
    errs.extend(validate_label_selector(term.get("labelSelector"), f"{path}.labelSelector",
                                        allow_invalid_values=True))


def _validate_spread(errs: Errs, spec: dict, path: str) -> None:
    seen: set[tuple[str, str]] = set()
    for _, p, c in items(errs, spec, "topologySpreadConstraints", path):
        skew = get_int(errs, c, "maxSkew", f"{p}.maxSkew")
        if skew is None or skew <= 0:
            errs.append(invalid(f"{p}.maxSkew", skew or 0, NOT_POSITIVE))
        key = get_str(errs, c, "topologyKey", f"{p}.topologyKey")
        if not key:
            errs.append(required(f"{p}.topologyKey", "can not be empty"))
        when = get_str(errs, c, "whenUnsatisfiable", f"{p}.whenUnsatisfiable")
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(not_supported(f"{p}.whenUnsatisfiable", when,
                                      ("DoNotSchedule", "ScheduleAnyway")))
        if (key, when) in seen:
            errs.append(duplicate(p, f"{{{key}, {when}}}"))
        seen.add((key, when))
        errs.extend(validate_label_selector(c.get("labelSelector"), f"{p}.labelSelector",
                                            allow_invalid_values=True))


def _validate_security_context(errs: Errs, ctx: dict, path: str) -> None:
    for key in ("runAsUser", "runAsGroup", "fsGroup"):
        value = get_int(errs, ctx, key, f"{path}.{key}")
        if value is not None and value < 0:
            errs.append(invalid(f"{path}.{key}", value, NEGATIVE))
    get_bool(errs, ctx, "runAsNonRoot", f"{path}.runAsNonRoot")
