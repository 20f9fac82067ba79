"""ControllerRevisions: the template history of DaemonSets and StatefulSets (upstream's history).

A revision stores what changes between rollouts, `{"spec": {"template": <template with
"$patch": "replace">}}`, under the name `<owner>-<hash>` with the hash (FNV-32a of that data,
plus collisionCount) also in the `controller-revision-hash` label that the owner's pods carry.
Its labels are the template's (so `kubectl rollout history` finds it with the owner's
selector), its annotations the owner's (change-cause), its controllerRef the owner.
`sync_revisions` finds or creates the current revision (an earlier revision that matches
again gets the next number: a rollback), then deletes old revisions beyond
revisionHistoryLimit that no pod uses any more.
"""
from __future__ import annotations

import copy
import json
from typing import Any, Iterable

from controller_manager.controller_ref import controller_ref, is_controlled_by, meta
from controller_manager.deployment_util import fnv32a, safe_encode
from machinery.api import resources
from machinery.api.errors import AlreadyExists, NotFound
from machinery.client import ApiClient

Obj = dict[str, Any]
REVISIONS = resources.lookup("apps", "v1", "controllerrevisions")
HASH_LABEL = "controller-revision-hash"


def revision_data(owner: Obj) -> Obj:
    template = copy.deepcopy((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def _canonical(data: Obj) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def revision_hash(data: Obj, collision_count: int | None = None) -> str:
    raw = _canonical(data).encode()
    if collision_count:
        raw += collision_count.to_bytes(4, "little")
    return safe_encode(str(fnv32a(raw)))


def revision_number(rev: Obj) -> int:
    return int(rev.get("revision") or 0)


def same_data(rev: Obj, data: Obj) -> bool:
    return _canonical(rev.get("data") or {}) == _canonical(data)


def new_revision(owner: Obj, api_version: str, kind: str, data: Obj, number: int,
                 collision_count: int | None) -> Obj:
    h = revision_hash(data, collision_count)
    template_labels = ((owner.get("spec") or {}).get("template") or {}).get("metadata", {})
    labels = dict((template_labels or {}).get("labels") or {})
    labels[HASH_LABEL] = h
    m = meta(owner)
    rev_meta: Obj = {"name": f"{m['name']}-{h}", "namespace": m["namespace"], "labels": labels,
                     "ownerReferences": [controller_ref(owner, api_version, kind)]}
    if m.get("annotations"):
        rev_meta["annotations"] = dict(m["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": rev_meta,
            "data": data, "revision": number}


def owned_revisions(all_in_namespace: Iterable[Obj], owner: Obj) -> list[Obj]:
    revs = [r for r in all_in_namespace if is_controlled_by(r, owner)]
    return sorted(revs, key=lambda r: (revision_number(r), meta(r).get("name")))


async def current_revision(client: ApiClient, owner: Obj, api_version: str, kind: str,
                           revisions: list[Obj]) -> Obj:
    """The revision of the owner's current template: an existing one (renumbered to be the
    latest if it was an older one), or a new one."""
    data = revision_data(owner)
    latest = max((revision_number(r) for r in revisions), default=0)
    for rev in revisions:
        if same_data(rev, data):
            if revision_number(rev) < latest:
                rev = await client.update(REVISIONS, {**rev, "revision": latest + 1})
            return rev
    collisions = int((owner.get("status") or {}).get("collisionCount") or 0)
    body = new_revision(owner, api_version, kind, data, latest + 1, collisions)
    try:
        return await client.create(REVISIONS, body)
    except AlreadyExists:
        existing = await client.get(REVISIONS, body["metadata"]["name"],
                                    meta(owner)["namespace"])
        if is_controlled_by(existing, owner) and same_data(existing, data):
            return existing
        raise HashCollision(meta(owner)["name"]) from None


class HashCollision(Exception):
    """Another object holds the revision name: the owner's collisionCount must go up."""


async def prune_revisions(client: ApiClient, revisions: list[Obj], keep: set[str],
                          limit: int) -> None:
    """Delete the oldest revisions beyond `limit`, never those named in `keep` (in use)."""
    candidates = [r for r in revisions if meta(r)["name"] not in keep]
    excess = len(candidates) - limit
    for rev in candidates[:max(excess, 0)]:
        try:
            await client.delete(REVISIONS, meta(rev)["name"], meta(rev)["namespace"])
        except NotFound:
            pass
