"""The resource quota controller: each ResourceQuota's `status` is what its namespace uses.

As upstream's: `status.hard` mirrors `spec.hard`, and `status.used` is recounted from the
objects that exist (machinery/quota.py counts them as the api-server's admission plugin
charges them), which gives back what deleted objects held, and what a create charged at
admission and then failed to write. The update is a compare-and-swap on the quota, so a
charge made meanwhile by admission makes it retry with the newer count. Keyed by namespace.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery import quota as q
from machinery.api import resources
from machinery.api.errors import Conflict, NotFound
from machinery.controller import Result
from machinery.runtime import kv

log = logging.getLogger("controller_manager.resourcequota")

Obj = dict[str, Any]
QUOTAS = resources.lookup("", "v1", "resourcequotas")
COUNTED = tuple(resources.lookup("", "v1", p) for p in (
    "pods", "services", "configmaps", "secrets", "persistentvolumeclaims",
    "replicationcontrollers"))


def namespace_usage(hard: dict[str, Any], quota: Obj, objects: dict) -> dict[str, str]:
    """status.used for `hard`, from {info: objects of the namespace}."""
    used: dict[str, Decimal] = {k: Decimal(0) for k in hard}
    for info, items in objects.items():
        for obj in items:
            if not q.applies(quota, info.plural, info.group, obj):
                continue
            try:
                counted = q.tracked(hard, q.usage(info.plural, info.group, obj))
            except ValueError:
                continue
            for k, v in counted.items():
                used[k] += v
    return {k: q.format_amount(k, v) for k, v in used.items()}


class ResourceQuotaController(QueueController):
    def __init__(self, ctx: ControllerContext, workers: int = 2):
        super().__init__("resourcequota", ctx, workers, (QUOTAS,) + COUNTED,
                         "resourcequota-controller")
        self.quotas = ctx.informers.informer(QUOTAS)
        self.counted = {info: ctx.informers.informer(info) for info in COUNTED}
        handler = self._enqueue_namespace
        self.quotas.add_handler(handler, lambda old, new: handler(new), None)
        for informer in self.counted.values():
            informer.add_handler(handler, lambda old, new: handler(new), handler)

    def _enqueue_namespace(self, obj: Obj) -> None:
        ns = obj["metadata"].get("namespace")
        if ns and any(True for _ in self._quotas_in(ns)):
            self.enqueue(ns)

    def _quotas_in(self, namespace: str):
        return (o for o in self.quotas.list(copy_=False)
                if o["metadata"].get("namespace") == namespace)

    async def reconcile(self, key: str) -> Result | None:
        objects = {info: [o for o in inf.list(copy_=False)
                          if o["metadata"].get("namespace") == key]
                   for info, inf in self.counted.items()}
        for quota in list(self._quotas_in(key)):
            hard = (quota.get("spec") or {}).get("hard") or {}
            status = {"hard": dict(hard), "used": namespace_usage(hard, quota, objects)}
            if quota.get("status") == status:
                continue
            try:
                await self.client.update_status(QUOTAS, {**quota, "status": status})
            except NotFound:
                continue
            except Conflict:
                return Result(requeue=True)
            log.info("quota usage recounted", extra=kv(controller=self.name, namespace=key,
                                                       quota=quota["metadata"]["name"]))
        return None


def new_resourcequota(ctx: ControllerContext) -> ResourceQuotaController:
    return ResourceQuotaController(ctx)
