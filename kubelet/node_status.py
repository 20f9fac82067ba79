"""The Node object: registration, then a status every 10 s (written when changed, or each minute).

Conditions carry upstream's reasons and messages (KubeletReady "kubelet is posting ready
status", KubeletHasSufficientMemory, ...); heartbeat times move on every write, transition times
only when a status flips. The node's podCIDR (static, or assigned by the controller-manager's
node IPAM) is handed to `on_pod_cidr` once known.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from kubelet.machine import MachineInfo, Pressure
from kubelet.quantity import format_cpu, format_memory, bytes_of, cpu_millis
from kubelet.settings import KUBELET_VERSION, KubeletSettings
from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError, NotFound
from machinery.client.api_client import ApiClient, TransportError
from machinery.runtime import kv

log = logging.getLogger("kubelet.node")
NODES = resources.lookup("", "v1", "nodes")
Obj = dict[str, Any]

_CONDITIONS = [
    # type, reason when False (healthy), message, reason when True, message
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure",
     "KubeletHasDiskPressure", "kubelet has disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
]


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class NodeHealth:
    runtime_ok: bool
    runtime_version: str
    pod_cidr: str
    pressure: Pressure


def capacity(settings: KubeletSettings, machine: MachineInfo) -> dict[str, str]:
    cpu = format_cpu(cpu_millis(settings.capacity_cpu)) if settings.capacity_cpu else \
        str(machine.cpus)
    memory = format_memory(bytes_of(settings.capacity_memory)) if settings.capacity_memory \
        else format_memory(machine.memory_bytes)
    return {"cpu": cpu, "memory": memory, "pods": str(settings.capacity_pods),
            "ephemeral-storage": "0", "hugepages-1Gi": "0", "hugepages-2Mi": "0"}


def node_object(settings: KubeletSettings, machine: MachineInfo, node_ip: str) -> Obj:
    """The Node the kubelet registers (status included; a status write follows anyway)."""
    labels = {"kubernetes.io/hostname": settings.node_name, "kubernetes.io/os": "linux",
              "kubernetes.io/arch": machine.architecture, "beta.kubernetes.io/os": "linux",
              "beta.kubernetes.io/arch": machine.architecture, **settings.labels()}
    spec: Obj = {}
    if settings.pod_cidr:
        spec["podCIDR"], spec["podCIDRs"] = settings.pod_cidr, [settings.pod_cidr]
    if taints := settings.taints():
        spec["taints"] = taints
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": settings.node_name, "labels": labels, "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
            "spec": spec}


def compute_conditions(health: NodeHealth, old: list[Obj], heartbeat: str) -> list[Obj]:
    conditions = []
    for type_, ok_reason, ok_msg, bad_reason, bad_msg in _CONDITIONS:
        bad = getattr(health.pressure, type_.removesuffix("Pressure").lower())
        conditions.append(_cond(type_, bad, bad_reason if bad else ok_reason,
                                bad_msg if bad else ok_msg, old, heartbeat))
    problems = []
    if not health.runtime_ok:
        problems.append("container runtime is down")
    if not health.pod_cidr:
        problems.append("container runtime network not ready: NetworkReady=false "
                        "reason:NetworkPluginNotReady message:no podCIDR assigned")
    ready = not problems
    conditions.append(_cond("Ready", ready, "KubeletReady" if ready else "KubeletNotReady",
                            "kubelet is posting ready status" if ready else ", ".join(problems),
                            old, heartbeat))
    return conditions


def _cond(type_: str, true: bool, reason: str, message: str, old: list[Obj],
          heartbeat: str) -> Obj:
    status = "True" if true else "False"
    prev = next((c for c in old if c.get("type") == type_), None)
    since = prev["lastTransitionTime"] if prev and prev.get("status") == status and \
        prev.get("lastTransitionTime") else heartbeat
    return {"type": type_, "status": status, "lastHeartbeatTime": heartbeat,
            "lastTransitionTime": since, "reason": reason, "message": message}


def compute_status(settings: KubeletSettings, machine: MachineInfo, node_ip: str,
                   health: NodeHealth, old: Obj) -> Obj:
    cap = capacity(settings, machine)
    return {
        "capacity": cap, "allocatable": dict(cap),
        "conditions": compute_conditions(health, old.get("conditions") or [], now_rfc3339()),
        "addresses": [{"type": "InternalIP", "address": node_ip},
                      {"type": "Hostname", "address": settings.node_name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": settings.port}},
        "nodeInfo": {"machineID": machine.machine_id, "systemUUID": machine.system_uuid,
                     "bootID": machine.boot_id, "kernelVersion": machine.kernel_version,
                     "osImage": machine.os_image,
                     "containerRuntimeVersion": health.runtime_version,
                     "kubeletVersion": KUBELET_VERSION, "kubeProxyVersion": KUBELET_VERSION,
                     "operatingSystem": "linux", "architecture": machine.architecture},
    }


def _without_heartbeats(status: Obj) -> Obj:
    out = dict(status)
    out["conditions"] = [{k: v for k, v in c.items() if k != "lastHeartbeatTime"}
                         for c in status.get("conditions") or []]
    return out


class NodeStatusReporter:
    """Registers the node, then keeps its status (and the kubelet's podCIDR) current."""

    def __init__(self, client: ApiClient, settings: KubeletSettings, machine: MachineInfo,
                 node_ip: str, health: Callable[[str], Awaitable[NodeHealth]],
                 on_pod_cidr: Callable[[str], None]):
        self.client, self.settings, self.machine = client, settings, machine
        self.node_ip, self.health, self.on_pod_cidr = node_ip, health, on_pod_cidr
        self.name = "node-status"
        self.node: Obj | None = None
        self.registered = asyncio.Event()
        self.has_pod_cidr = False
        self._last_written: Obj | None = None
        self._last_write_at = 0.0
        self._stop = asyncio.Event()

    async def register(self) -> Obj:
        body = node_object(self.settings, self.machine, self.node_ip)
        try:
            node = await self.client.create(NODES, body)
            log.info("node registered", extra=kv(node=self.settings.node_name))
        except AlreadyExists:
            node = await self.client.get(NODES, self.settings.node_name)
            node = await self._reconcile_existing(node, body)
        self.node = node
        self.registered.set()
        return node

    async def _reconcile_existing(self, node: Obj, wanted: Obj) -> Obj:
        """Add our labels (and a static podCIDR) to a node registered before; keep the rest."""
        labels = node["metadata"].get("labels") or {}
        patch: Obj = {}
        missing = {k: v for k, v in wanted["metadata"]["labels"].items() if labels.get(k) != v}
        if missing:
            patch["metadata"] = {"labels": missing}
        if wanted["spec"].get("podCIDR") and not node.get("spec", {}).get("podCIDR"):
            patch["spec"] = {"podCIDR": wanted["spec"]["podCIDR"],
                             "podCIDRs": wanted["spec"]["podCIDRs"]}
        if patch:
            node = await self.client.patch(NODES, self.settings.node_name, patch, "merge")
        return node

    async def update_once(self) -> None:
        node = await self.client.get(NODES, self.settings.node_name)
        self.node = node
        pod_cidr = (node.get("spec") or {}).get("podCIDR") or self.settings.pod_cidr
        if pod_cidr:
            self.has_pod_cidr = True
            self.on_pod_cidr(pod_cidr)
        health = await self.health(pod_cidr)
        status = compute_status(self.settings, self.machine, self.node_ip, health,
                                node.get("status") or {})
        changed = _without_heartbeats(status) != _without_heartbeats(node.get("status") or {})
        due = time.monotonic() - self._last_write_at >= self.settings.node_status_report_s
        if not (changed or due):
            return
        self.node = await self.client.patch(NODES, self.settings.node_name, {"status": status},
                                            "merge", subresource="status")
        self._last_write_at = time.monotonic()
        if changed:
            ready = next(c for c in status["conditions"] if c["type"] == "Ready")
            log.info("node status updated", extra=kv(node=self.settings.node_name,
                                                      ready=ready["status"]))

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.registered.is_set():
                    await self.register()
                await self.update_once()
            except (ApiError, TransportError) as e:
                log.warning("node status update failed", extra=kv(error=str(e)))
                if isinstance(e, NotFound):
                    self.registered.clear()      # deleted: register again, as upstream
            period = self.settings.node_status_update_s if self.has_pod_cidr else 1.0
            try:
                await asyncio.wait_for(self._stop.wait(), period)
            except asyncio.TimeoutError:
                pass

    def stop(self) -> None:
        self._stop.set()
