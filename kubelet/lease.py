"""The node's heartbeat: a Lease in kube-node-lease renewed every 10 s (a quarter of 40 s).

As upstream's lease controller: the Lease is owned by the Node (deleted with it), held by the
node's name, and renewed with a PUT of the last copy (a Conflict re-reads it).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any, Callable

from machinery.api import resources
from machinery.api.errors import ApiError, Conflict, NotFound
from machinery.client.api_client import ApiClient, TransportError
from machinery.runtime import kv

log = logging.getLogger("kubelet.lease")
LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")
NAMESPACE = "kube-node-lease"
Obj = dict[str, Any]


def micro_time() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaseRenewer:
    def __init__(self, client: ApiClient, node_name: str, duration_s: int = 40,
                 node_uid: Callable[[], str | None] = lambda: None):
        self.client, self.node_name, self.duration_s = client, node_name, duration_s
        self.node_uid = node_uid
        self.name = "node-lease"
        self.lease: Obj | None = None
        self.renewals = 0
        self._stop = asyncio.Event()

    @property
    def interval_s(self) -> float:
        return self.duration_s / 4

    def _new(self) -> Obj:
        meta: Obj = {"name": self.node_name, "namespace": NAMESPACE}
        if uid := self.node_uid():
            meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node",
                                        "name": self.node_name, "uid": uid}]
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta,
                "spec": {"holderIdentity": self.node_name,
                         "leaseDurationSeconds": self.duration_s, "renewTime": micro_time()}}

    async def renew_once(self) -> None:
        if self.lease is None:
            try:
                self.lease = await self.client.get(LEASES, self.node_name, NAMESPACE)
            except NotFound:
                self.lease = await self.client.create(LEASES, self._new(), NAMESPACE)
                self.renewals += 1
                return
        lease = {**self.lease, "spec": {**(self.lease.get("spec") or {}),
                                        "holderIdentity": self.node_name,
                                        "leaseDurationSeconds": self.duration_s,
                                        "renewTime": micro_time()}}
        try:
            self.lease = await self.client.update(LEASES, lease)
            self.renewals += 1
        except (Conflict, NotFound):
            self.lease = None        # re-read (or re-create) on the next attempt
            raise

    async def run(self) -> None:
        while not self._stop.is_set():
            delay = self.interval_s
            try:
                await self.renew_once()
            except (ApiError, TransportError) as e:
                log.warning("lease renewal failed", extra=kv(node=self.node_name, error=str(e)))
                delay = min(delay, 1.0)          # retry soon: the lease is the heartbeat
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except asyncio.TimeoutError:
                pass

    def stop(self) -> None:
        self._stop.set()
