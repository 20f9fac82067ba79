"""SelectorSpread: spread the pods of one owner (the same controller: a ReplicaSet, a
StatefulSet, a Job...) over nodes and zones (weight 1), as upstream's SelectorSpread scored
the pods of a Service or controller. Zone spreading counts for 2/3 where nodes have zones."""
from __future__ import annotations

from collections import Counter
from typing import Any

from scheduler.framework import MAX_NODE_SCORE, SKIP, BasePlugin, Snapshot, namespace_of
from scheduler.nodeinfo import NodeInfo, Obj

ZONE_KEY = "topology.kubernetes.io/zone"
ZONE_WEIGHTING = 2 / 3


def controller_uid(pod: Obj) -> str | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")
    return None


class SelectorSpread(BasePlugin):
    name = "SelectorSpread"
    weight = 1

    def prepare_score(self, pod: Obj, snapshot: Snapshot, feasible: list[NodeInfo]) -> Any:
        owner = controller_uid(pod)
        if owner is None:
            return SKIP
        namespace = namespace_of(pod)
        per_node: Counter = Counter()
        per_zone: Counter = Counter()
        for node in feasible:
            count = sum(1 for other in node.pods.values()
                        if namespace_of(other) == namespace and controller_uid(other) == owner)
            per_node[node.name] = count
            if zone := node.labels.get(ZONE_KEY):
                per_zone[zone] += count
        return self._normalized(feasible, per_node, per_zone)

    @staticmethod
    def _normalized(feasible: list[NodeInfo], per_node: Counter, per_zone: Counter
                    ) -> dict[str, int]:
        max_node, max_zone = max(per_node.values(), default=0), max(per_zone.values(), default=0)
        scores = {}
        for node in feasible:
            score = float(MAX_NODE_SCORE)
            if max_node > 0:
                score = MAX_NODE_SCORE * (max_node - per_node[node.name]) / max_node
            zone = node.labels.get(ZONE_KEY)
            if per_zone and zone:
                zone_score = float(MAX_NODE_SCORE)
                if max_zone > 0:
                    zone_score = MAX_NODE_SCORE * (max_zone - per_zone[zone]) / max_zone
                score = score * (1 - ZONE_WEIGHTING) + zone_score * ZONE_WEIGHTING
            scores[node.name] = int(score)
        return scores

    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int:
        return 0 if data is None else data.get(node.name, 0)
