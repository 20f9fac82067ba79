"""The service account controller: a `default` ServiceAccount in every namespace.

As upstream's ServiceAccountsController: every active namespace gets the ServiceAccounts the
controller is configured with (upstream: just `default`); one that is deleted comes back.
Namespaces being deleted are left alone (the create would be refused anyway). Keyed by
namespace.
"""
from __future__ import annotations

import logging
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import AlreadyExists, Forbidden, NotFound
from machinery.controller import Result
from machinery.runtime import kv

log = logging.getLogger("controller_manager.serviceaccount")

Obj = dict[str, Any]
NAMESPACES = resources.lookup("", "v1", "namespaces")
SERVICEACCOUNTS = resources.lookup("", "v1", "serviceaccounts")
DEFAULT_ACCOUNTS = ("default",)


class ServiceAccountController(QueueController):
    def __init__(self, ctx: ControllerContext, accounts: tuple[str, ...] = DEFAULT_ACCOUNTS,
                 workers: int = 1):
        super().__init__("serviceaccount", ctx, workers, (NAMESPACES, SERVICEACCOUNTS),
                         "service-account-controller")
        self.accounts = accounts
        self.namespaces = ctx.informers.informer(NAMESPACES)
        self.serviceaccounts = ctx.informers.informer(SERVICEACCOUNTS)
        self.namespaces.add_handler(self._ns_event, lambda old, new: self._ns_event(new))
        self.serviceaccounts.add_handler(on_delete=self._sa_deleted)

    def _ns_event(self, ns: Obj) -> None:
        self.enqueue(ns["metadata"]["name"])

    def _sa_deleted(self, sa: Obj) -> None:
        if sa["metadata"]["name"] in self.accounts:
            self.enqueue(sa["metadata"]["namespace"])

    async def reconcile(self, key: str) -> Result | None:
        ns = self.namespaces.get(key, copy_=False)
        if ns is None or (ns.get("status") or {}).get("phase") == "Terminating" or \
                ns["metadata"].get("deletionTimestamp"):
            return None
        for name in self.accounts:
            if self.serviceaccounts.get_by_name(name, key, copy_=False) is not None:
                continue
            body = {"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": name, "namespace": key}}
            try:
                await self.client.create(SERVICEACCOUNTS, body, key)
            except AlreadyExists:
                continue            # our cache is behind: it is there
            except (NotFound, Forbidden):
                return None         # the namespace went away or is terminating
            log.info("created service account", extra=kv(controller=self.name, namespace=key,
                                                         serviceaccount=name))
        return None


def new_serviceaccount(ctx: ControllerContext) -> ServiceAccountController:
    return ServiceAccountController(ctx)
