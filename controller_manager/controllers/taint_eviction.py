"""The taint eviction controller: pods leave nodes with NoExecute taints they do not tolerate.

As upstream's taint manager (the "taint-eviction-controller" since 1.29). For each node with
NoExecute taints, every pod bound to it is looked at: a pod that does not tolerate one of the
taints is deleted at once; a pod that tolerates them all for a while (`tolerationSeconds`, the
smallest of the matching tolerations) is deleted that long after the taints appeared (their
`timeAdded`, so a restarted controller keeps the clock); a pod that tolerates them forever
stays. A deleted pod gets the DisruptionTarget condition (DeletionByTaintManager) first and a
TaintManagerEviction event, as upstream. Keyed by node; the node is looked at again when the
next pod's time is up.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from controller_manager import nodelifecycle_pods as node_pods
from controller_manager import nodelifecycle_taints as taints
from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.podutil import parse_time
from machinery.api import resources
from machinery.api.errors import ApiError, Conflict, NotFound
from machinery.controller import Result
from machinery.events import NORMAL, rfc3339
from machinery.runtime import kv

log = logging.getLogger("controller_manager.taint_eviction")

Obj = dict[str, Any]
NODES = resources.lookup("", "v1", "nodes")
PODS = node_pods.PODS


def tainted_since(node_taints: list[Obj], first_seen: float) -> float:
    """When the NoExecute taints began (epoch seconds): the latest timeAdded, else first_seen."""
    added = [parse_time(t.get("timeAdded")) for t in node_taints]
    stamps = [a.timestamp() for a in added if a is not None]
    return max(stamps) if stamps else first_seen


class TaintEvictionController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 4):
        super().__init__("taint-eviction-controller", ctx, workers, (NODES, PODS),
                         "taint-eviction-controller")
        self._first_seen: dict[str, float] = {}
        self.nodes = ctx.informers.informer(NODES)
        self.pods = ctx.informers.informer(PODS)
        node_pods.index_pods_by_node(self.pods)
        self.nodes.add_handler(self._node_added, self._node_updated, self._node_deleted)
        self.pods.add_handler(self._pod_event, lambda old, new: self._pod_event(new))

    def _node_added(self, node: Obj) -> None:
        if taints.no_execute_taints(node):
            self.enqueue(node["metadata"]["name"])

    def _node_updated(self, old: Obj, new: Obj) -> None:
        if taints.no_execute_taints(old) != taints.no_execute_taints(new):
            self.enqueue(new["metadata"]["name"])

    def _node_deleted(self, node: Obj) -> None:
        self._first_seen.pop(node["metadata"]["name"], None)

    def _pod_event(self, pod: Obj) -> None:
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name or (pod.get("metadata") or {}).get("deletionTimestamp"):
            return
        node = self.nodes.get(node_name, copy_=False)
        if node is not None and taints.no_execute_taints(node):
            self.enqueue(node_name)

    async def reconcile(self, key: str) -> Result | None:
        node = self.nodes.get(key, copy_=False)
        node_taints = taints.no_execute_taints(node) if node else []
        if not node_taints:
            self._first_seen.pop(key, None)
            return None
        since = tainted_since(node_taints, self._first_seen.setdefault(key, time.time()))
        now = time.time()
        next_check: float | None = None
        for pod in node_pods.pods_on_node(self.pods, key):
            if pod["metadata"].get("deletionTimestamp"):
                continue
            delay = taints.eviction_delay_s(pod, node_taints)
            if delay is None:
                continue
            left = since + delay - now
            if left <= 0:
                await self._evict(pod)
            else:
                next_check = left if next_check is None else min(next_check, left)
        return Result(requeue_after_s=next_check + 0.05) if next_check is not None else None

    async def _evict(self, pod: Obj) -> None:
        m = pod["metadata"]
        await self._mark_disruption(pod)
        try:
            await self.client.delete(PODS, m["name"], m["namespace"],
                                     preconditions={"uid": m["uid"]})
        except (NotFound, Conflict):
            return                          # gone, or replaced by another of that name
        self.recorder.event(pod, NORMAL, "TaintManagerEviction",
                            f"Marking for deletion Pod {m['namespace']}/{m['name']}",
                            kind="Pod", api_version="v1")
        log.info("evicted pod", extra=kv(controller=self.name, pod=f"{m['namespace']}/{m['name']}",
                                         node=pod["spec"].get("nodeName")))

    async def _mark_disruption(self, pod: Obj) -> None:
        m = pod["metadata"]
        condition = {"type": "DisruptionTarget", "status": "True",
                     "reason": "DeletionByTaintManager",
                     "message": "Taint manager: deleting due to NoExecute taint",
                     "lastTransitionTime": rfc3339()}
        try:
            await self.client.patch(PODS, m["name"], {"status": {"conditions": [condition]}},
                                    "strategic", m["namespace"], subresource="status")
        except ApiError as e:
            # the eviction matters more than its annotation
            log.debug("could not add DisruptionTarget", extra=kv(pod=m["name"], error=str(e)))


def new_taint_eviction(ctx: ControllerContext) -> TaintEvictionController:
    return TaintEvictionController(ctx)
