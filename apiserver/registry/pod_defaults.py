"""Pod spec defaults (upstream's core/v1 SetDefaults_PodSpec, _Container, _Probe, _Volume...).

`default_pod_spec` applies to every PodSpec (pods and every workload template); `default_pod`
adds what upstream defaults only on Pod objects (requests from limits, enableServiceLinks, the
priority that the Priority admission plugin fills in).
"""
from __future__ import annotations

from typing import Any

from .quantity import canonical_quantity
from .typed import dicts, ensure, set_default, set_default_str, sub

DEFAULT_MODE = 0o644  # 420: secret, configMap, downwardAPI and projected volumes
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
_BUILTIN_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
_VOLUME_SOURCES_WITH_MODE = ("secret", "configMap", "downwardAPI", "projected")


def image_tag(image: Any) -> str:
    """The tag upstream's ParseImageName gives: "latest" when neither tag nor digest is set,
    "" for a digest alone or for a reference that does not parse (upstream ignores the error)."""
    if not isinstance(image, str) or not image or image.strip() != image:
        return ""
    name, _, digest = image.partition("@")
    tag = ""
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1:]
    components = name.split("/")
    first = components[0]
    if len(components) > 1 and ("." in first or ":" in first or first == "localhost"):
        components = components[1:]   # a registry host may have capitals; the path may not
    if not all(components) or any(c != c.lower() for c in components):
        return ""
    if tag:
        return tag
    return "" if digest else "latest"


def default_pod_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    set_default_str(spec, "dnsPolicy", "ClusterFirst")
    set_default_str(spec, "restartPolicy", "Always")
    set_default(spec, "securityContext", {})
    set_default(spec, "terminationGracePeriodSeconds", 30)
    set_default_str(spec, "schedulerName", "default-scheduler")
    for key in CONTAINER_LISTS:
        for container in dicts(spec, key):
            default_container(container)
    for volume in dicts(spec, "volumes"):
        default_volume(volume)


def default_container(c: dict) -> None:
    if c.get("imagePullPolicy") in (None, ""):
        c["imagePullPolicy"] = "Always" if image_tag(c.get("image")) == "latest" else "IfNotPresent"
    set_default_str(c, "terminationMessagePath", "/dev/termination-log")
    set_default_str(c, "terminationMessagePolicy", "File")
    resources = ensure(c, "resources")
    if resources is not None:
        for key in ("limits", "requests"):
            canonicalize_resource_list(sub(resources, key))
    for port in dicts(c, "ports"):
        set_default_str(port, "protocol", "TCP")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        default_probe(sub(c, probe))
    lifecycle = sub(c, "lifecycle")
    for hook in ("postStart", "preStop"):
        default_handler(sub(lifecycle, hook))
    for env in dicts(c, "env"):
        default_env_source(sub(env, "valueFrom"))


def default_probe(probe: dict | None) -> None:
    if probe is None:
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        if probe.get(key) in (None, 0):
            probe[key] = value
    default_handler(probe)


def default_handler(handler: dict | None) -> None:
    get = sub(handler, "httpGet")
    if get is not None:
        set_default_str(get, "path", "/")
        set_default_str(get, "scheme", "HTTP")


def default_env_source(source: dict | None) -> None:
    set_default_str(sub(source, "fieldRef"), "apiVersion", "v1")
    default_resource_field_ref(sub(source, "resourceFieldRef"))


def default_resource_field_ref(ref: dict | None) -> None:
    if ref is None:
        return
    if ref.get("divisor") is None:
        ref["divisor"] = "0"   # a non-pointer Quantity: always serialized
    else:
        ref["divisor"] = canonical_quantity(ref["divisor"]) or ref["divisor"]


def default_volume(volume: dict) -> None:
    if all(key == "name" for key in volume):
        volume["emptyDir"] = {}
    for key in _VOLUME_SOURCES_WITH_MODE:
        set_default(sub(volume, key), "defaultMode", DEFAULT_MODE)
    set_default(sub(volume, "hostPath"), "type", "")
    for item in dicts(sub(volume, "downwardAPI"), "items"):
        _default_downward_item(item)
    for source in dicts(sub(volume, "projected"), "sources"):
        set_default(sub(source, "serviceAccountToken"), "expirationSeconds", 3600)
        for item in dicts(sub(source, "downwardAPI"), "items"):
            _default_downward_item(item)
    empty_dir = sub(volume, "emptyDir")
    if empty_dir is not None and empty_dir.get("sizeLimit") is not None:
        empty_dir["sizeLimit"] = canonical_quantity(empty_dir["sizeLimit"]) or \
            empty_dir["sizeLimit"]


def _default_downward_item(item: dict) -> None:
    set_default_str(sub(item, "fieldRef"), "apiVersion", "v1")
    default_resource_field_ref(sub(item, "resourceFieldRef"))


def canonicalize_resource_list(resources: dict | None) -> None:
    """SetDefaults_ResourceList: round to milli and print canonically ("0.5" -> "500m")."""
    if resources is None:
        return
    for name, value in list(resources.items()):
        text = canonical_quantity(value, round_to_milli=True)
        if text is not None:
            resources[name] = text


def default_pod(pod: dict) -> None:
    """Defaults only Pod objects get (not templates)."""
    spec = sub(pod, "spec")
    if spec is None:
        return
    default_pod_spec(spec)
    for key in ("initContainers", "containers"):
        for container in dicts(spec, key):
            _requests_from_limits(container)
    set_default(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        for key in ("initContainers", "containers"):
            for container in dicts(spec, key):
                for port in dicts(container, "ports"):
                    if port.get("hostPort") in (None, 0):
                        port["hostPort"] = port.get("containerPort")
    _default_priority(spec)
    _sync_status_ips(sub(pod, "status"))


def _requests_from_limits(container: dict) -> None:
    resources = sub(container, "resources")
    limits = sub(resources, "limits")
    if not limits:
        return
    requests = ensure(resources, "requests")
    if requests is not None:
        for name, value in limits.items():
            if canonical_quantity(value) is not None:   # junk is reported once, under limits
                requests.setdefault(name, value)


def _default_priority(spec: dict) -> None:
    """What the Priority admission plugin sets when no PriorityClass says otherwise."""
    if spec.get("priority") is None:
        cls = spec.get("priorityClassName")
        spec["priority"] = _BUILTIN_PRIORITIES.get(cls, 0) if isinstance(cls, str) else 0
    set_default_str(spec, "preemptionPolicy", "PreemptLowerPriority")


def _sync_status_ips(status: dict | None) -> None:
    """podIP/podIPs and hostIP/hostIPs are one field in two shapes, as upstream converts them."""
    if status is None:
        return
    for single, plural in (("podIP", "podIPs"), ("hostIP", "hostIPs")):
        ip, ips = status.get(single), status.get(plural)
        if isinstance(ip, str) and ip and not ips:
            status[plural] = [{"ip": ip}]
        elif not ip and isinstance(ips, list) and ips and isinstance(ips[0], dict) \
                and isinstance(ips[0].get("ip"), str):
            status[single] = ips[0]["ip"]


def default_template(template: Any) -> None:
    """A PodTemplateSpec inside a workload: template metadata plus the PodSpec defaults."""
    if not isinstance(template, dict):
        return
    meta = ensure(template, "metadata")
    if meta is not None and "creationTimestamp" not in meta:
        meta["creationTimestamp"] = None   # what a 1.32 server serializes for a zero time
    default_pod_spec(sub(template, "spec"))

