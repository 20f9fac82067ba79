"""Pods by node, for the controllers that act on "every pod of this node".

`index_pods_by_node(informer)` adds a `spec.nodeName` index to the shared pod informer (the
same index under the same name, whichever controller adds it first); `pods_on_node` reads it.
`mark_not_ready(client, pod, now)` is upstream's MarkPodsNotReady for one pod: the Ready
condition goes False, so that Services stop sending traffic to a node that stopped answering.
"""
from __future__ import annotations

from typing import Any

from machinery.api import resources
from machinery.client import ApiClient
from machinery.informer import Informer

Obj = dict[str, Any]
PODS = resources.lookup("", "v1", "pods")
NODE_INDEX = "spec.nodeName"


def _node_of(pod: Obj) -> str | None:
    return (pod.get("spec") or {}).get("nodeName") or None


def index_pods_by_node(informer: Informer) -> None:
    if NODE_INDEX not in informer._indexers:     # noqa: SLF001 - one shared index
        informer.add_index(NODE_INDEX, _node_of)


def pods_on_node(informer: Informer, node: str) -> list[Obj]:
    """The cached pods bound to `node` (the cache's own objects: do not mutate)."""
    return informer.by_index(NODE_INDEX, node, copy_=False)


def is_ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


async def mark_not_ready(client: ApiClient, pod: Obj, now: str) -> None:
    m = pod.get("metadata") or {}
    patch = {"status": {"conditions": [{"type": "Ready", "status": "False",
                                        "lastTransitionTime": now}]}}
    await client.patch(PODS, m["name"], patch, "strategic", m.get("namespace"),
                       subresource="status")
