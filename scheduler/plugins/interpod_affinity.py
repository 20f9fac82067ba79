"""InterPodAffinity: required pod affinity/anti-affinity by topology domain (filter), preferred
terms of both the incoming and the existing pods (score, weight 2), as upstream.

A topology domain is a (topologyKey, node label value) pair: "zone=a", "hostname=node-1".
`prepare` counts, over the pods already placed, the domains that (1) existing pods' required
anti-affinity forbids to this pod, (2) this pod's anti-affinity forbids, (3) hold pods this
pod's affinity asks for; `filter` then only looks the node's domains up.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scheduler.framework import (SKIP, SUCCESS, BasePlugin, MAX_NODE_SCORE, Snapshot, Status,
                                 unresolvable, unschedulable)
from scheduler.nodeinfo import NodeInfo, Obj
from scheduler.plugins.pod_terms import Term, preferred_terms, required_terms

AFFINITY_MISMATCH = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_MISMATCH = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
HARD_POD_AFFINITY_WEIGHT = 1      # upstream's hardPodAffinityWeight default

Pair = tuple[str, str]


@dataclass
class FilterState:
    affinity: list[Term]
    anti_affinity: list[Term]
    existing_anti: Counter = field(default_factory=Counter)     # pairs forbidden by others
    anti_counts: Counter = field(default_factory=Counter)       # pairs this pod's anti forbids
    affinity_counts: Counter = field(default_factory=Counter)   # pairs holding wanted pods
    matches_own_affinity: bool = False


def _pair(node: NodeInfo, key: str) -> Pair | None:
    value = node.labels.get(key)
    return None if value is None else (key, value)


class InterPodAffinity(BasePlugin):
    name = "InterPodAffinity"
    weight = 2

    def prepare(self, pod: Obj, snapshot: Snapshot) -> Any:
        ns_labels = snapshot.listers.namespace_labels
        state = FilterState(required_terms(pod, "podAffinity"),
                            required_terms(pod, "podAntiAffinity"))
        for node in snapshot.nodes:
            for other in node.anti_affinity_pods.values():
                for term in required_terms(other, "podAntiAffinity"):
                    if (pair := _pair(node, term.topology_key)) and term.matches(pod, ns_labels):
                        state.existing_anti[pair] += 1
        if state.affinity or state.anti_affinity:
            self._count_own_terms(state, snapshot)
            state.matches_own_affinity = all(t.matches(pod, ns_labels) for t in state.affinity)
        elif not state.existing_anti:
            return SKIP
        return state

    def _count_own_terms(self, state: FilterState, snapshot: Snapshot) -> None:
        ns_labels = snapshot.listers.namespace_labels
        for node, other in snapshot.all_pods():
            if state.affinity and all(t.matches(other, ns_labels) for t in state.affinity):
                for term in state.affinity:
                    if pair := _pair(node, term.topology_key):
                        state.affinity_counts[pair] += 1
            for term in state.anti_affinity:
                if (pair := _pair(node, term.topology_key)) and term.matches(other, ns_labels):
                    state.anti_counts[pair] += 1

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        state: FilterState = data
        if not self._affinity_ok(state, node):
            return unresolvable(AFFINITY_MISMATCH)
        for term in state.anti_affinity:
            if (pair := _pair(node, term.topology_key)) and state.anti_counts[pair] > 0:
                return unschedulable(ANTI_AFFINITY_MISMATCH)
        for key, value in node.labels.items():
            if state.existing_anti.get((key, value)):
                return unschedulable(EXISTING_ANTI_AFFINITY)
        return SUCCESS

    @staticmethod
    def _affinity_ok(state: FilterState, node: NodeInfo) -> bool:
        if not state.affinity:
            return True
        pods_exist = True
        for term in state.affinity:
            pair = _pair(node, term.topology_key)
            if pair is None:
                return False              # every term needs the node's topology label
            if state.affinity_counts[pair] <= 0:
                pods_exist = False
        # the first pod of a group whose members attract each other may go anywhere
        return pods_exist or (not state.affinity_counts and state.matches_own_affinity)

    # --- score ----------------------------------------------------------------------------------

    def prepare_score(self, pod: Obj, snapshot: Snapshot, feasible: list[NodeInfo]) -> Any:
        ns_labels = snapshot.listers.namespace_labels
        own = ([(t, t.weight) for t in preferred_terms(pod, "podAffinity")]
               + [(t, -t.weight) for t in preferred_terms(pod, "podAntiAffinity")])
        scores: Counter = Counter()
        for node in snapshot.nodes:
            others = node.pods.values() if own else node.affinity_pods.values()
            for other in others:
                for term, weight in own:
                    if (pair := _pair(node, term.topology_key)) and term.matches(other, ns_labels):
                        scores[pair] += weight
                for term, weight in _existing_terms(other):
                    if (pair := _pair(node, term.topology_key)) and term.matches(pod, ns_labels):
                        scores[pair] += weight
        return scores or SKIP

    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int:
        if not data:
            return 0
        return sum(data.get(pair, 0) for pair in node.labels.items())

    def normalize(self, scores: list[int]) -> list[int]:
        low, high = min(scores, default=0), max(scores, default=0)
        if high == low:
            return [0 for _ in scores]
        return [MAX_NODE_SCORE * (s - low) // (high - low) for s in scores]


def _existing_terms(pod: Obj) -> list[tuple[Term, int]]:
    """An existing pod's terms that pull (or push) an incoming pod, with their weights."""
    return ([(t, HARD_POD_AFFINITY_WEIGHT) for t in required_terms(pod, "podAffinity")]
            + [(t, t.weight) for t in preferred_terms(pod, "podAffinity")]
            + [(t, -t.weight) for t in preferred_terms(pod, "podAntiAffinity")])
