"""The node agent: wires the pod informer, pod workers, PLEG, probes, node status and lease.

Start-up order matters for a crash-only kubelet: list the runtime first (the pod IPs already
in use seed the IP allocator), register the node, sync the pod informer, and only then start
the PLEG, whose first relist wakes every pod that has containers, so the kubelet adopts what runs
and removes the containers of pods deleted while it was down.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from kubelet.api_sources import ApiSources
from kubelet.images import ImageManager
from kubelet.ipam import PodIPAllocator
from kubelet.machine import MachineInfo, host_ip, pressure
from kubelet.node_status import NodeHealth, NodeStatusReporter
from kubelet.lease import LeaseRenewer
from kubelet.pleg import Pleg
from kubelet.pod_sync import NodeContext, PodSyncer
from kubelet.pod_workers import PodWorkers
from kubelet.prober import ProbeManager
from kubelet.runtime.base import RUNNING, SANDBOX, Runtime
from kubelet.settings import KubeletSettings
from kubelet.status_manager import StatusManager
from kubelet.volumes import VolumeManager
from machinery.api import resources
from machinery.client.api_client import ApiClient
from machinery.events import EventRecorder
from machinery.informer import Informer
from machinery.runtime import kv

log = logging.getLogger("kubelet")
PODS = resources.lookup("", "v1", "pods")
Obj = dict[str, Any]


class Kubelet:
    def __init__(self, settings: KubeletSettings, client: ApiClient, runtime: Runtime,
                 machine: MachineInfo | None = None):
        self.settings, self.client, self.runtime = settings, client, runtime
        self.name = f"kubelet-{settings.node_name}"
        node = settings.node_name
        self.machine = machine or MachineInfo.read()
        self.node = NodeContext(name=node, host_ip=settings.node_ip or host_ip(),
                                runtime_name=settings.runtime,
                                dns_servers=[s for s in settings.cluster_dns.split(",") if s],
                                dns_searches_for=self._dns_searches)
        self.recorder = EventRecorder(client, "kubelet", host=node)
        self.informer = Informer(client, PODS, field_selector=f"spec.nodeName={node}")
        self.informer.add_handler(self._on_add, self._on_update, self._on_delete)
        self._pods: dict[str, Obj] = {}              # uid -> pod, from the informer
        self.status = StatusManager(client)
        self.workers = PodWorkers(self._sync)
        self.probes = ProbeManager(runtime, self.recorder, self.workers.update,
                                   fake=settings.runtime == "fake")
        self.syncer = PodSyncer(
            self.node, runtime, self, VolumeManager(settings.root_dir, ApiSources(client)),
            ImageManager(runtime, self.recorder), self.probes, self.status, self.recorder,
            ApiSources(client), sync_s=settings.sync_s)
        self.pleg = Pleg(runtime, node, self.workers.update, settings.relist_s)
        self.node_status = NodeStatusReporter(client, settings, self.machine, self.node.host_ip,
                                              self._health, self._on_pod_cidr)
        self.lease = LeaseRenewer(client, node, settings.lease_duration_s, self._node_uid)
        self._adopted_ips: dict[str, str] = {}
        self._stop = asyncio.Event()
        self.synced = asyncio.Event()

    # --- pods from the api-server -----------------------------------------------------------------

    def pod(self, uid: str) -> Obj | None:
        return self._pods.get(uid)

    def pods(self) -> list[Obj]:
        return list(self._pods.values())

    def _on_add(self, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        self._pods[uid] = pod
        self.workers.update(uid)

    def _on_update(self, old: Obj, new: Obj) -> None:
        if old["metadata"]["uid"] != new["metadata"]["uid"]:
            self._on_delete(old)
        self._on_add(new)

    def _on_delete(self, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        self._pods.pop(uid, None)
        self.workers.update(uid)

    async def _sync(self, uid: str) -> float | None:
        return await self.syncer.sync(uid)

    # --- node ------------------------------------------------------------------------------------

    def _on_pod_cidr(self, cidr: str) -> None:
        if self.node.ipam is not None:
            return
        ipam = PodIPAllocator(cidr)
        ipam.sync(self._adopted_ips)
        self.node.ipam = ipam
        log.info("pod CIDR set", extra=kv(node=self.node.name, pod_cidr=cidr,
                                          adopted=len(self._adopted_ips)))

    def _node_uid(self) -> str | None:
        node = self.node_status.node
        return node["metadata"].get("uid") if node else None

    async def _health(self, pod_cidr: str) -> NodeHealth:
        try:
            version = str(await self.runtime.version())
            ok = True
        except Exception as e:       # any failure to answer means "runtime down"
            log.warning("container runtime check failed", extra=kv(error=str(e)))
            version, ok = f"{self.settings.runtime}://unknown", False
        return NodeHealth(ok, version, pod_cidr, pressure(self.settings.root_dir))

    def _dns_searches(self, namespace: str) -> list[str]:
        if not self.node.dns_servers:
            return []
        domain = self.settings.cluster_domain
        return [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]

    # --- lifecycle -------------------------------------------------------------------------------

    async def run(self) -> None:
        await self.runtime.start()
        version = await self.runtime.version()
        self.node.runtime_name = version.name
        existing = await self.runtime.list_pod_containers(self.node.name)
        self._adopted_ips = {c.pod_uid: c.ip for c in existing
                             if c.kind == SANDBOX and c.state == RUNNING and c.ip}
        log.info("kubelet starting", extra=kv(node=self.node.name, runtime=str(version),
                                              containers=len(existing)))
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.recorder.run(), name="events")
                tg.create_task(self.node_status.run(), name="node-status")
                tg.create_task(self._run_lease(), name="lease")
                tg.create_task(self.informer.run(), name="pod-informer")
                tg.create_task(self._run_pleg(), name="pleg")
                await self._stop.wait()
                await self._shutdown()
        finally:
            await self.probes.close()
            await self.runtime.close()

    async def _run_lease(self) -> None:
        await self.node_status.registered.wait()
        await self.lease.run()

    async def _run_pleg(self) -> None:
        await self.informer.wait_synced()
        self.synced.set()
        await self.pleg.run()

    async def _shutdown(self) -> None:
        """Stop watching and writing; containers keep running (crash-only: adopted later)."""
        for part in (self.pleg, self.lease, self.node_status, self.informer):
            part.stop()
        await self.workers.stop()
        self.recorder.stop()

    def stop(self) -> None:
        self._stop.set()
