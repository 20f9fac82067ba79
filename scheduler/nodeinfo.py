"""What the scheduler knows about one node: the Node, the pods on it, and their summed requests.

`pod_requests(pod)` follows upstream's rules: the larger of the sum of the app containers (plus
restartable init containers, i.e. sidecars) and the largest init container, plus the pod
overhead. `NodeInfo` is cheap to copy, so a scheduling cycle can reason about "this node with
those pods removed" (preemption) without touching the cache.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from scheduler import quantity

Obj = dict[str, Any]

CPU, MEMORY, EPHEMERAL, PODS = "cpu", "memory", "ephemeral-storage", "pods"
# Requests a container without any are counted as, for scoring only (upstream's non-zero values)
DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024


@dataclass
class Resources:
    milli_cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    scalar: dict[str, int] = field(default_factory=dict)   # extended resources, hugepages...

    @classmethod
    def from_list(cls, values: dict[str, Any] | None) -> "Resources":
        res = cls()
        for name, value in (values or {}).items():
            try:
                res._set(name, value)
            except ValueError:
                continue     # the api-server validates quantities; ignore what cannot parse
        return res

    def _set(self, name: str, value: Any) -> None:
        if name == CPU:
            self.milli_cpu = quantity.milli_value(value)
        elif name == MEMORY:
            self.memory = quantity.int_value(value)
        elif name == EPHEMERAL:
            self.ephemeral_storage = quantity.int_value(value)
        elif name != PODS:
            self.scalar[name] = quantity.int_value(value)

    def add(self, other: "Resources") -> None:
        self.milli_cpu += other.milli_cpu
        self.memory += other.memory
        self.ephemeral_storage += other.ephemeral_storage
        for name, value in other.scalar.items():
            self.scalar[name] = self.scalar.get(name, 0) + value

    def subtract(self, other: "Resources") -> None:
        self.milli_cpu -= other.milli_cpu
        self.memory -= other.memory
        self.ephemeral_storage -= other.ephemeral_storage
        for name, value in other.scalar.items():
            self.scalar[name] = self.scalar.get(name, 0) - value

    def set_max(self, other: "Resources") -> None:
        self.milli_cpu = max(self.milli_cpu, other.milli_cpu)
        self.memory = max(self.memory, other.memory)
        self.ephemeral_storage = max(self.ephemeral_storage, other.ephemeral_storage)
        for name, value in other.scalar.items():
            self.scalar[name] = max(self.scalar.get(name, 0), value)

    def copy(self) -> "Resources":
        return Resources(self.milli_cpu, self.memory, self.ephemeral_storage, dict(self.scalar))


def _container_requests(container: Obj) -> Resources:
    return Resources.from_list((container.get("resources") or {}).get("requests"))


def pod_requests(pod: Obj, non_zero: bool = False) -> Resources:
    """The pod's effective request; `non_zero` substitutes upstream's scoring defaults."""
    spec = pod.get("spec") or {}
    total = Resources()
    for container in spec.get("containers") or []:
        req = _container_requests(container)
        if non_zero:
            req.milli_cpu = req.milli_cpu or DEFAULT_MILLI_CPU
            req.memory = req.memory or DEFAULT_MEMORY
        total.add(req)
    init_max, sidecars = Resources(), Resources()
    for container in spec.get("initContainers") or []:
        req = _container_requests(container)
        if container.get("restartPolicy") == "Always":   # a sidecar keeps running
            sidecars.add(req)
            init_max.set_max(sidecars)
        else:
            running = sidecars.copy()
            running.add(req)
            init_max.set_max(running)
    total.add(sidecars)
    total.set_max(init_max)
    total.add(Resources.from_list(spec.get("overhead")))
    return total


def host_ports(pod: Obj) -> list[tuple[str, str, int]]:
    """(hostIP, protocol, hostPort) of every container port that claims a host port."""
    spec = pod.get("spec") or {}
    ports = []
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                ports.append((port.get("hostIP") or "0.0.0.0", port.get("protocol") or "TCP",
                              int(port["hostPort"])))
    return ports


def pod_key(pod: Obj) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


class NodeInfo:
    """A node and the pods bound (or assumed) to it, with running totals."""

    def __init__(self, node: Obj, pods: Iterable[Obj] = ()):
        self.node = node
        self.name: str = (node.get("metadata") or {}).get("name", "")
        self.labels: dict[str, str] = (node.get("metadata") or {}).get("labels") or {}
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        self.allocatable = Resources.from_list(allocatable)
        self.allowed_pods = _int_or(allocatable.get(PODS), 110)
        self.pods: dict[str, Obj] = {}
        self.requested = Resources()
        self.non_zero_requested = Resources()
        self.used_ports: list[tuple[str, str, int]] = []
        self.affinity_pods: dict[str, Obj] = {}        # pods with any pod (anti-)affinity
        self.anti_affinity_pods: dict[str, Obj] = {}   # pods with required anti-affinity
        for pod in pods:
            self.add_pod(pod)

    def add_pod(self, pod: Obj) -> None:
        key = pod_key(pod)
        if key in self.pods:
            self.remove_pod(self.pods[key])
        self.pods[key] = pod
        self.requested.add(pod_requests(pod))
        self.non_zero_requested.add(pod_requests(pod, non_zero=True))
        self.used_ports.extend(host_ports(pod))
        pod_affinity = ((pod.get("spec") or {}).get("affinity") or {})
        if pod_affinity.get("podAffinity") or pod_affinity.get("podAntiAffinity"):
            self.affinity_pods[key] = pod
        if (pod_affinity.get("podAntiAffinity") or {}).get(
                "requiredDuringSchedulingIgnoredDuringExecution"):
            self.anti_affinity_pods[key] = pod

    def remove_pod(self, pod: Obj) -> None:
        key = pod_key(pod)
        old = self.pods.pop(key, None)
        if old is None:
            return
        self.requested.subtract(pod_requests(old))
        self.non_zero_requested.subtract(pod_requests(old, non_zero=True))
        for port in host_ports(old):
            self.used_ports.remove(port)
        self.affinity_pods.pop(key, None)
        self.anti_affinity_pods.pop(key, None)

    def clone(self) -> "NodeInfo":
        twin = NodeInfo.__new__(NodeInfo)
        twin.node, twin.name, twin.labels = self.node, self.name, self.labels
        twin.allocatable, twin.allowed_pods = self.allocatable, self.allowed_pods
        twin.pods = dict(self.pods)
        twin.requested = self.requested.copy()
        twin.non_zero_requested = self.non_zero_requested.copy()
        twin.used_ports = list(self.used_ports)
        twin.affinity_pods = dict(self.affinity_pods)
        twin.anti_affinity_pods = dict(self.anti_affinity_pods)
        return twin


def _int_or(value: Any, default: int) -> int:
    if value is None:
        return default
    try:
        return quantity.int_value(value)
    except ValueError:
        return default
