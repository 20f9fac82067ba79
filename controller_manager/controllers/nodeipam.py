"""The node IPAM controller: a podCIDR per node from the cluster CIDR (upstream's range allocator).

Every Node without `spec.podCIDR` gets the next free subnet of `--cluster-cidr` (default
10.244.0.0/16) of size `--node-cidr-mask-size` (24), written with a patch of `spec.podCIDR` and
`spec.podCIDRs`. Subnet 0 (10.244.0.0/24) is never given: it is Docker's dynamic range on the pod
network. Subnets that nodes already hold are never reused; a deleted node's subnet is freed.
The allocator's state is rebuilt from the Nodes on start (crash-only): the informer replays
every node to the handlers, which mark their subnets used, before the first reconcile runs.
One worker: allocation is a shared decision.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from controller_manager.nodeipam_cidrs import CidrSet, CidrSetFull
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.controller import Result
from machinery.events import NORMAL, WARNING
from machinery.runtime import kv

log = logging.getLogger("controller_manager.nodeipam")

Obj = dict[str, Any]
NODES = resources.lookup("", "v1", "nodes")
FULL_RETRY_S = 10.0


def pod_cidrs(node: Obj) -> list[str]:
    spec = node.get("spec") or {}
    return list(spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else []))


def _name(node: Obj) -> str:
    return (node.get("metadata") or {}).get("name", "")


class NodeIpamController(QueueController):
    def __init__(self, ctx: ControllerContext, cluster_cidr: str = "10.244.0.0/16",
                 mask_size: int = 24, reserved: int = 1):
        super().__init__("nodeipam", ctx, 1, (NODES,), "node-controller")
        self.cidrs = CidrSet(cluster_cidr, mask_size, reserved)
        self._holder: dict[str, str] = {}       # cidr -> the node holding it
        self._assigned: dict[str, str] = {}     # node -> cidr we patched, not yet seen
        self.nodes = ctx.informers.informer(NODES)
        self.nodes.add_handler(self._node_seen, lambda old, new: self._node_seen(new),
                               self._node_deleted)

    def _node_seen(self, node: Obj) -> None:
        name = _name(node)
        cidrs = pod_cidrs(node)
        for cidr in cidrs:
            if self.cidrs.occupy(cidr):
                self._holder.setdefault(cidr, name)
        if cidrs:
            self._assigned.pop(name, None)
        else:
            self.enqueue(name)

    def _node_deleted(self, node: Obj) -> None:
        name = _name(node)
        for cidr in {*pod_cidrs(node), self._assigned.pop(name, None)} - {None}:
            if self._holder.get(cidr) == name:
                del self._holder[cidr]
                self.cidrs.release(cidr)
                log.info("released pod CIDR", extra=kv(controller=self.name, node=name,
                                                       cidr=cidr))

    async def reconcile(self, key: str) -> Result | None:
        node = self.nodes.get(key, copy_=False)
        if node is None:
            return None
        if pod_cidrs(node):
            self._assigned.pop(key, None)
            return None
        cidr = self._assigned.get(key)
        if cidr is None:
            try:
                cidr = self.cidrs.allocate()
            except CidrSetFull:
                self.recorder.event(node, NORMAL, "CIDRNotAvailable",
                                    f"Node {key} status is now: CIDRNotAvailable",
                                    kind="Node", api_version="v1")
                log.warning("no pod CIDR left", extra=kv(controller=self.name, node=key))
                return Result(requeue_after_s=FULL_RETRY_S)
            self._assigned[key] = cidr
            self._holder[cidr] = key
        await self._patch(node, key, cidr)
        return None

    async def _patch(self, node: Obj, name: str, cidr: str) -> None:
        patch = {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}}
        try:
            await self.client.patch(NODES, name, patch, "strategic")
        except NotFound:
            self._node_deleted({"metadata": {"name": name}})
            return
        except Exception as e:
            self.recorder.event(node, WARNING, "CIDRAssignmentFailed",
                                f"Node {name} status is now: CIDRAssignmentFailed",
                                kind="Node", api_version="v1")
            raise e
        log.info("assigned pod CIDR", extra=kv(controller=self.name, node=name, cidr=cidr))


def new_nodeipam(ctx: ControllerContext) -> NodeIpamController:
    s = ctx.settings
    return NodeIpamController(ctx, s.cluster_cidr,
                              s.node_cidr_mask_size)
