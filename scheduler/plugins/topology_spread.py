"""PodTopologySpread: `topologySpreadConstraints` with maxSkew and minDomains.

DoNotSchedule constraints filter: placing the pod in a domain must not make that domain's
count of matching pods exceed the smallest domain's count by more than maxSkew. ScheduleAnyway
constraints score (weight 2): fewer matching pods in the node's domains is better. Only nodes
that pass the pod's node affinity (nodeAffinityPolicy Honor, the default) and tolerations
(nodeTaintsPolicy Honor; Ignore is the default) and carry the topology keys define domains.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from machinery.labels import IN, LabelSelector, Requirement
from scheduler.framework import (MAX_NODE_SCORE, SKIP, SUCCESS, BasePlugin, Snapshot, Status,
                                 labels_of, namespace_of, spec, unresolvable, unschedulable)
from scheduler.nodeinfo import NodeInfo, Obj
from scheduler.plugins.node_affinity import pod_matches_node
from scheduler.plugins.pod_terms import selector
from scheduler.plugins.taints import NO_EXECUTE, NO_SCHEDULE, node_taints, tolerated

MISMATCH = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
IGNORED = -1


@dataclass
class Constraint:
    max_skew: int
    topology_key: str
    selector: LabelSelector
    min_domains: int
    honor_affinity: bool
    honor_taints: bool
    counts: Counter = field(default_factory=Counter)


def constraints(pod: Obj, action: str) -> list[Constraint]:
    out = []
    for raw in spec(pod).get("topologySpreadConstraints") or []:
        if raw.get("whenUnsatisfiable", "DoNotSchedule") != action:
            continue
        sel = selector(raw.get("labelSelector"))
        pod_labels = labels_of(pod)
        extra = [Requirement(k, IN, (pod_labels[k],))
                 for k in raw.get("matchLabelKeys") or [] if k in pod_labels]
        if extra and raw.get("labelSelector") is not None:
            sel = LabelSelector([*sel.requirements, *extra])
        out.append(Constraint(int(raw.get("maxSkew") or 1), raw.get("topologyKey") or "", sel,
                              int(raw.get("minDomains") or 1),
                              raw.get("nodeAffinityPolicy", "Honor") == "Honor",
                              raw.get("nodeTaintsPolicy", "Ignore") == "Honor"))
    return out


def _eligible(pod: Obj, node: NodeInfo, items: list[Constraint]) -> bool:
    if any(c.topology_key not in node.labels for c in items):
        return False
    if any(c.honor_affinity for c in items) and not pod_matches_node(pod, node):
        return False
    if any(c.honor_taints for c in items):
        tolerations = spec(pod).get("tolerations") or []
        for taint in node_taints(node.node):
            if taint.get("effect") in (NO_SCHEDULE, NO_EXECUTE) and not tolerated(tolerations, taint):
                return False
    return True


def _count(pod: Obj, snapshot: Snapshot, items: list[Constraint]) -> None:
    namespace = namespace_of(pod)
    for node in snapshot.nodes:
        if not _eligible(pod, node, items):
            continue
        for c in items:
            value = node.labels[c.topology_key]
            c.counts[value] += 0          # an empty domain still counts as a domain
            for other in node.pods.values():
                if (namespace_of(other) == namespace and c.selector.matches(labels_of(other))
                        and not (other.get("metadata") or {}).get("deletionTimestamp")):
                    c.counts[value] += 1


class PodTopologySpread(BasePlugin):
    name = "PodTopologySpread"
    weight = 2

    def prepare(self, pod: Obj, snapshot: Snapshot) -> Any:
        items = constraints(pod, "DoNotSchedule")
        if not items:
            return SKIP
        _count(pod, snapshot, items)
        return items

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        items: list[Constraint] = data or []
        if any(c.topology_key not in node.labels for c in items):
            return unresolvable(MISSING_LABEL)
        pod_labels = labels_of(pod)
        for c in items:
            smallest = min(c.counts.values(), default=0)
            if len(c.counts) < c.min_domains:
                smallest = 0
            self_match = 1 if c.selector.matches(pod_labels) else 0
            if c.counts[node.labels[c.topology_key]] + self_match - smallest > c.max_skew:
                return unschedulable(MISMATCH)
        return SUCCESS

    def prepare_score(self, pod: Obj, snapshot: Snapshot, feasible: list[NodeInfo]) -> Any:
        items = constraints(pod, "ScheduleAnyway")
        if not items:
            return SKIP
        _count(pod, snapshot, items)
        return items

    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int:
        items: list[Constraint] = data or []
        if not items:
            return 0
        if any(c.topology_key not in node.labels for c in items):
            return IGNORED
        total = 0.0
        for c in items:
            weight = math.log(len(c.counts) + 2)
            total += c.counts[node.labels[c.topology_key]] * weight + (c.max_skew - 1)
        return round(total)

    def normalize(self, scores: list[int]) -> list[int]:
        counted = [s for s in scores if s != IGNORED]
        if not counted:
            return [0 for _ in scores]
        low, high = min(counted), max(counted)
        out = []
        for s in scores:
            if s == IGNORED:
                out.append(0)
            elif high == 0:
                out.append(MAX_NODE_SCORE)
            else:
                out.append(MAX_NODE_SCORE * (high + low - s) // high)
        return out
