"""The scheduler's cache: nodes and the pods counted on them, including *assumed* pods.

Right after deciding, the scheduler `assume()`s the pod on its node, before the binding is even
sent, so the next decision already sees the node's reduced room (a burst of pods does not all
land on the emptiest node). When the informer then shows the pod bound, the assumed copy is
replaced by the real one; if the binding fails, `forget()` takes it off again.
Pods bound to a node the cache has not seen yet are kept aside until the node appears.
"""
from __future__ import annotations

from typing import Any

from scheduler.framework import Listers, Snapshot
from scheduler.nodeinfo import NodeInfo, Obj, pod_key

TERMINAL_PHASES = ("Succeeded", "Failed")


def counts_on_node(pod: Obj) -> bool:
    """A bound pod that still holds its node's resources."""
    return bool((pod.get("spec") or {}).get("nodeName")) and \
        (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES


class SchedulerCache:
    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self._pods_by_node: dict[str, dict[str, Obj]] = {}
        self._pod_node: dict[str, str] = {}       # pod key -> node it is counted on
        self._assumed: set[str] = set()

    # --- nodes ----------------------------------------------------------------------------------

    def set_node(self, node: Obj) -> None:
        name = node["metadata"]["name"]
        self.nodes[name] = NodeInfo(node, self._pods_by_node.get(name, {}).values())

    def remove_node(self, name: str) -> None:
        self.nodes.pop(name, None)

    # --- pods -----------------------------------------------------------------------------------

    def set_pod(self, pod: Obj) -> None:
        """An informer add/update: count the pod where it is bound, or stop counting it."""
        key = pod_key(pod)
        if not counts_on_node(pod):
            if key not in self._assumed:
                self._uncount(key)
            return
        self._assumed.discard(key)         # the real object replaces the assumed copy
        self._count(key, pod, pod["spec"]["nodeName"])

    def remove_pod(self, pod: Obj) -> None:
        key = pod_key(pod)
        self._assumed.discard(key)
        self._uncount(key)

    def assume(self, pod: Obj, node_name: str) -> None:
        key = pod_key(pod)
        assumed = {**pod, "spec": {**(pod.get("spec") or {}), "nodeName": node_name}}
        self._assumed.add(key)
        self._count(key, assumed, node_name)

    def forget(self, pod: Obj) -> None:
        key = pod_key(pod)
        if key in self._assumed:
            self._assumed.discard(key)
            self._uncount(key)

    def is_counted(self, key: str) -> bool:
        return key in self._pod_node

    def is_assumed(self, key: str) -> bool:
        return key in self._assumed

    def _count(self, key: str, pod: Obj, node_name: str) -> None:
        if self._pod_node.get(key) not in (None, node_name):
            self._uncount(key)
        self._pod_node[key] = node_name
        self._pods_by_node.setdefault(node_name, {})[key] = pod
        if info := self.nodes.get(node_name):
            info.add_pod(pod)

    def _uncount(self, key: str) -> None:
        node_name = self._pod_node.pop(key, None)
        if node_name is None:
            return
        pods = self._pods_by_node.get(node_name, {})
        pod = pods.pop(key, None)
        if not pods:
            self._pods_by_node.pop(node_name, None)
        if pod is not None and (info := self.nodes.get(node_name)):
            info.remove_pod(pod)

    # --- reading --------------------------------------------------------------------------------

    def snapshot(self, listers: Listers | None = None) -> Snapshot:
        """The live NodeInfos (the loop is single-threaded, so no copy is needed)."""
        return Snapshot(list(self.nodes.values()), listers or Listers())

    def stats(self) -> dict[str, Any]:
        return {"nodes": len(self.nodes), "pods": len(self._pod_node),
                "assumed": len(self._assumed)}
