"""The node lifecycle controller: nodes that stop answering go Unknown and get tainted.

As upstream's NodeLifecycleController (monitorNodeHealth). Every node is looked at when it or
its Lease in kube-node-lease changes, and every `--node-monitor-period-s` anyway:

- no new Ready heartbeat nor Lease renewal for `--node-monitor-grace-period-s` (default 40):
  its Ready, MemoryPressure, DiskPressure and PIDPressure conditions become Unknown
  (NodeStatusUnknown, "Kubelet stopped posting node status.");
- a node that was Ready and is not any more gets a NodeNotReady event, and its pods' Ready
  condition goes False (upstream's MarkPodsNotReady), so Services drop them;
- its taints follow its conditions: `node.kubernetes.io/unreachable:NoExecute` while Unknown,
  `not-ready:NoExecute` while False, none while True, plus the NoSchedule taints of
  TaintNodesByCondition (see nodelifecycle_taints). The taint eviction controller evicts.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from controller_manager import nodelifecycle_health as health
from controller_manager import nodelifecycle_pods as node_pods
from controller_manager import nodelifecycle_taints as taints
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import Conflict, NotFound
from machinery.controller import Result
from machinery.events import NORMAL, WARNING, rfc3339
from machinery.runtime import kv

log = logging.getLogger("controller_manager.nodelifecycle")

Obj = dict[str, Any]
NODES = resources.lookup("", "v1", "nodes")
LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")
PODS = node_pods.PODS
LEASE_NAMESPACE = "kube-node-lease"


class NodeLifecycleController(QueueController):
    def __init__(self, ctx: ControllerContext, grace_s: float = 40.0,
                 startup_grace_s: float = 60.0, period_s: float = 5.0, workers: int = 4):
        super().__init__("nodelifecycle", ctx, workers, (NODES, LEASES, PODS), "node-controller")
        self.grace_s, self.startup_grace_s, self.period_s = grace_s, startup_grace_s, period_s
        self.health: dict[str, health.NodeHealth] = {}
        self._last_ready: dict[str, str | None] = {}
        self.nodes = ctx.informers.informer(NODES)
        self.leases = ctx.informers.informer(LEASES)
        self.pods = ctx.informers.informer(PODS)
        node_pods.index_pods_by_node(self.pods)
        self.nodes.add_handler(self._node_event, lambda old, new: self._node_event(new),
                               self._node_event)
        self.leases.add_handler(self._lease_event, lambda old, new: self._lease_event(new))

    def _node_event(self, node: Obj) -> None:
        self.enqueue(node["metadata"]["name"])

    def _lease_event(self, lease: Obj) -> None:
        if lease["metadata"].get("namespace") == LEASE_NAMESPACE:
            self.enqueue(lease["metadata"]["name"])

    async def reconcile(self, key: str) -> Result | None:
        node = self.nodes.get(key, copy_=False)
        if node is None:
            self.health.pop(key, None)
            self._last_ready.pop(key, None)
            return None
        lease = self.leases.get_by_name(key, LEASE_NAMESPACE, copy_=False)
        now = time.monotonic()
        record = health.observe(self.health.get(key), node, lease, now)
        self.health[key] = record
        if health.timed_out(record, node, now, self.grace_s, self.startup_grace_s):
            node = await self._mark_unknown(node) or node
        await self._ready_transition(node)
        await self._sync_taints(node)
        return Result(requeue_after_s=self.period_s)

    async def _mark_unknown(self, node: Obj) -> Obj | None:
        conditions = health.unknown_conditions(node, rfc3339())
        if conditions is None:
            return None
        body = {**node, "status": {**(node.get("status") or {}), "conditions": conditions}}
        body["metadata"] = {k: v for k, v in node["metadata"].items() if k != "managedFields"}
        updated = await self.client.update_status(NODES, body)
        log.info("node stopped posting status", extra=kv(controller=self.name,
                                                         node=node["metadata"]["name"]))
        return updated

    async def _ready_transition(self, node: Obj) -> None:
        name = node["metadata"]["name"]
        ready = health.ready_status(node)
        was = self._last_ready.get(name)
        if was == "True" and ready != "True":
            self.recorder.event(node, NORMAL, "NodeNotReady",
                                f"Node {name} status is now: NodeNotReady",
                                kind="Node", api_version="v1")
            await self._mark_pods_not_ready(name)
        self._last_ready[name] = ready

    async def _mark_pods_not_ready(self, node: str) -> None:
        now = rfc3339()
        for pod in node_pods.pods_on_node(self.pods, node):
            if not node_pods.is_ready(pod) or pod["metadata"].get("deletionTimestamp"):
                continue
            try:
                await node_pods.mark_not_ready(self.client, pod, now)
            except NotFound:
                continue
            self.recorder.event(pod, WARNING, "NodeNotReady", "Node is not ready",
                                kind="Pod", api_version="v1")

    async def _sync_taints(self, node: Obj) -> None:
        new = taints.with_condition_taints(node, rfc3339())
        if new is None:
            return
        m = node["metadata"]
        patch = {"metadata": {"resourceVersion": m.get("resourceVersion")},
                 "spec": {"taints": new}}
        try:
            await self.client.patch(NODES, m["name"], patch, "merge")
        except NotFound:
            return
        except Conflict:
            self.enqueue_after(m["name"], 0.05)   # the cache will show the fresh node
            return
        log.info("updated node taints", extra=kv(
            controller=self.name, node=m["name"],
            taints=",".join(f"{t['key']}:{t['effect']}" for t in new) or "-"))


def new_nodelifecycle(ctx: ControllerContext) -> NodeLifecycleController:
    s = ctx.settings
    return NodeLifecycleController(
        ctx, grace_s=s.node_monitor_grace_period_s,
        startup_grace_s=s.node_startup_grace_period_s,
        period_s=s.node_monitor_period_s)
