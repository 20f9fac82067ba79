"""NodeAffinity: nodeSelector and required node affinity filter; preferred terms score (weight 2).

Node selector requirements use upstream's operators: In, NotIn, Exists, DoesNotExist, and Gt/Lt
(integer comparison of the label value). Terms are ORed, the expressions of a term ANDed; an
empty term matches no node. `matchFields` supports `metadata.name`, the one field upstream allows.
"""
from __future__ import annotations

from typing import Any

from scheduler.framework import (SKIP, SUCCESS, BasePlugin, Status, affinity, normalize_max, spec,
                                 unresolvable)
from scheduler.nodeinfo import NodeInfo, Obj

MISMATCH = "node(s) didn't match Pod's node affinity/selector"


def requirement_matches(req: Obj, values: dict[str, str]) -> bool:
    key, operator = req.get("key", ""), req.get("operator")
    wanted = req.get("values") or []
    present = key in values
    if operator == "In":
        return present and values[key] in wanted
    if operator == "NotIn":
        return not present or values[key] not in wanted
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(wanted) == 1:
        try:
            actual, bound = int(values[key]), int(wanted[0])
        except ValueError:
            return False
        return actual > bound if operator == "Gt" else actual < bound
    return False


def term_matches(term: Obj, node: NodeInfo) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    if not all(requirement_matches(r, node.labels) for r in expressions):
        return False
    field_values = {"metadata.name": node.name}
    return all(requirement_matches(r, field_values) for r in fields)


def required_terms(pod: Obj) -> list[Obj] | None:
    required = affinity(pod, "nodeAffinity").get("requiredDuringSchedulingIgnoredDuringExecution")
    if not required:
        return None
    return required.get("nodeSelectorTerms") or []


def pod_matches_node(pod: Obj, node: NodeInfo) -> bool:
    """nodeSelector and required node affinity (also used by PodTopologySpread)."""
    for key, value in (spec(pod).get("nodeSelector") or {}).items():
        if node.labels.get(key) != value:
            return False
    terms = required_terms(pod)
    return terms is None or any(term_matches(t, node) for t in terms)


class NodeAffinity(BasePlugin):
    name = "NodeAffinity"
    weight = 2

    def prepare(self, pod: Obj, snapshot: Any) -> Any:
        if spec(pod).get("nodeSelector") or required_terms(pod) is not None:
            return None
        return SKIP

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        return SUCCESS if pod_matches_node(pod, node) else unresolvable(MISMATCH)

    def prepare_score(self, pod: Obj, snapshot: Any, feasible: list[NodeInfo]) -> Any:
        return affinity(pod, "nodeAffinity").get(
            "preferredDuringSchedulingIgnoredDuringExecution") or SKIP

    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int:
        return sum(int(p.get("weight") or 0) for p in data
                   if term_matches(p.get("preference") or {}, node))

    def normalize(self, scores: list[int]) -> list[int]:
        return normalize_max(scores)
