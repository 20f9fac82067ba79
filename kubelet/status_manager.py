"""Writes pod status to the api-server: only what changed, as a merge PATCH of pods/status.

The kubelet owns most of a pod's status; conditions it does not own (PodScheduled, readiness
gates) are carried over by the status computation. A status equal to the one last written, or
to the one the api-server already has, is not written again (no no-op writes).
"""
from __future__ import annotations

import logging
from typing import Any

from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client.api_client import ApiClient
from machinery.runtime import kv

log = logging.getLogger("kubelet.status")
PODS = resources.lookup("", "v1", "pods")
Obj = dict[str, Any]


def _comparable(status: Obj) -> Obj:
    """The status without fields that only say "when we last looked"."""
    out = dict(status)
    out["conditions"] = sorted(
        ({k: v for k, v in c.items() if k not in ("lastProbeTime",)}
         for c in status.get("conditions") or []), key=lambda c: c.get("type", ""))
    return out


def same_status(a: Obj | None, b: Obj | None) -> bool:
    if a is None or b is None:
        return False
    keys = set(a) | set(b)
    ca, cb = _comparable(a), _comparable(b)
    return all(ca.get(k) == cb.get(k) for k in keys if k not in ("message", "reason",
                                                                 "nominatedNodeName"))


class StatusManager:
    def __init__(self, client: ApiClient):
        self.client = client
        self._sent: dict[str, Obj] = {}          # uid -> status last written

    async def update(self, pod: Obj, status: Obj) -> bool:
        """Write `status` if it differs from what the server has; True if written."""
        meta = pod["metadata"]
        uid = meta["uid"]
        if same_status(status, self._sent.get(uid)) or same_status(status, pod.get("status")):
            return False
        try:
            await self.client.patch(PODS, meta["name"], {"status": status}, "merge",
                                    meta.get("namespace"), subresource="status")
        except NotFound:
            log.debug("pod gone before its status was written", extra=kv(pod=meta["name"]))
            return False
        self._sent[uid] = status
        log.info("pod status updated", extra=kv(
            pod=f"{meta.get('namespace')}/{meta['name']}", phase=status.get("phase"),
            ip=status.get("podIP", "")))
        return True

    def forget(self, uid: str) -> None:
        self._sent.pop(uid, None)

    async def delete_pod(self, pod: Obj) -> None:
        """The last step of graceful deletion: remove the object, if it is still this pod."""
        meta = pod["metadata"]
        try:
            await self.client.delete(PODS, meta["name"], meta.get("namespace"), grace_period_s=0,
                                     preconditions={"uid": meta["uid"]})
        except NotFound:
            return
        log.info("pod deleted", extra=kv(pod=f"{meta.get('namespace')}/{meta['name']}"))
