"""The root CA certificate publisher: ConfigMap `kube-root-ca.crt` in every namespace.

As upstream's root-ca-cert-publisher: each active namespace holds a ConfigMap
`kube-root-ca.crt` whose `ca.crt` is the cluster CA, so pods can verify the api-server (the
`kube-api-access-*` projected volume mounts it). A deleted or edited one is put back. The CA
is the one in the controller-manager's own kubeconfig (upstream: --root-ca-file, which
defaults to it). Keyed by namespace.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from controller_manager.controllers.base import QueueController
from controller_manager.controllers.context import ControllerContext
from machinery.api import resources
from machinery.api.errors import AlreadyExists, Conflict, Forbidden, NotFound
from machinery.controller import Result
from machinery.runtime import kv

log = logging.getLogger("controller_manager.rootcacert")

Obj = dict[str, Any]
NAMESPACES = resources.lookup("", "v1", "namespaces")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
NAME = "kube-root-ca.crt"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using "
               "internal endpoints such as the internal service IP or kubernetes.default.svc. "
               "No other usage is guaranteed across distributions of Kubernetes clusters.")


class RootCACertPublisher(QueueController):
    def __init__(self, ctx: ControllerContext, ca_pem: str, workers: int = 1):
        super().__init__("root-ca-cert-publisher", ctx, workers, (NAMESPACES, CONFIGMAPS))
        self.ca_pem = ca_pem
        self.namespaces = ctx.informers.informer(NAMESPACES)
        self.configmaps = ctx.informers.informer(CONFIGMAPS)
        self.namespaces.add_handler(self._ns_event, lambda old, new: self._ns_event(new))
        self.configmaps.add_handler(on_update=lambda old, new: self._cm_event(new),
                                    on_delete=self._cm_event)

    def _ns_event(self, ns: Obj) -> None:
        self.enqueue(ns["metadata"]["name"])

    def _cm_event(self, cm: Obj) -> None:
        if cm["metadata"]["name"] == NAME:
            self.enqueue(cm["metadata"]["namespace"])

    async def reconcile(self, key: str) -> Result | None:
        ns = self.namespaces.get(key, copy_=False)
        if ns is None or ns["metadata"].get("deletionTimestamp") or \
                (ns.get("status") or {}).get("phase") == "Terminating":
            return None
        current = self.configmaps.get_by_name(NAME, key, copy_=False)
        try:
            if current is None:
                await self.client.create(CONFIGMAPS, self._desired(key), key)
                log.info("published root CA", extra=kv(controller=self.name, namespace=key))
            elif (current.get("data") or {}) != {"ca.crt": self.ca_pem}:
                body = {**self._desired(key), "metadata": {
                    **current["metadata"], "annotations": {
                        **(current["metadata"].get("annotations") or {}),
                        "kubernetes.io/description": DESCRIPTION}}}
                await self.client.update(CONFIGMAPS, body)
                log.info("restored root CA", extra=kv(controller=self.name, namespace=key))
        except (AlreadyExists, Conflict):
            return Result(requeue=True)         # our cache is behind: look again
        except (NotFound, Forbidden):
            return None                         # the namespace went away or is terminating
        return None

    def _desired(self, namespace: str) -> Obj:
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": NAME, "namespace": namespace,
                             "annotations": {"kubernetes.io/description": DESCRIPTION}},
                "data": {"ca.crt": self.ca_pem}}


def cluster_ca_pem(ctx: ControllerContext) -> str:
    config = ctx.client.config
    if config.ca_data:
        return config.ca_data.decode()
    if config.ca_file:
        return Path(config.ca_file).read_text()
    return ""


def new_rootcacert(ctx: ControllerContext) -> RootCACertPublisher:
    return RootCACertPublisher(ctx, cluster_ca_pem(ctx))
