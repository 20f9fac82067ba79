"""A pod's container spec -> the runtime's ContainerConfig: env, resources, security, mounts.

Env resolution follows upstream: `envFrom` first, then `env` in order, where `$(VAR)` refers to
variables defined earlier; `valueFrom` reads ConfigMaps and Secrets (through `lookup`), the pod
itself (fieldRef, the downward API) and the container's resources (resourceFieldRef).
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from typing import Any, Protocol

from kubelet.quantity import bytes_of, cpu_millis, parse_quantity
from kubelet.runtime.base import ContainerConfig, Mount, RuntimeFailure
from kubelet.service_env import service_env

Obj = dict[str, Any]


class ObjectLookup(Protocol):
    async def configmap(self, namespace: str, name: str) -> Obj | None: ...
    async def secret(self, namespace: str, name: str) -> Obj | None: ...
    async def services(self, namespace: str) -> list[Obj]: ...


class ConfigError(RuntimeFailure):
    """The pod's spec cannot be turned into a container (CreateContainerConfigError)."""

    def __init__(self, message: str):
        super().__init__(message, "CreateContainerConfigError")


def spec_hash(container: Obj) -> str:
    """A stable hash of a container spec; a changed hash means "restart with the new spec"."""
    text = json.dumps(container, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def build_config(pod: Obj, container: Obj, kind: str, restart_count: int,
                       mounts: list[Mount], lookup: ObjectLookup,
                       node_allocatable: dict[str, str] | None = None) -> ContainerConfig:
    env = await resolve_env(pod, container, lookup, node_allocatable or {})
    config = ContainerConfig(
        name=container["name"], kind=kind, image=container.get("image", ""),
        command=[_expand(a, env) for a in container.get("command") or []],
        args=[_expand(a, env) for a in container.get("args") or []],
        env=env, working_dir=container.get("workingDir", ""), mounts=mounts,
        restart_count=restart_count, spec_hash=spec_hash(container),
        tty=bool(container.get("tty")), stdin=bool(container.get("stdin")),
        stdin_once=bool(container.get("stdinOnce")),
        annotations=dict((pod.get("metadata") or {}).get("annotations") or {}))
    _apply_resources(config, container.get("resources") or {})
    _apply_security(config, pod.get("spec", {}).get("securityContext") or {},
                    container.get("securityContext") or {})
    return config


def _apply_resources(config: ContainerConfig, resources: Obj) -> None:
    limits, requests = resources.get("limits") or {}, resources.get("requests") or {}
    if "cpu" in limits:
        config.nano_cpus = cpu_millis(limits["cpu"]) * 1_000_000
    cpu_request = requests.get("cpu", limits.get("cpu"))
    if cpu_request is not None:      # upstream's milliCPUToShares, minimum 2
        config.cpu_shares = max(2, cpu_millis(cpu_request) * 1024 // 1000)
    if "memory" in limits:
        config.memory_bytes = bytes_of(limits["memory"])


def _apply_security(config: ContainerConfig, pod_sc: Obj, sc: Obj) -> None:
    user = sc.get("runAsUser", pod_sc.get("runAsUser"))
    group = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    if user is not None:
        config.user = f"{user}:{group}" if group is not None else str(user)
    groups = [str(g) for g in pod_sc.get("supplementalGroups") or []]
    if pod_sc.get("fsGroup") is not None:
        groups.append(str(pod_sc["fsGroup"]))
    config.group_add = groups
    config.privileged = bool(sc.get("privileged"))
    caps = sc.get("capabilities") or {}
    config.cap_add = [str(c) for c in caps.get("add") or []]
    config.cap_drop = [str(c) for c in caps.get("drop") or []]
    config.read_only_rootfs = bool(sc.get("readOnlyRootFilesystem"))


# --- environment ---------------------------------------------------------------------------------

async def resolve_env(pod: Obj, container: Obj, lookup: ObjectLookup,
                      node_allocatable: dict[str, str]) -> dict[str, str]:
    namespace = pod["metadata"].get("namespace", "default")
    env = service_env(await _visible_services(pod, lookup))
    for source in container.get("envFrom") or []:
        env.update(await _env_from(namespace, source, lookup))
    for var in container.get("env") or []:
        name = var["name"]
        if "valueFrom" in var:
            value = await _value_from(pod, container, var["valueFrom"], lookup,
                                      node_allocatable)
            if value is None:
                continue
            env[name] = value
        else:
            env[name] = _expand(var.get("value", ""), env)
    return env


async def _visible_services(pod: Obj, lookup: ObjectLookup) -> list[Obj]:
    """The namespace's Services (enableServiceLinks) plus default/kubernetes, as upstream."""
    namespace = pod["metadata"].get("namespace", "default")
    services = []
    if pod["spec"].get("enableServiceLinks", True):
        services = [s for s in await lookup.services(namespace)
                    if not (namespace == "default" and s["metadata"]["name"] == "kubernetes")]
    master = [s for s in await lookup.services("default")
              if s["metadata"]["name"] == "kubernetes"]
    return services + master


async def _env_from(namespace: str, source: Obj, lookup: ObjectLookup) -> dict[str, str]:
    prefix = source.get("prefix", "")
    if ref := source.get("configMapRef"):
        obj = await lookup.configmap(namespace, ref["name"])
        data = _data(obj, "configmap", ref, decode=False)
    elif ref := source.get("secretRef"):
        obj = await lookup.secret(namespace, ref["name"])
        data = _data(obj, "secret", ref, decode=True)
    else:
        return {}
    return {prefix + k: v for k, v in data.items()}


def _data(obj: Obj | None, what: str, ref: Obj, decode: bool) -> dict[str, str]:
    if obj is None:
        if ref.get("optional"):
            return {}
        raise ConfigError(f'{what} "{ref["name"]}" not found')
    if decode:
        return {k: base64.b64decode(v).decode("utf-8", "replace")
                for k, v in (obj.get("data") or {}).items()}
    return dict(obj.get("data") or {})


async def _value_from(pod: Obj, container: Obj, source: Obj, lookup: ObjectLookup,
                      node_allocatable: dict[str, str]) -> str | None:
    namespace = pod["metadata"].get("namespace", "default")
    for key, what, decode, fetch in (("configMapKeyRef", "configmap", False, lookup.configmap),
                                     ("secretKeyRef", "secret", True, lookup.secret)):
        if ref := source.get(key):
            data = _data(await fetch(namespace, ref["name"]), what, ref, decode)
            if ref["key"] not in data:
                if ref.get("optional"):
                    return None
                raise ConfigError(f'couldn\'t find key {ref["key"]} in {what.title()} '
                                  f'{namespace}/{ref["name"]}')
            return data[ref["key"]]
    if ref := source.get("fieldRef"):
        return field_value(pod, ref["fieldPath"])
    if ref := source.get("resourceFieldRef"):
        return resource_value(container, ref, node_allocatable)
    return None


def field_value(pod: Obj, path: str) -> str:
    """The downward API: a pod field by its fieldPath."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    if m := re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path):
        return (meta.get(m.group(1)) or {}).get(m.group(2), "")
    if path in ("metadata.labels", "metadata.annotations"):
        items = sorted((meta.get(path.split(".")[1]) or {}).items())
        return "\n".join(f'{k}="{v}"' for k, v in items)
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName"),
              "status.hostIP": status.get("hostIP"), "status.podIP": status.get("podIP"),
              "status.hostIPs": ",".join(i["ip"] for i in status.get("hostIPs") or []),
              "status.podIPs": ",".join(i["ip"] for i in status.get("podIPs") or [])}
    if path not in simple:
        raise ConfigError(f"unsupported fieldPath {path!r}")
    return simple[path] or ""


def resource_value(container: Obj, ref: Obj, node_allocatable: dict[str, str]) -> str:
    """limits.cpu, requests.memory, ... divided by `divisor` and rounded up, as upstream."""
    resource = ref["resource"]
    kind, _, name = resource.partition(".")
    resources = container.get("resources") or {}
    value = (resources.get(kind) or {}).get(name)
    if value is None and kind == "limits":      # no limit: the node's allocatable
        value = node_allocatable.get(name)
    if value is None:
        value = "0"
    divisor = parse_quantity(ref.get("divisor") or "1")
    if divisor == 0:
        raise ConfigError(f"divisor of {resource} must not be zero")
    return str(math.ceil(parse_quantity(value) / divisor))


_VAR = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def _expand(text: str, env: dict[str, str]) -> str:
    """Upstream's $(VAR) expansion: defined variables expand, `$$` escapes, unknown stay."""
    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return _VAR.sub(sub, text)
