"""The garbage collector's view of ownership: every object by uid, and who depends on whom.

Built from informer events (upsert on add/update, remove on delete), as upstream's GraphBuilder
"uidToNode". Pure bookkeeping, no I/O: the collector asks it which objects depend on an owner,
and which of those block the owner's foreground deletion (`blockOwnerDeletion: true`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from machinery.api.resources import ResourceInfo

Obj = dict[str, Any]
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"


@dataclass
class Node:
    uid: str
    info: ResourceInfo
    namespace: str | None
    name: str
    owner_refs: list[Obj] = field(default_factory=list)
    deleting: bool = False
    finalizers: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def deleting_dependents(self) -> bool:
        """Being deleted in the foreground: waiting for its blocking dependents to go."""
        return self.deleting and FOREGROUND in self.finalizers

    def ref_to(self, owner_uid: str) -> Obj | None:
        return next((r for r in self.owner_refs if r.get("uid") == owner_uid), None)


def node_for(info: ResourceInfo, obj: Obj) -> Node | None:
    meta = obj.get("metadata") or {}
    uid = meta.get("uid")
    if not uid:
        return None
    return Node(uid, info, meta.get("namespace"), meta.get("name", ""),
                [dict(r) for r in meta.get("ownerReferences") or []],
                bool(meta.get("deletionTimestamp")), tuple(meta.get("finalizers") or ()))


class OwnerGraph:
    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._dependents: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._nodes)

    def get(self, uid: str) -> Node | None:
        return self._nodes.get(uid)

    def upsert(self, node: Node) -> Node | None:
        """Add or replace a node; the previous version (None when new)."""
        old = self._nodes.get(node.uid)
        if old is not None:
            self._unlink(old)
        self._nodes[node.uid] = node
        for ref in node.owner_refs:
            if owner := ref.get("uid"):
                self._dependents.setdefault(owner, set()).add(node.uid)
        return old

    def remove(self, uid: str) -> Node | None:
        node = self._nodes.pop(uid, None)
        if node is not None:
            self._unlink(node)
        return node

    def _unlink(self, node: Node) -> None:
        for ref in node.owner_refs:
            deps = self._dependents.get(ref.get("uid", ""))
            if deps is not None:
                deps.discard(node.uid)
                if not deps:
                    del self._dependents[ref["uid"]]

    def dependents(self, owner_uid: str) -> list[Node]:
        return [self._nodes[u] for u in sorted(self._dependents.get(owner_uid, ()))
                if u in self._nodes]

    def has_dependents(self, owner_uid: str) -> bool:
        return bool(self._dependents.get(owner_uid))

    def blocking_dependents(self, owner_uid: str) -> list[Node]:
        """Dependents whose reference to the owner has blockOwnerDeletion: true."""
        return [d for d in self.dependents(owner_uid)
                if (d.ref_to(owner_uid) or {}).get("blockOwnerDeletion")]

    def owners(self, node: Node) -> list[Node]:
        """The owners of `node` that are in the graph."""
        return [o for r in node.owner_refs if (o := self._nodes.get(r.get("uid", "")))]
