"""What the endpoints and endpointslice controllers agree on: which pods back a Service.

As upstream's endpoint utilities: a pod is an endpoint of a Service when the Service has a
selector that matches the pod's labels, the pod has an IP, is not terminal (Succeeded, or
Failed, as its restartPolicy allows) and, unless terminating pods are wanted, not being
deleted. A Service port's targetPort is a number, or the name of a container port of the
pod (with the same protocol), resolved per pod: two pods may serve "http" on different ports.
"""
from __future__ import annotations

from typing import Any

from controller_manager import podutil
from machinery.labels import selector_from_set

Obj = dict[str, Any]
HEADLESS_LABEL = "service.kubernetes.io/headless"
DEFAULT_SERVICE = ("default", "kubernetes")     # the api-server keeps its endpoints itself


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def is_headless(service: Obj) -> bool:
    return (service.get("spec") or {}).get("clusterIP") == "None"


def managed_service(service: Obj) -> bool:
    """A Service whose endpoints the controllers compute: it has a selector and is not
    the api-server's own `default/kubernetes` Service."""
    m = meta(service)
    if (m.get("namespace"), m.get("name")) == DEFAULT_SERVICE:
        return False
    spec = service.get("spec") or {}
    return spec.get("selector") is not None and spec.get("type") != "ExternalName"


def selects(service: Obj, pod: Obj) -> bool:
    selector = (service.get("spec") or {}).get("selector")
    if not selector:
        return False    # an empty selector selects nothing here, as upstream's Set selector
    return meta(pod).get("namespace") == meta(service).get("namespace") and \
        selector_from_set(selector).matches(meta(pod).get("labels") or {})


def pod_ip(pod: Obj) -> str | None:
    """The pod's IPv4 address (the primary IP, else the first IPv4 of podIPs)."""
    status = pod.get("status") or {}
    ips = [status.get("podIP")] + [p.get("ip") for p in status.get("podIPs") or []]
    for ip in ips:
        if ip and ":" not in ip:
            return ip
    return None


def is_terminal(pod: Obj) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
    if policy == "Never":
        return phase in ("Succeeded", "Failed")
    if policy == "OnFailure":
        return phase == "Succeeded"
    return phase in ("Succeeded", "Failed")


def should_be_endpoint(pod: Obj, include_terminating: bool) -> bool:
    """Upstream's ShouldPodBeInEndpoints."""
    if is_terminal(pod) or pod_ip(pod) is None:
        return False
    return include_terminating or not meta(pod).get("deletionTimestamp")


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """The pod's port for a Service port: a numeric targetPort, or the container port that
    has the targetPort's name and the Service port's protocol (None: the pod has none)."""
    target = service_port.get("targetPort", service_port.get("port"))
    protocol = service_port.get("protocol") or "TCP"
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    spec = pod.get("spec") or {}
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in [*(spec.get("containers") or []), *sidecars]:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return port.get("containerPort")
    return None


def endpoint_ports(pod: Obj, service: Obj) -> list[Obj]:
    """The (name, port, protocol[, appProtocol]) of every Service port this pod can serve."""
    ports = []
    for sp in (service.get("spec") or {}).get("ports") or []:
        number = find_port(pod, sp)
        if number is None:
            continue
        port: Obj = {"name": sp.get("name") or "", "port": number,
                     "protocol": sp.get("protocol") or "TCP"}
        if sp.get("appProtocol"):
            port["appProtocol"] = sp["appProtocol"]
        ports.append(port)
    return ports


def should_set_hostname(pod: Obj, service: Obj) -> bool:
    """A pod with a hostname in the Service's own subdomain (StatefulSet pods)."""
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == meta(service).get("name") \
        and meta(pod).get("namespace") == meta(service).get("namespace")


def target_ref(pod: Obj) -> Obj:
    m = meta(pod)
    return {"kind": "Pod", "namespace": m.get("namespace"), "name": m.get("name"),
            "uid": m.get("uid")}


def is_ready(pod: Obj) -> bool:
    return podutil.is_ready(pod)


def service_labels(service: Obj) -> dict[str, str]:
    """The Service's labels plus (or minus) the headless label, as the endpoints carry them."""
    labels = dict(meta(service).get("labels") or {})
    if is_headless(service):
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    return labels


def pod_endpoint_view(pod: Obj) -> tuple:
    """What of a pod can change its endpoints: a pod update that leaves this equal is noise."""
    spec, status, m = pod.get("spec") or {}, pod.get("status") or {}, meta(pod)
    ports = [c.get("ports") for c in spec.get("containers") or []]
    return (m.get("labels"), bool(m.get("deletionTimestamp")), status.get("podIP"),
            status.get("podIPs"), status.get("phase"), is_ready(pod), spec.get("nodeName"),
            spec.get("hostname"), spec.get("subdomain"), ports)
