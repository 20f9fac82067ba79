"""TaintToleration: NoSchedule/NoExecute taints a pod does not tolerate rule a node out;
untolerated PreferNoSchedule taints lower its score (weight 3, as upstream)."""
from __future__ import annotations

from typing import Any, Iterable

from scheduler.framework import SUCCESS, BasePlugin, Status, normalize_max, spec, unresolvable
from scheduler.nodeinfo import NodeInfo, Obj

NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE = "NoSchedule", "NoExecute", "PreferNoSchedule"


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Upstream's Toleration.ToleratesTaint."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerated(tolerations: Iterable[Obj], taint: Obj) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def node_taints(node: Obj) -> list[Obj]:
    return (node.get("spec") or {}).get("taints") or []


def taint_message(taint: Obj) -> str:
    return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value') or ''}}}"


class TaintToleration(BasePlugin):
    name = "TaintToleration"
    weight = 3

    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status:
        tolerations = spec(pod).get("tolerations") or []
        for taint in node_taints(node.node):
            if taint.get("effect") in (NO_SCHEDULE, NO_EXECUTE) and not tolerated(tolerations, taint):
                return unresolvable(taint_message(taint))
        return SUCCESS

    def prepare_score(self, pod: Obj, snapshot: Any, feasible: list[NodeInfo]) -> Any:
        # only tolerations that could match a PreferNoSchedule taint count, as upstream
        return [t for t in spec(pod).get("tolerations") or []
                if (t.get("effect") or "") in ("", PREFER_NO_SCHEDULE)]

    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int:
        return sum(1 for taint in node_taints(node.node)
                   if taint.get("effect") == PREFER_NO_SCHEDULE and not tolerated(data, taint))

    def normalize(self, scores: list[int]) -> list[int]:
        return normalize_max(scores, reverse=True)
