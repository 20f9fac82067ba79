"""The scheduler: informers feed the cache and the queue; one loop decides, tasks bind.

    scheduler = Scheduler(client, scheduler_name="default-scheduler", recorder=recorder)
    await scheduler.run()          # informers + the scheduling loop, until stop()

The loop pops a pod, runs the (pure) algorithm on the live cache, assumes the pod on the chosen
node at once and binds it in a background task (POST pods/<name>/binding), so the next decision
need not wait for the api-server. A pod that fits nowhere gets PodScheduled=False/Unschedulable
with upstream's message and a FailedScheduling event, and waits in the queue for a change.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from machinery.api import resources
from machinery.api.errors import ApiError, Conflict, NotFound
from machinery.client.api_client import ApiClient, TransportError
from machinery.events import NORMAL, WARNING, EventRecorder
from machinery.informer import Informer, object_key
from machinery.runtime import kv
from scheduler.algorithm import Algorithm, FitError
from scheduler.cache import SchedulerCache, counts_on_node
from scheduler.framework import Listers
from scheduler.metrics import Gauge, SchedulerMetrics
from scheduler.nodeinfo import Obj, pod_key
from scheduler.plugins import default_filters, default_scorers
from scheduler.preemption import Candidate, preempt
from scheduler.queue import QueuedPod, SchedulingQueue
from scheduler.status import failed_scheduling_patch

log = logging.getLogger("scheduler")

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
PVS = resources.lookup("", "v1", "persistentvolumes")
NAMESPACES = resources.lookup("", "v1", "namespaces")
STORAGE_CLASSES = resources.lookup("storage.k8s.io", "v1", "storageclasses")


def responsible_for(pod: Obj, scheduler_name: str) -> bool:
    """An unbound, live pod that names this scheduler."""
    spec, meta = pod.get("spec") or {}, pod.get("metadata") or {}
    return (not spec.get("nodeName") and not meta.get("deletionTimestamp")
            and (spec.get("schedulerName") or "default-scheduler") == scheduler_name
            and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"))


def _node_relevant(node: Obj) -> tuple:
    """What of a Node matters to scheduling (heartbeat timestamps do not)."""
    status = node.get("status") or {}
    ready = [c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    return (node.get("spec"), (node.get("metadata") or {}).get("labels"),
            status.get("allocatable"), ready)


class Scheduler:
    def __init__(self, client: ApiClient, *, scheduler_name: str = "default-scheduler",
                 recorder: EventRecorder | None = None, metrics: SchedulerMetrics | None = None,
                 algorithm: Algorithm | None = None, queue: SchedulingQueue | None = None,
                 preemption: bool = True, max_concurrent_binds: int = 16,
                 node_label_selector: str | None = None):
        self.client, self.scheduler_name = client, scheduler_name
        self.recorder = recorder or EventRecorder(client, scheduler_name)
        self.metrics = metrics or SchedulerMetrics()
        self.algorithm = algorithm or Algorithm(default_filters(), default_scorers())
        self.queue = queue or SchedulingQueue()
        self.cache = SchedulerCache()
        self.preemption = preemption
        self.name = f"scheduler-{scheduler_name}"
        self._binds = asyncio.Semaphore(max_concurrent_binds)
        self._stop = asyncio.Event()
        self.pods = Informer(client, PODS)
        # a label selector on nodes confines a scheduler to some nodes (tests, partitions)
        self.nodes = Informer(client, NODES, label_selector=node_label_selector)
        self.pvcs = Informer(client, PVCS)
        self.pvs = Informer(client, PVS)
        self.storage_classes = Informer(client, STORAGE_CLASSES)
        self.namespaces = Informer(client, NAMESPACES)
        self.informers = [self.pods, self.nodes, self.pvcs, self.pvs, self.storage_classes,
                          self.namespaces]
        self.listers = self._listers()
        self._wire_handlers()
        self.metrics.add_gauge(Gauge("scheduler_pending_pods", "Pending pods, by queue.",
                                     "queue", self.queue.counts))

    # --- running --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Informers, the event recorder and the scheduling loop, until stop()."""
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.run_informers())
            tg.create_task(self.recorder.run())
            await self.run_loop()
            self.recorder.stop()

    async def run_informers(self) -> None:
        async with asyncio.TaskGroup() as tg:
            for informer in self.informers:
                tg.create_task(informer.run(), name=informer.name)
            await self._stop.wait()
            for informer in self.informers:
                informer.stop()

    async def wait_synced(self, timeout_s: float | None = None) -> None:
        await asyncio.wait_for(asyncio.gather(*(i.wait_synced() for i in self.informers)),
                               timeout_s)

    async def run_loop(self) -> None:
        """Schedule pods until stop(); binding tasks are finished before returning."""
        await self.wait_synced()
        log.info("scheduling", extra=kv(scheduler=self.scheduler_name,
                                        **self.cache.stats()))
        async with asyncio.TaskGroup() as binds:
            while (queued := await self.queue.pop()) is not None:
                try:
                    self.schedule_one(queued, binds)
                except Exception:       # noqa: BLE001 - one bad pod must not stop the loop
                    log.exception("scheduling failed", extra=kv(pod=queued.key))
                    self.metrics.attempts.inc(result="error", profile=self.scheduler_name)
                    self.queue.retry(queued)
                await asyncio.sleep(0)  # let informer events and bindings run

    def stop(self) -> None:
        self._stop.set()
        self.queue.close()

    # --- one pod --------------------------------------------------------------------------------

    def schedule_one(self, queued: QueuedPod, binds: asyncio.TaskGroup) -> None:
        pod = queued.pod
        if not responsible_for(pod, self.scheduler_name) or self.cache.is_assumed(queued.key):
            self.queue.done(queued.key)
            return
        started = time.monotonic()
        snapshot = self.cache.snapshot(self.listers)
        try:
            node_name = self.algorithm.schedule(pod, snapshot)
        except FitError as error:
            self._unschedulable(queued, error, snapshot, binds)
            return
        self.cache.assume(pod, node_name)
        binds.create_task(self._bind(queued, pod, node_name, started))

    async def _bind(self, queued: QueuedPod, pod: Obj, node_name: str, started: float) -> None:
        meta = pod["metadata"]
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": meta["name"], "namespace": meta["namespace"],
                             "uid": meta.get("uid")},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node_name}}
        async with self._binds:
            try:
                await self.client.create_subresource(PODS, meta["name"], "binding", body,
                                                     meta["namespace"])
            except (ApiError, TransportError) as e:
                self._bind_failed(queued, pod, node_name, e)
                return
        now = time.monotonic()
        self.metrics.attempts.inc(result="scheduled", profile=self.scheduler_name)
        self.metrics.e2e_latency.observe(now - started, result="scheduled")
        self.metrics.sli_latency.observe(now - queued.added_at, attempts=str(queued.attempts))
        self.queue.done(queued.key)
        self.recorder.event(pod, NORMAL, "Scheduled",
                            f"Successfully assigned {queued.key} to {node_name}",
                            kind="Pod", api_version="v1")
        log.info("pod bound", extra=kv(pod=queued.key, node=node_name,
                                       attempts=queued.attempts))

    def _bind_failed(self, queued: QueuedPod, pod: Obj, node_name: str, error: Exception) -> None:
        self.cache.forget(pod)
        self.metrics.attempts.inc(result="error", profile=self.scheduler_name)
        if isinstance(error, (Conflict, NotFound)):
            # bound by someone else, or gone: the informer tells the rest
            log.info("binding refused", extra=kv(pod=queued.key, node=node_name, error=str(error)))
            self.queue.done(queued.key)
            return
        log.warning("binding failed", extra=kv(pod=queued.key, node=node_name, error=str(error)))
        self.recorder.event(pod, WARNING, "FailedScheduling", f"Binding rejected: {error}",
                            kind="Pod", api_version="v1")
        self.queue.retry(queued)

    def _unschedulable(self, queued: QueuedPod, error: FitError, snapshot: Any,
                       binds: asyncio.TaskGroup) -> None:
        pod = queued.pod
        nominated = None
        if self.preemption and error.num_nodes:
            self.metrics.preemptions.inc()
            outcome = preempt(self.algorithm, pod, snapshot, error.statuses)
            error.post_filter_msg = outcome.message
            if outcome.candidate is not None:
                nominated = outcome.candidate.node
                binds.create_task(self._evict(pod, outcome.candidate))
        message = error.message
        self.metrics.attempts.inc(result="unschedulable", profile=self.scheduler_name)
        self.recorder.event(pod, WARNING, "FailedScheduling", message, kind="Pod",
                            api_version="v1")
        log.info("pod unschedulable", extra=kv(pod=queued.key, attempts=queued.attempts,
                                               message=message))
        patch = failed_scheduling_patch(pod, message, nominated)
        if patch is not None:
            binds.create_task(self._patch_status(queued.key, pod, patch))
        self.queue.unschedulable(queued)

    async def _patch_status(self, key: str, pod: Obj, patch: Obj) -> None:
        meta = pod["metadata"]
        try:
            async with self._binds:
                await self.client.patch(PODS, meta["name"], patch, "merge", meta["namespace"],
                                        subresource="status")
        except (ApiError, TransportError) as e:
            log.warning("could not update pod status", extra=kv(pod=key, error=str(e)))

    async def _evict(self, preemptor: Obj, candidate: Candidate) -> None:
        uid = (preemptor.get("metadata") or {}).get("uid")
        for victim in candidate.victims:
            self.recorder.event(victim, NORMAL, "Preempted",
                                f"Preempted by pod {uid} on node {candidate.node}",
                                kind="Pod", api_version="v1")
            meta = victim["metadata"]
            try:
                await self.client.delete(PODS, meta["name"], meta["namespace"])
                log.info("pod preempted", extra=kv(pod=pod_key(victim), node=candidate.node,
                                                   preemptor=pod_key(preemptor)))
            except (ApiError, TransportError) as e:
                log.warning("could not preempt pod", extra=kv(pod=pod_key(victim), error=str(e)))

    # --- informer handlers ----------------------------------------------------------------------

    def _wire_handlers(self) -> None:
        self.pods.add_handler(self._on_pod, lambda old, new: self._on_pod(new),
                              self._on_pod_delete)
        self.nodes.add_handler(self._on_node, self._on_node_update, self._on_node_delete)
        for informer in (self.pvcs, self.pvs, self.storage_classes):
            informer.add_handler(lambda obj: self.queue.move_all(),
                                 lambda old, new: self.queue.move_all(), None)

    def _on_pod(self, pod: Obj) -> None:
        key = pod_key(pod)
        if responsible_for(pod, self.scheduler_name):
            self.queue.add(pod)
            return
        ours = self.cache.is_assumed(key)      # our own binding, confirmed by the watch
        if key in self.queue and not ours:
            self.queue.delete(key)            # bound elsewhere, deleted or finished
        counted = self.cache.is_counted(key)
        self.cache.set_pod(pod)
        if counts_on_node(pod) != counted:    # (an assumed pod was already counted)
            self.queue.move_all()             # room freed, or a pod that affinity may want

    def _on_pod_delete(self, pod: Obj) -> None:
        self.queue.delete(pod_key(pod))
        self.cache.remove_pod(pod)
        self.queue.move_all()

    def _on_node(self, node: Obj) -> None:
        self.cache.set_node(node)
        self.queue.move_all()

    def _on_node_update(self, old: Obj, new: Obj) -> None:
        self.cache.set_node(new)
        if _node_relevant(old) != _node_relevant(new):
            self.queue.move_all()

    def _on_node_delete(self, node: Obj) -> None:
        self.cache.remove_node(object_key(node))

    def _listers(self) -> Listers:
        def namespace_labels(name: str) -> dict[str, str] | None:
            ns = self.namespaces.get_by_name(name, copy_=False)
            return None if ns is None else (ns.get("metadata") or {}).get("labels") or {}
        return Listers(
            pvc=lambda ns, name: self.pvcs.get_by_name(name, ns, copy_=False),
            pv=lambda name: self.pvs.get_by_name(name, copy_=False),
            storage_class=lambda name: self.storage_classes.get_by_name(name, copy_=False),
            namespace_labels=namespace_labels)
