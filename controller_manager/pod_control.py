"""Creating and deleting pods for a controller, with upstream's events and batching.

`PodControl.create_from_template` builds a pod from a pod template (labels, annotations,
finalizers and spec copied; `generateName: <owner>-`; the owner's controllerRef) and records
SuccessfulCreate / FailedCreate events on the owner; `delete` records SuccessfulDelete /
FailedDelete. `slow_start_batch` runs many creates in batches of 1, 2, 4, ... and stops at the
first failing batch, so a quota or admission error costs one request, not hundreds.
"""
from __future__ import annotations

import asyncio
import copy
from typing import Any, Awaitable, Callable

from machinery.api import resources
from machinery.api.errors import ApiError, Forbidden
from machinery.client import ApiClient
from machinery.events import NORMAL, WARNING, EventRecorder

Obj = dict[str, Any]
PODS = resources.lookup("", "v1", "pods")


def pod_from_template(template: Obj, owner: Obj, controller_ref: Obj | None) -> Obj:
    """The pod a controller creates from `template` (upstream's GetPodFromTemplate)."""
    tmeta = template.get("metadata") or {}
    owner_meta = owner.get("metadata") or {}
    meta: Obj = {"generateName": f"{owner_meta['name']}-",
                 "namespace": owner_meta.get("namespace")}
    for field in ("labels", "annotations", "finalizers"):
        if tmeta.get(field):
            meta[field] = copy.deepcopy(tmeta[field])
    if controller_ref is not None:
        meta["ownerReferences"] = [dict(controller_ref)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


def namespace_terminating(error: Exception) -> bool:
    """A create refused because the namespace is going away: not worth retrying."""
    if not isinstance(error, Forbidden):
        return False
    causes = ((getattr(error, "details", None) or {}).get("causes")) or []
    return any(c.get("reason") == "NamespaceTerminating" for c in causes) or \
        "being terminated" in str(error)


class PodControl:
    def __init__(self, client: ApiClient, recorder: EventRecorder):
        self.client, self.recorder = client, recorder

    async def create_from_template(self, template: Obj, owner: Obj, controller_ref: Obj,
                                   owner_kind: str, owner_api_version: str) -> Obj:
        pod = pod_from_template(template, owner, controller_ref)
        if not (pod["metadata"].get("labels")):
            raise ValueError("unable to create pods, no labels")
        try:
            created = await self.client.create(PODS, pod, pod["metadata"]["namespace"])
        except ApiError as e:
            if not namespace_terminating(e):
                self.recorder.event(owner, WARNING, "FailedCreate", f"Error creating: {e}",
                                    kind=owner_kind, api_version=owner_api_version)
            raise
        self.recorder.event(owner, NORMAL, "SuccessfulCreate",
                            f"Created pod: {created['metadata']['name']}",
                            kind=owner_kind, api_version=owner_api_version)
        return created

    async def delete(self, pod: Obj, owner: Obj, owner_kind: str, owner_api_version: str
                     ) -> None:
        meta = pod["metadata"]
        try:
            await self.client.delete(PODS, meta["name"], meta.get("namespace"),
                                     preconditions={"uid": meta["uid"]} if meta.get("uid")
                                     else None)
        except ApiError as e:
            if getattr(e, "code", 0) != 404:
                self.recorder.event(owner, WARNING, "FailedDelete", f"Error deleting: {e}",
                                    kind=owner_kind, api_version=owner_api_version)
            raise
        self.recorder.event(owner, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta['name']}",
                            kind=owner_kind, api_version=owner_api_version)


async def slow_start_batch(count: int, initial_batch: int,
                           fn: Callable[[], Awaitable[Any]]) -> tuple[int, Exception | None]:
    """Call fn `count` times in growing parallel batches; (successes, first error)."""
    remaining, successes = count, 0
    batch = min(remaining, initial_batch)
    while batch > 0:
        results = await asyncio.gather(*(fn() for _ in range(batch)), return_exceptions=True)
        errors = [r for r in results if isinstance(r, Exception)]
        successes += batch - len(errors)
        if errors:
            return successes, errors[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None
