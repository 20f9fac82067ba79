"""Preemption (upstream's DefaultPreemption PostFilter), pure: which lower-priority pods to evict
so that a pod that fits nowhere fits somewhere.

For each node whose failure preemption might resolve, remove every pod of lower priority; if the
pod then fits, add the victims back one by one, highest priority first, keeping each one that
still leaves room (a "reprieve"). The candidate with the lowest highest-victim priority, then
the smallest priority sum, then the fewest victims wins. PodDisruptionBudgets are not weighed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scheduler.algorithm import Algorithm, FitError
from scheduler.framework import Code, Rejected, Snapshot, Status, spec, unresolvable
from scheduler.nodeinfo import NodeInfo, Obj

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


def priority(pod: Obj) -> int:
    return int(spec(pod).get("priority") or 0)


@dataclass
class Candidate:
    node: str
    victims: list[Obj]

    def rank(self) -> tuple[int, int, int]:
        prios = [priority(v) for v in self.victims]
        return (max(prios, default=-(2 ** 31)), sum(prios), len(prios))


@dataclass
class Outcome:
    candidate: Candidate | None
    message: str          # upstream's PostFilter message ("preemption: ..."), "" on success


def preempt(algorithm: Algorithm, pod: Obj, snapshot: Snapshot,
            statuses: dict[str, Status]) -> Outcome:
    if spec(pod).get("preemptionPolicy") == "Never":
        return Outcome(None, "preemption: not eligible due to preemptionPolicy=Never.")
    candidates, node_statuses = [], {}
    for node in snapshot.nodes:
        status = statuses.get(node.name)
        if status is not None and status.code == Code.UNRESOLVABLE:
            node_statuses[node.name] = unresolvable(NOT_HELPFUL)
            continue
        victims, failure = _select_victims(algorithm, pod, snapshot, node)
        if failure is not None:
            node_statuses[node.name] = failure
        else:
            candidates.append(Candidate(node.name, victims))
    if not candidates:
        error = FitError(len(node_statuses), node_statuses)
        return Outcome(None, "preemption: " + error.message)
    return Outcome(min(candidates, key=Candidate.rank), "")


def _fits(algorithm: Algorithm, pod: Obj, snapshot: Snapshot, node: NodeInfo) -> Status:
    """Filters on `node` with the cluster-wide data recomputed for this hypothetical node."""
    trial = Snapshot([node if n.name == node.name else n for n in snapshot.nodes],
                     snapshot.listers)
    try:
        data = algorithm.prepare(pod, trial)
    except Rejected as rejected:
        return rejected.status
    return algorithm.run_filters(pod, node, data)


def _select_victims(algorithm: Algorithm, pod: Obj, snapshot: Snapshot,
                    node: NodeInfo) -> tuple[list[Obj], Status | None]:
    mine = priority(pod)
    lower = [p for p in node.pods.values() if priority(p) < mine]
    if not lower:
        return [], unresolvable(NO_VICTIMS)
    trial = node.clone()
    for victim in lower:
        trial.remove_pod(victim)
    status = _fits(algorithm, pod, snapshot, trial)
    if not status.ok:
        return [], status
    victims = []
    for candidate in sorted(lower, key=_importance, reverse=True):
        trial.add_pod(candidate)
        if not _fits(algorithm, pod, snapshot, trial).ok:
            trial.remove_pod(candidate)
            victims.append(candidate)
    return victims, None


def _importance(pod: Obj) -> tuple[int, Any]:
    """Higher priority first, then the longer-running pod (kept in preference)."""
    started = (pod.get("status") or {}).get("startTime") or "~"
    return priority(pod), _reverse(started)


def _reverse(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)
