"""Writes `status.loadBalancer.ingress` on the Ingresses this controller serves.

A level-triggered reconcile per Ingress key: served -> `[{ip: <publish address>}]` (or
`hostname` when the address is a name); no longer served (another class) -> our entry removed,
leaving other controllers' entries alone. Writes only differences, through the status
subresource.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Any, Callable

from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client import ApiClient
from machinery.controller import Controller
from machinery.informer import Informer
from machinery.runtime import kv
from machinery.workqueue import WorkQueue

log = logging.getLogger("ingress_controller.status")
INGRESSES = resources.lookup("networking.k8s.io", "v1", "ingresses")


def address_entry(address: str) -> dict[str, str]:
    try:
        ipaddress.ip_address(address)
        return {"ip": address}
    except ValueError:
        return {"hostname": address}


def desired_status(current: list[dict[str, Any]], entry: dict[str, str],
                   ours: bool) -> list[dict[str, Any]]:
    others = [e for e in current if {k: v for k, v in e.items() if k in ("ip", "hostname")}
              != entry]
    return ([entry] + others) if ours else others


class StatusWriter:
    def __init__(self, client: ApiClient, ingresses: Informer, is_served: Callable[[dict], bool],
                 publish_address: str):
        self.client, self.ingresses, self.is_served = client, ingresses, is_served
        self.entry = address_entry(publish_address) if publish_address else None
        self.controller = Controller("ingress-status", WorkQueue("ingress-status"),
                                     self.reconcile)
        self.name = "ingress-status"

    def enqueue_all(self) -> None:
        for key in self.ingresses.keys():
            self.controller.enqueue(key)

    async def reconcile(self, key: str) -> None:
        if self.entry is None:
            return
        ing = self.ingresses.get(key, copy_=False)
        if ing is None:
            return
        current = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        want = desired_status(current, self.entry, self.is_served(ing))
        if want == current:
            return
        meta = ing["metadata"]
        try:
            await self.client.patch(INGRESSES, meta["name"],
                                    {"status": {"loadBalancer": {"ingress": want}}},
                                    "merge", meta["namespace"], subresource="status")
        except NotFound:
            return
        log.info("ingress status updated", extra=kv(key=key, ingress=want))

    async def run(self) -> None:
        await self.controller.run()

    async def stop(self) -> None:
        await self.controller.stop(drain=False)
