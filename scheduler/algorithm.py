"""One scheduling decision, pure: filter every node, score the feasible ones, pick the best.

    algorithm = Algorithm(default_filters(), default_scorers())
    node_name = algorithm.schedule(pod, snapshot)        # or raises FitError

FitError's message is upstream's, reasons counted over nodes and sorted as strings:
"0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}."
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from scheduler.framework import MAX_NODE_SCORE, SKIP, SUCCESS, Code, Rejected, Snapshot, Status
from scheduler.nodeinfo import NodeInfo, Obj

NO_NODES = "no nodes available to schedule pods"


@dataclass
class FitError(Exception):
    num_nodes: int
    statuses: dict[str, Status] = field(default_factory=dict)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        if self.num_nodes == 0 and not self.pre_filter_msg:
            return NO_NODES
        text = f"0/{self.num_nodes} nodes are available:"
        if self.pre_filter_msg:
            text += f" {self.pre_filter_msg}."
        else:
            histogram = Counter(r for s in self.statuses.values() for r in s.reasons)
            reasons = sorted(f"{count} {reason}" for reason, count in histogram.items())
            if reasons:
                text += f" {', '.join(reasons)}."
        if self.post_filter_msg:
            text += f" {self.post_filter_msg}."
        return text


class Algorithm:
    def __init__(self, filters: Sequence[Any], scorers: Sequence[Any],
                 rng: random.Random | None = None):
        self.filters, self.scorers = list(filters), list(scorers)
        self.rng = rng or random.Random()

    # --- filtering ------------------------------------------------------------------------------

    def prepare(self, pod: Obj, snapshot: Snapshot) -> list[tuple[Any, Any]]:
        """(plugin, data) of every filter with something to check; raises Rejected if one
        rules out all nodes."""
        prepared = [(f, f.prepare(pod, snapshot)) for f in self.filters]
        return [(f, data) for f, data in prepared if data is not SKIP]

    def run_filters(self, pod: Obj, node: NodeInfo, prepared: list[tuple[Any, Any]]) -> Status:
        """The first failing filter's status (upstream stops at the first failure)."""
        for plugin, data in prepared:
            status = plugin.filter(pod, node, data)
            if status.code:                     # Code.SUCCESS is 0
                return Status(status.code, status.reasons, plugin.name)
        return SUCCESS

    def find_feasible(self, pod: Obj, snapshot: Snapshot
                      ) -> tuple[list[NodeInfo], dict[str, Status]]:
        try:
            data = self.prepare(pod, snapshot)
        except Rejected as rejected:
            statuses = {n.name: rejected.status for n in snapshot.nodes}
            raise FitError(len(snapshot.nodes), statuses, rejected.status.message) from None
        feasible, statuses = [], {}
        for node in snapshot.nodes:
            status = self.run_filters(pod, node, data)
            if status.ok:
                feasible.append(node)
            else:
                statuses[node.name] = status
        return feasible, statuses

    # --- scoring --------------------------------------------------------------------------------

    def prioritize(self, pod: Obj, snapshot: Snapshot, feasible: list[NodeInfo]) -> list[int]:
        """Weighted sum of the normalised plugin scores, one per feasible node."""
        totals = [0] * len(feasible)
        for plugin in self.scorers:
            data = plugin.prepare_score(pod, snapshot, feasible)
            if data is SKIP:
                continue                        # the same for every node: adds nothing
            raw = [plugin.score(pod, node, data) for node in feasible]
            for i, score in enumerate(plugin.normalize(raw)):
                totals[i] += max(0, min(score, MAX_NODE_SCORE)) * plugin.weight
        return totals

    def select_host(self, feasible: list[NodeInfo], scores: list[int]) -> NodeInfo:
        """The best score; ties broken uniformly at random (reservoir sampling, as upstream)."""
        best, best_score, ties = feasible[0], scores[0], 1
        for node, score in zip(feasible[1:], scores[1:]):
            if score > best_score:
                best, best_score, ties = node, score, 1
            elif score == best_score:
                ties += 1
                if self.rng.randrange(ties) == 0:
                    best = node
        return best

    def schedule(self, pod: Obj, snapshot: Snapshot) -> str:
        if not snapshot.nodes:
            raise FitError(0)
        feasible, statuses = self.find_feasible(pod, snapshot)
        if not feasible:
            raise FitError(len(snapshot.nodes), statuses)
        if len(feasible) == 1:
            return feasible[0].name
        return self.select_host(feasible, self.prioritize(pod, snapshot, feasible)).name


def is_unresolvable(status: Status) -> bool:
    return status.code == Code.UNRESOLVABLE
