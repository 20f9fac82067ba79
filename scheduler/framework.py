"""The scheduling framework: plugin protocols, statuses and the snapshot plugins read.

A plugin is a small object with a `name` and some of these pure methods:

- `prepare(pod, snapshot) -> data`: once per cycle (upstream's PreFilter). It may raise
  `Rejected(status)` when the pod fits no node at all (a missing PVC, ...). The data it returns
  is handed back to `filter`; `SKIP` means the plugin has nothing to check for this pod, and
  its `filter` is not called (upstream's PreFilter Skip status). `prepare_score` may return
  `SKIP` likewise.
- `filter(pod, node_info, data) -> Status`: may the pod run on this node?
- `prepare_score(pod, snapshot, feasible) -> data` and `score(pod, node_info, data) -> int`,
  then `normalize(scores)` to 0..100 where the raw score has another range.

Filters and scores never do I/O: everything they read is in the `Snapshot` (nodes with their
pods, plus the PVC/PV/StorageClass/Namespace listers), so each is unit-testable on plain dicts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Callable, Iterable, Protocol, runtime_checkable

from scheduler.nodeinfo import NodeInfo, Obj

MAX_NODE_SCORE = 100


class Code(IntEnum):
    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2              # preemption might help
    UNRESOLVABLE = 3               # UnschedulableAndUnresolvable: preemption cannot help


@dataclass(frozen=True)
class Status:
    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def ok(self) -> bool:
        return self.code == Code.SUCCESS

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)


SUCCESS = Status()
SKIP = object()          # prepare/prepare_score: nothing to do for this pod


def unschedulable(*reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE, reasons)


def unresolvable(*reasons: str) -> Status:
    return Status(Code.UNRESOLVABLE, reasons)


class Rejected(Exception):
    """Raised by `prepare` when no node can fit the pod, whatever the node."""

    def __init__(self, status: Status):
        super().__init__(status.message)
        self.status = status


@dataclass
class Listers:
    """Lookups beyond nodes and pods; callables so the scheduler can back them by informers."""
    pvc: Callable[[str, str], Obj | None] = lambda namespace, name: None
    pv: Callable[[str], Obj | None] = lambda name: None
    storage_class: Callable[[str], Obj | None] = lambda name: None
    namespace_labels: Callable[[str], dict[str, str] | None] = lambda name: None


@dataclass
class Snapshot:
    nodes: list[NodeInfo]
    listers: Listers = field(default_factory=Listers)

    def __post_init__(self) -> None:
        self.by_name = {n.name: n for n in self.nodes}

    def node(self, name: str) -> NodeInfo | None:
        return self.by_name.get(name)

    def all_pods(self) -> Iterable[tuple[NodeInfo, Obj]]:
        for info in self.nodes:
            for pod in info.pods.values():
                yield info, pod


@runtime_checkable
class FilterPlugin(Protocol):
    name: str

    def prepare(self, pod: Obj, snapshot: Snapshot) -> Any: ...
    def filter(self, pod: Obj, node: NodeInfo, data: Any) -> Status: ...


@runtime_checkable
class ScorePlugin(Protocol):
    name: str
    weight: int

    def prepare_score(self, pod: Obj, snapshot: Snapshot, feasible: list[NodeInfo]) -> Any: ...
    def score(self, pod: Obj, node: NodeInfo, data: Any) -> int: ...
    def normalize(self, scores: list[int]) -> list[int]: ...


class BasePlugin:
    """Defaults for the optional methods, so a plugin writes only what it needs."""
    name = "Base"
    weight = 1

    def prepare(self, pod: Obj, snapshot: Snapshot) -> Any:
        return None

    def prepare_score(self, pod: Obj, snapshot: Snapshot, feasible: list[NodeInfo]) -> Any:
        return None

    def normalize(self, scores: list[int]) -> list[int]:
        return scores


def normalize_max(scores: list[int], reverse: bool = False) -> list[int]:
    """Upstream's DefaultNormalizeScore: scale to 0..100 by the maximum (reversed if asked)."""
    top = max(scores, default=0)
    if top == 0:
        return [MAX_NODE_SCORE if reverse else 0 for _ in scores]
    out = [MAX_NODE_SCORE * s // top for s in scores]
    return [MAX_NODE_SCORE - s for s in out] if reverse else out


# --- pod spec helpers shared by plugins -------------------------------------------------------

def spec(pod: Obj) -> Obj:
    return pod.get("spec") or {}


def labels_of(obj: Obj) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def namespace_of(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("namespace") or ""


def affinity(pod: Obj, kind: str) -> Obj:
    """`nodeAffinity`, `podAffinity` or `podAntiAffinity` of a pod ({} when absent)."""
    return (spec(pod).get("affinity") or {}).get(kind) or {}
