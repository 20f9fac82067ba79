"""Container validation (upstream's validateContainers, ports, env, mounts, probes, resources)."""
from __future__ import annotations

from .fielderr import (NEGATIVE, duplicate, forbidden, invalid, not_found, not_supported,
                       required)
from .names import (validate_config_map_key, validate_dns1123_label, validate_dns1123_subdomain,
                    validate_env_var_name, validate_port_name, validate_port_num)
from .pod_resources import validate_resources
from .pod_volumes import validate_descending_path
from .typed import (Errs, get_bool, get_int, get_map, get_str, get_str_list, int_or_str,
                    items)

PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
MESSAGE_POLICIES = ("FallbackToLogsOnError", "File")
ENV_FIELD_PATHS = ("metadata.annotations", "metadata.labels", "metadata.name",
                   "metadata.namespace", "metadata.uid", "spec.nodeName",
                   "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP",
                   "status.podIPs")
RESOURCE_FIELD_REFS = ("limits.cpu", "limits.ephemeral-storage", "limits.memory",
                       "requests.cpu", "requests.ephemeral-storage", "requests.memory")
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def validate_container(errs: Errs, c: dict, path: str, volumes: dict[str, dict], *,
                       init: bool) -> str:
    """One container of spec.containers or spec.initContainers; returns its name."""
    name = get_str(errs, c, "name", f"{path}.name")
    if not name:
        errs.append(required(f"{path}.name"))
    else:
        errs.extend(invalid(f"{path}.name", name, m) for m in validate_dns1123_label(name))
    image = get_str(errs, c, "image", f"{path}.image")
    if not image:
        errs.append(required(f"{path}.image"))
    elif image != image.strip():
        errs.append(invalid(f"{path}.image", image, "must not have leading or trailing whitespace"))
    _one_of(errs, c, "imagePullPolicy", PULL_POLICIES, path)
    _one_of(errs, c, "terminationMessagePolicy", MESSAGE_POLICIES, path)
    get_str_list(errs, c, "command", f"{path}.command")
    get_str_list(errs, c, "args", f"{path}.args")
    get_str(errs, c, "workingDir", f"{path}.workingDir")
    validate_container_ports(errs, c, f"{path}.ports")
    _validate_env(errs, c, f"{path}.env")
    _validate_env_from(errs, c, f"{path}.envFrom")
    _validate_mounts(errs, c, f"{path}.volumeMounts", volumes)
    _validate_probes(errs, c, path, init)
    lifecycle = get_map(errs, c, "lifecycle", f"{path}.lifecycle")
    for hook in ("postStart", "preStop"):
        if lifecycle.get(hook) is not None:
            validate_handler(errs, get_map(errs, lifecycle, hook, f"{path}.lifecycle.{hook}"),
                             f"{path}.lifecycle.{hook}", allow_grpc=False)
    validate_resources(errs, get_map(errs, c, "resources", f"{path}.resources"),
                       f"{path}.resources")
    _validate_restart_policy(errs, c, path, init)
    return name


def _one_of(errs: Errs, obj: dict, key: str, allowed: tuple[str, ...], path: str) -> None:
    value = get_str(errs, obj, key, f"{path}.{key}")
    if not value:
        errs.append(required(f"{path}.{key}"))
    elif value not in allowed:
        errs.append(not_supported(f"{path}.{key}", value, allowed))


def validate_container_ports(errs: Errs, c: dict, path: str) -> None:
    names: set[str] = set()
    for _, p, port in items(errs, c, "ports", path):
        name = get_str(errs, port, "name", f"{p}.name")
        if name:
            msgs = validate_port_name(name)
            errs.extend(invalid(f"{p}.name", name, m) for m in msgs)
            if not msgs and name in names:
                errs.append(duplicate(f"{p}.name", name))
            names.add(name)
        number = get_int(errs, port, "containerPort", f"{p}.containerPort")
        if not number:
            if number is not None or "containerPort" not in port:
                errs.append(required(f"{p}.containerPort"))
        else:
            errs.extend(invalid(f"{p}.containerPort", number, m) for m in validate_port_num(number))
        host = get_int(errs, port, "hostPort", f"{p}.hostPort")
        if host:
            errs.extend(invalid(f"{p}.hostPort", host, m) for m in validate_port_num(host))
        protocol = get_str(errs, port, "protocol", f"{p}.protocol")
        if not protocol:
            errs.append(required(f"{p}.protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(not_supported(f"{p}.protocol", protocol, PROTOCOLS))


def _validate_env(errs: Errs, c: dict, path: str) -> None:
    for _, p, env in items(errs, c, "env", path):
        name = get_str(errs, env, "name", f"{p}.name")
        if not name:
            errs.append(required(f"{p}.name"))
        else:
            errs.extend(invalid(f"{p}.name", name, m) for m in validate_env_var_name(name))
        value = get_str(errs, env, "value", f"{p}.value")
        if env.get("valueFrom") is not None:
            _validate_env_source(errs, get_map(errs, env, "valueFrom", f"{p}.valueFrom"),
                                 f"{p}.valueFrom", value)


def _validate_env_source(errs: Errs, src: dict, path: str, value: str) -> None:
    kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
             if src.get(k) is not None]
    if not kinds:
        errs.append(invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                      "`configMapKeyRef` or `secretKeyRef`"))
        return
    if value:
        errs.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif len(kinds) > 1:
        errs.append(invalid(path, "", "may not have more than one field specified at a time"))
    if src.get("fieldRef") is not None:
        ref = get_map(errs, src, "fieldRef", f"{path}.fieldRef")
        field_path = get_str(errs, ref, "fieldPath", f"{path}.fieldRef.fieldPath")
        if not field_path:
            errs.append(required(f"{path}.fieldRef.fieldPath"))
        elif field_path.split("[", 1)[0] not in ENV_FIELD_PATHS:
            errs.append(not_supported(f"{path}.fieldRef.fieldPath", field_path, ENV_FIELD_PATHS))
    if src.get("resourceFieldRef") is not None:
        ref = get_map(errs, src, "resourceFieldRef", f"{path}.resourceFieldRef")
        resource = get_str(errs, ref, "resource", f"{path}.resourceFieldRef.resource")
        if not resource:
            errs.append(required(f"{path}.resourceFieldRef.resource"))
        elif resource not in RESOURCE_FIELD_REFS and not resource.split(".", 1)[-1].startswith(
                "hugepages-"):
            errs.append(not_supported(f"{path}.resourceFieldRef.resource", resource,
                                      RESOURCE_FIELD_REFS))
    for key in ("configMapKeyRef", "secretKeyRef"):
        if src.get(key) is not None:
            _validate_key_selector(errs, get_map(errs, src, key, f"{path}.{key}"),
                                   f"{path}.{key}")


def _validate_key_selector(errs: Errs, ref: dict, path: str) -> None:
    name = get_str(errs, ref, "name", f"{path}.name")
    if not name:
        errs.append(required(f"{path}.name"))
    key = get_str(errs, ref, "key", f"{path}.key")
    if not key:
        errs.append(required(f"{path}.key"))
    else:
        errs.extend(invalid(f"{path}.key", key, m) for m in validate_config_map_key(key))


def _validate_env_from(errs: Errs, c: dict, path: str) -> None:
    for _, p, src in items(errs, c, "envFrom", path):
        prefix = get_str(errs, src, "prefix", f"{p}.prefix")
        if prefix:
            errs.extend(invalid(f"{p}.prefix", prefix, m) for m in validate_env_var_name(prefix))
        kinds = [k for k in ("configMapRef", "secretRef") if src.get(k) is not None]
        if not kinds:
            errs.append(invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(kinds) > 1:
            errs.append(invalid(p, "", "may not have more than one field specified at a time"))
        for key in kinds:
            ref = get_map(errs, src, key, f"{p}.{key}")
            name = get_str(errs, ref, "name", f"{p}.{key}.name")
            if not name:
                errs.append(required(f"{p}.{key}.name"))
            else:
                errs.extend(invalid(f"{p}.{key}.name", name, m)
                            for m in validate_dns1123_subdomain(name))


def _validate_mounts(errs: Errs, c: dict, path: str, volumes: dict[str, dict]) -> None:
    mount_points: set[str] = set()
    for _, p, mount in items(errs, c, "volumeMounts", path):
        name = get_str(errs, mount, "name", f"{p}.name")
        if not name:
            errs.append(required(f"{p}.name"))
        elif name not in volumes:
            errs.append(not_found(f"{p}.name", name))
        mount_path = get_str(errs, mount, "mountPath", f"{p}.mountPath")
        if not mount_path:
            errs.append(required(f"{p}.mountPath"))
        elif mount_path in mount_points:
            errs.append(invalid(f"{p}.mountPath", mount_path, "must be unique"))
        mount_points.add(mount_path)
        get_bool(errs, mount, "readOnly", f"{p}.readOnly")
        sub_path = get_str(errs, mount, "subPath", f"{p}.subPath")
        if sub_path:
            validate_descending_path(errs, sub_path, f"{p}.subPath")
        expr = get_str(errs, mount, "subPathExpr", f"{p}.subPathExpr")
        if expr:
            if sub_path:
                errs.append(invalid(f"{p}.subPathExpr", expr,
                                    "subPathExpr and subPath are mutually exclusive"))
            validate_descending_path(errs, expr, f"{p}.subPathExpr")


def _validate_probes(errs: Errs, c: dict, path: str, init: bool) -> None:
    sidecar = init and c.get("restartPolicy") == "Always"
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if c.get(key) is None:
            continue
        p = f"{path}.{key}"
        if init and not sidecar:
            errs.append(forbidden(p, "may not be set for init containers without "
                                     "restartPolicy=Always"))
            continue
        probe = get_map(errs, c, key, p)
        validate_probe(errs, probe, p)
        success = probe.get("successThreshold")
        if key != "readinessProbe" and success not in (None, 1):
            errs.append(invalid(f"{p}.successThreshold", success, "must be 1"))
        if key == "readinessProbe" and probe.get("terminationGracePeriodSeconds") is not None:
            errs.append(invalid(f"{p}.terminationGracePeriodSeconds",
                                probe["terminationGracePeriodSeconds"],
                                "must not be set for readinessProbes"))


def validate_probe(errs: Errs, probe: dict, path: str) -> None:
    validate_handler(errs, probe, path, allow_grpc=True)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold"):
        value = get_int(errs, probe, key, f"{path}.{key}")
        if value is not None and value < 0:
            errs.append(invalid(f"{path}.{key}", value, NEGATIVE))
    grace = get_int(errs, probe, "terminationGracePeriodSeconds",
                    f"{path}.terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", grace,
                            "must be greater than 0"))


def validate_handler(errs: Errs, handler: dict, path: str, allow_grpc: bool) -> None:
    kinds = [k for k in _HANDLERS if handler.get(k) is not None and (allow_grpc or k != "grpc")]
    if handler.get("sleep") is not None and not allow_grpc:
        kinds.append("sleep")
    if not kinds:
        errs.append(required(path, "must specify a handler type"))
        return
    for extra in kinds[1:]:
        errs.append(forbidden(f"{path}.{extra}", "may not specify more than 1 handler type"))
    kind = kinds[0]
    src = get_map(errs, handler, kind, f"{path}.{kind}")
    p = f"{path}.{kind}"
    if kind == "exec" and not get_str_list(errs, src, "command", f"{p}.command"):
        errs.append(required(f"{p}.command"))
    elif kind == "httpGet":
        if not get_str(errs, src, "path", f"{p}.path"):
            errs.append(required(f"{p}.path"))
        validate_port_num_or_name(errs, src, "port", f"{p}.port")
        scheme = get_str(errs, src, "scheme", f"{p}.scheme")
        if scheme not in ("HTTP", "HTTPS"):
            errs.append(not_supported(f"{p}.scheme", scheme, ("HTTP", "HTTPS")))
    elif kind == "tcpSocket":
        validate_port_num_or_name(errs, src, "port", f"{p}.port")
    elif kind == "grpc":
        port = get_int(errs, src, "port", f"{p}.port") or 0
        errs.extend(invalid(f"{p}.port", port, m) for m in validate_port_num(port))


def validate_port_num_or_name(errs: Errs, obj: dict, key: str, path: str) -> None:
    port = int_or_str(errs, obj, key, path)
    if isinstance(port, str):
        errs.extend(invalid(path, port, m) for m in validate_port_name(port))
    elif port is None or isinstance(port, int):
        port = port or 0
        errs.extend(invalid(path, port, m) for m in validate_port_num(port))


def _validate_restart_policy(errs: Errs, c: dict, path: str, init: bool) -> None:
    policy = c.get("restartPolicy")
    if policy is None:
        return
    if not init:
        errs.append(forbidden(f"{path}.restartPolicy", "may not be set for non-init containers"))
    elif policy != "Always":
        errs.append(not_supported(f"{path}.restartPolicy", policy, ("Always",)))
