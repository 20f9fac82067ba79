"""NodeResourcesFit (filter) and the two resource scores, LeastAllocated and BalancedAllocation.

The filter compares the pod's effective request (see `nodeinfo.pod_requests`) with allocatable
minus what the node's pods already request, and lists every short resource as upstream does
("Insufficient cpu", "Insufficient memory", "Too many pods"). A request larger than the whole
node is Unresolvable: evicting pods (preemption) could not make room.
Scores use the non-zero requests (100m cpu / 200Mi memory for containers without requests) of
cpu and memory, each weight 1, scaled to 0..100.
"""
from __future__ import annotations

from typing import Any

from scheduler.framework import (MAX_NODE_SCORE, SUCCESS, BasePlugin, Code, Status)
from scheduler.nodeinfo import NodeInfo, Obj, Resources, pod_requests


def _shortfalls(req: Resources, node: NodeInfo) -> list[tuple[str, bool]]:
    """(reason, unresolvable) for each resource the node cannot give."""
    alloc, used = node.allocatable, node.requested
    out = []
    for name, want, have, taken in (
            ("cpu", req.milli_cpu, alloc.milli_cpu, used.milli_cpu),
            ("memory", req.memory, alloc.memory, used.memory),
            ("ephemeral-storage", req.ephemeral_storage, alloc.ephemeral_storage,
             used.ephemeral_storage)):
        if want > 0 and want > have - taken:
            out.append((f"Insufficient {name}", want > have))
    for name, want in sorted(req.scalar.items()):
        have = alloc.scalar.get(name, 0)
        if want > 0 and want > have - used.scalar.get(name, 0):
            out.append((f"Insufficient {name}", want > have))
    return out


class NodeResourcesFit(BasePlugin):
    name = "NodeResourcesFit"

    def prepare(self, pod: Obj, snapshot: Any) -> Resources:
        return pod_requests(pod)

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        req = pod_requests(pod) if data is None else data
        reasons: list[str] = []
        unresolvable = False
        if len(node.pods) + 1 > node.allowed_pods:
            reasons.append("Too many pods")
        for reason, hopeless in _shortfalls(req, node):
            reasons.append(reason)
            unresolvable = unresolvable or hopeless
        if not reasons:
            return SUCCESS
        return Status(Code.UNRESOLVABLE if unresolvable else Code.UNSCHEDULABLE, tuple(reasons))


def _fractions(pod_req: Resources, node: NodeInfo) -> list[tuple[int, int]]:
    """(requested including the pod, allocatable) for cpu and memory."""
    used = node.non_zero_requested
    return [(used.milli_cpu + pod_req.milli_cpu, node.allocatable.milli_cpu),
            (used.memory + pod_req.memory, node.allocatable.memory)]


class NodeResourcesLeastAllocated(BasePlugin):
    """Prefer the emptiest node: mean of (allocatable - requested) / allocatable."""
    name = "NodeResourcesFit"       # upstream scores this inside NodeResourcesFit (weight 1)

    def prepare_score(self, pod: Obj, snapshot: Any, feasible: list[NodeInfo]) -> Any:
        return pod_requests(pod, non_zero=True)

    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int:
        total = 0
        for requested, allocatable in _fractions(data, node):
            if allocatable > 0 and requested <= allocatable:
                total += (allocatable - requested) * MAX_NODE_SCORE // allocatable
        return total // 2


class NodeResourcesBalancedAllocation(BasePlugin):
    """Prefer nodes where cpu and memory are used in equal shares: 100 * (1 - std deviation)."""
    name = "NodeResourcesBalancedAllocation"

    def prepare_score(self, pod: Obj, snapshot: Any, feasible: list[NodeInfo]) -> Any:
        return pod_requests(pod, non_zero=True)

    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int:
        shares = [min(requested / allocatable, 1.0)
                  for requested, allocatable in _fractions(data, node) if allocatable > 0]
        if len(shares) < 2:
            return MAX_NODE_SCORE
        std = abs(shares[0] - shares[1]) / 2     # the std deviation of two values
        return int((1 - std) * MAX_NODE_SCORE)
