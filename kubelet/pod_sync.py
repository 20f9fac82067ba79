"""The sync of one pod (upstream's SyncPod / SyncTerminatingPod): make the runtime match the spec.

For a pod that should run: set up volumes, plan (pod_actions), carry the plan out (sandbox with
a pod IP, kills, image pulls, container starts, with events), then report the status computed
from a fresh listing. A pod being deleted is stopped gracefully (preStop, SIGTERM, grace period,
SIGKILL), its containers and volumes removed, and its object deleted with grace 0. A pod in a
terminal phase keeps its stopped containers (and their logs) until it is deleted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from kubelet import terminate
from kubelet.backoff import Backoff
from kubelet.container_spec import ObjectLookup, build_config
from kubelet.images import ImageManager, Recorder
from kubelet.ipam import PodCIDRExhausted, PodIPAllocator
from kubelet.pod_actions import PodActions, Start, backoff_key, compute_pod_actions
from kubelet.pod_status import TERMINAL, PodView, compute_status, running_sandbox
from kubelet.pod_workers import DONE
from kubelet.prober import ProbeManager
from kubelet.runtime.base import (EXITED, LABEL_GRACE_S, ContainerInfo, Runtime,
                                  RuntimeFailure, SandboxConfig)
from kubelet.status_manager import StatusManager
from kubelet.volumes import VolumeError, VolumeManager, volume_mounts
from machinery.runtime import kv

log = logging.getLogger("kubelet.sync")
Obj = dict[str, Any]
RETRY_S = 2.0
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


class PodSource(Protocol):
    def pod(self, uid: str) -> Obj | None: ...


@dataclass
class NodeContext:
    """What pod syncs need to know about the node; filled in as the node learns it."""
    name: str
    host_ip: str = ""
    runtime_name: str = "docker"
    ipam: PodIPAllocator | None = None
    allocatable: dict[str, str] | None = None
    dns_servers: list[str] | None = None
    dns_searches_for: Callable[[str], list[str]] = lambda ns: []


class PodSyncer:
    def __init__(self, node: NodeContext, runtime: Runtime, pods: PodSource,
                 volumes: VolumeManager, images: ImageManager, probes: ProbeManager,
                 status: StatusManager, recorder: Recorder, lookup: ObjectLookup,
                 sync_s: float = 10.0, backoff: Backoff | None = None):
        self.node, self.runtime, self.pods = node, runtime, pods
        self.volumes, self.images, self.probes = volumes, images, probes
        self.status, self.recorder, self.lookup = status, recorder, lookup
        self.sync_s = sync_s
        self.backoff = backoff or Backoff()
        self.waiting: dict[str, dict[str, tuple[str, str]]] = {}
        self.terminal: dict[str, str] = {}          # uid -> phase the pod ended in
        self.deleted: set[str] = set()              # uids whose object we deleted

    async def sync(self, uid: str) -> float | None:
        pod = self.pods.pod(uid)
        containers = await self.runtime.list_pod_containers(self.node.name, uid)
        if pod is None:
            await self._remove_pod(uid, None, containers, grace_s=0)
            return DONE
        if pod["metadata"].get("deletionTimestamp"):
            return await self._sync_deleting(pod, containers)
        phase = (pod.get("status") or {}).get("phase")
        if phase in TERMINAL:
            self.terminal.setdefault(uid, phase)
        if uid in self.terminal:
            await self._stop_terminal(pod, containers)
            return None
        return await self._sync_running(pod, containers)

    # --- a pod that should run ---------------------------------------------------------------------

    async def _sync_running(self, pod: Obj, containers: list[ContainerInfo]) -> float | None:
        uid = pod["metadata"]["uid"]
        waiting = self.waiting.setdefault(uid, {})
        try:
            paths = await self.volumes.setup(pod)
        except VolumeError as e:
            self.recorder.event(pod, "Warning", "FailedMount", e.message)
            await self._report(pod, containers)
            return RETRY_S
        actions = compute_pod_actions(pod, containers, self.backoff,
                                      self.probes.results.unhealthy.get(uid, {}))
        waiting.clear()
        waiting.update(actions.waiting)
        delay = await self._execute(pod, containers, actions, paths, waiting)
        if actions.terminal_phase:
            self.terminal[uid] = actions.terminal_phase
        fresh = await self._collect_garbage(await self.runtime.list_pod_containers(
            self.node.name, uid))
        sandbox = running_sandbox(fresh)
        self.probes.sync_pod(pod, fresh, sandbox.ip if sandbox else "")
        await self._report(pod, fresh)
        if actions.terminal_phase:
            await self._stop_terminal(pod, fresh)
            return None
        return min(x for x in (delay, actions.requeue_after_s, self.sync_s) if x is not None)

    async def _execute(self, pod: Obj, containers: list[ContainerInfo], actions: PodActions,
                       paths: dict[str, str], waiting: dict[str, tuple[str, str]]) -> float | None:
        grace = _grace_s(pod)
        if actions.kill_all:
            await terminate.stop_pod(self.runtime, self.recorder, pod, containers, grace,
                                     remove=False)
        for kill in actions.kills:
            self.recorder.event(pod, "Normal", "Killing", kill.message)
            await terminate.stop_container(self.runtime, pod, kill.container, grace)
        if actions.terminal_phase or not (actions.create_sandbox or actions.starts):
            return None
        sandbox = running_sandbox(containers)
        if actions.create_sandbox:
            sandbox = await self._create_sandbox(pod, containers)
            if sandbox is None:
                return RETRY_S
        delay = None
        for start in actions.starts:
            if not await self._start(pod, sandbox, start, paths, waiting):
                delay = RETRY_S
        return delay

    async def _create_sandbox(self, pod: Obj, containers: list[ContainerInfo]
                              ) -> ContainerInfo | None:
        meta = pod["metadata"]
        if self.node.ipam is None:
            log.info("waiting for the node's podCIDR", extra=kv(pod=meta["name"]))
            return None
        for old in containers:      # a dead sandbox is replaced, not restarted
            if old.is_sandbox:
                await self.runtime.remove_container(old.id)
        for _ in range(8):
            try:
                return await self._create_sandbox_at(pod, self.node.ipam.allocate(meta["uid"]))
            except RuntimeFailure as e:
                if "already in use" not in str(e).lower():
                    message = str(e)
                    break
                # the address is held outside this node's knowledge: skip it and retry
                self.node.ipam.block(self.node.ipam.ip_of(meta["uid"]))
                self.node.ipam.release(meta["uid"])
                message = str(e)
            except PodCIDRExhausted as e:
                message = str(e)
                break
        self.recorder.event(pod, "Warning", "FailedCreatePodSandBox",
                            f"Failed to create pod sandbox: {message}")
        return None

    async def _create_sandbox_at(self, pod: Obj, ip: str) -> ContainerInfo:
        meta = pod["metadata"]
        config = SandboxConfig(
            node=self.node.name, pod_uid=meta["uid"], pod_namespace=meta.get("namespace",
                                                                              "default"),
            pod_name=meta["name"], ip=ip, hostname=pod["spec"].get("hostname") or
            meta["name"], annotations=dict(meta.get("annotations") or {}),
            labels={LABEL_GRACE_S: str(_grace_s(pod))}, termination_grace_s=_grace_s(pod),
            dns_servers=list(self.node.dns_servers or []),
            dns_searches=self.node.dns_searches_for(meta.get("namespace", "default")))
        return await self.runtime.create_sandbox(config)

    async def _start(self, pod: Obj, sandbox: ContainerInfo, start: Start,
                     paths: dict[str, str], waiting: dict[str, tuple[str, str]]) -> bool:
        name = start.spec["name"]
        try:
            await self.images.ensure(pod, start.spec)
            if start.replaces is not None:
                await self.runtime.remove_container(start.replaces.id)
            config = await build_config(_with_ips(pod, sandbox.ip, self.node.host_ip),
                                        start.spec, start.kind, start.restart_count,
                                        volume_mounts(start.spec, paths), self.lookup,
                                        self.node.allocatable)
            container_id = await self.runtime.create_container(sandbox, config)
            self.recorder.event(pod, "Normal", "Created", f"Created container {name}")
            await self.runtime.start_container(container_id)
        except RuntimeFailure as e:
            reason = e.reason if e.reason != "RuntimeError" else "RunContainerError"
            waiting[name] = (reason, e.message)
            if reason not in ("ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull"):
                self.recorder.event(pod, "Warning", "Failed", f"Error: {e.message}")
            return False
        self.recorder.event(pod, "Normal", "Started", f"Started container {name}")
        waiting.pop(name, None)
        if start.restart_count > 0:
            self.backoff.next(backoff_key(pod, start.spec))
        log.info("container started", extra=kv(
            pod=f"{pod['metadata'].get('namespace')}/{pod['metadata']['name']}", container=name,
            attempt=start.restart_count))
        return True

    async def _collect_garbage(self, containers: list[ContainerInfo]) -> list[ContainerInfo]:
        """Keep the current and the previous instance of each container (for `logs -p`) and
        the newest sandbox; remove older dead ones, as upstream's container GC does."""
        keep: list[ContainerInfo] = []
        by_name: dict[str, list[ContainerInfo]] = {}
        for c in containers:
            by_name.setdefault(c.name, []).append(c)
        for instances in by_name.values():
            instances.sort(key=lambda c: (c.restart_count, c.created_at or _EPOCH), reverse=True)
            limit = 1 if instances[0].is_sandbox else 2
            for index, c in enumerate(instances):
                if index >= limit and c.state == EXITED:
                    await self.runtime.remove_container(c.id)
                else:
                    keep.append(c)
        return keep

    async def _report(self, pod: Obj, containers: list[ContainerInfo]) -> None:
        uid = pod["metadata"]["uid"]
        results = self.probes.results
        view = PodView(pod, containers, self.node.host_ip, self.node.runtime_name,
                       waiting=self.waiting.get(uid, {}), ready=results.ready.get(uid, {}),
                       started=results.started.get(uid, {}),
                       terminal_phase=self.terminal.get(uid), now=datetime.now(timezone.utc))
        await self.status.update(pod, compute_status(view))

    # --- pods that are done, or going ----------------------------------------------------------

    async def _stop_terminal(self, pod: Obj, containers: list[ContainerInfo]) -> None:
        """Succeeded/Failed: stop what still runs (the sandbox), keep the containers."""
        uid = pod["metadata"]["uid"]
        if any(c.state == "running" for c in containers):
            await terminate.stop_pod(self.runtime, self.recorder, pod, containers,
                                     _grace_s(pod), remove=False)
            containers = await self.runtime.list_pod_containers(self.node.name, uid)
        self.probes.stop_pod(uid)
        if self.node.ipam:
            self.node.ipam.release(uid)
        await self._report(pod, containers)

    async def _sync_deleting(self, pod: Obj, containers: list[ContainerInfo]) -> float | None:
        uid = pod["metadata"]["uid"]
        if uid in self.deleted:
            return RETRY_S          # waiting for the DELETED event (or retrying the delete)
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        grace = _grace_s(pod) if grace is None else int(grace)
        await self._remove_pod(uid, pod, containers, grace)
        await self.status.delete_pod(pod)
        self.deleted.add(uid)
        return RETRY_S

    async def _remove_pod(self, uid: str, pod: Obj | None, containers: list[ContainerInfo],
                          grace_s: int) -> None:
        """Stop (gracefully if grace_s > 0) and remove everything the pod had on this node."""
        self.probes.stop_pod(uid)
        if containers:
            await terminate.stop_pod(self.runtime, self.recorder, pod, containers, grace_s,
                                     remove=True)
        self.volumes.cleanup(uid)
        if self.node.ipam:
            self.node.ipam.release(uid)
        if pod is None:
            self.images.forget_pod(uid)
            self.backoff.forget_prefix(uid + "/")
            self.status.forget(uid)
            for table in (self.waiting, self.terminal):
                table.pop(uid, None)
            self.deleted.discard(uid)


def _grace_s(pod: Obj) -> int:
    value = pod["spec"].get("terminationGracePeriodSeconds")
    return 30 if value is None else int(value)


def _with_ips(pod: Obj, pod_ip: str, host_ip: str) -> Obj:
    """A shallow copy of the pod whose status has the IPs (for the downward API)."""
    status = dict(pod.get("status") or {})
    status.setdefault("podIP", pod_ip)
    status.setdefault("podIPs", [{"ip": pod_ip}])
    status.setdefault("hostIP", host_ip)
    status.setdefault("hostIPs", [{"ip": host_ip}])
    return {**pod, "status": status}
