"""Wiring: informers, the route table, the HTTP and HTTPS proxies, status and health.

`IngressController(settings, client)` is what `python -m ingress_controller` runs and what the
component tests run in-process: `await start()` binds every port (0 picks free ones), `run()`
serves until `stop()`. The route table is rebuilt lazily, on the first request after an
Ingress or IngressClass changed; endpoints are read from the caches on every request, so an
endpoint change needs no rebuild at all.
"""
from __future__ import annotations

import asyncio
import logging

from ingress_controller.backends import Balancer, slice_service_key
from ingress_controller.classes import is_ours, our_classes, served
from ingress_controller.default_class import ensure_default_class
from ingress_controller.metrics import IngressMetrics
from ingress_controller.proxy import ProxyServer, Timeouts
from ingress_controller.routing import RouteTable, build_table
from ingress_controller.settings import IngressSettings
from ingress_controller.status import StatusWriter
from machinery.status_server import StatusServer
from ingress_controller.tls import Certificates
from machinery.api import resources
from machinery.client import ApiClient
from machinery.informer import Informer
from machinery.runtime import kv

log = logging.getLogger("ingress_controller")

INGRESSES = resources.lookup("networking.k8s.io", "v1", "ingresses")
INGRESS_CLASSES = resources.lookup("networking.k8s.io", "v1", "ingressclasses")
SERVICES = resources.lookup("", "v1", "services")
ENDPOINT_SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
SECRETS = resources.lookup("", "v1", "secrets")


class IngressController:
    def __init__(self, settings: IngressSettings, client: ApiClient):
        self.settings = s = settings
        self.client = client
        self.name = "ingress-controller"
        ns = s.watch_namespace or None
        self.ingresses = Informer(client, INGRESSES, ns)
        self.classes = Informer(client, INGRESS_CLASSES)
        self.services = Informer(client, SERVICES, ns)
        self.slices = Informer(client, ENDPOINT_SLICES, ns)
        self.slices.add_index("service", slice_service_key)
        self.secrets = Informer(client, SECRETS, ns, field_selector="type=kubernetes.io/tls")
        self.informers = [self.ingresses, self.classes, self.services, self.slices, self.secrets]
        self.metrics = IngressMetrics()
        self._table, self._dirty = RouteTable(), True
        self.status = StatusWriter(client, self.ingresses, self.serves, s.publish_address)
        self._watch_changes()
        balancer = Balancer(self.services, self.slices)
        timeouts = Timeouts(s.connect_timeout_s, s.read_timeout_s, s.keepalive_timeout_s)
        self.http = ProxyServer(self.table, balancer, host=s.bind_address, port=s.http_port,
                                timeouts=timeouts, metrics=self.metrics)
        self.https = None
        if s.https_port:
            certs = Certificates(self.secrets, self.table)
            self.https = ProxyServer(self.table, balancer, host=s.bind_address,
                                     port=s.https_port, scheme="https",
                                     ssl_context=certs.server_context(), timeouts=timeouts,
                                     metrics=self.metrics)
        self.health = StatusServer("health", s.bind_address, s.health_port, {
            "/healthz": self._healthz,
            "/metrics": lambda: (200, "text/plain; version=0.0.4", self.metrics.text())},
        ) if s.health_port else None
        self._stop = asyncio.Event()

    def _watch_changes(self) -> None:
        def ingress_changed(obj: dict) -> None:
            self._dirty = True
            self.status.controller.enqueue(_key(obj))

        def class_changed(_obj: dict) -> None:
            self._dirty = True
            self.status.enqueue_all()
        self.ingresses.add_handler(ingress_changed, lambda old, new: ingress_changed(new),
                                   ingress_changed)
        self.classes.add_handler(class_changed, lambda old, new: class_changed(new),
                                 class_changed)

    # --- the routing state ----------------------------------------------------------------------

    def serves(self, ingress: dict) -> bool:
        names, default = our_classes(self.classes.list(copy_=False),
                                     self.settings.controller_name, self.settings.ingress_class)
        return is_ours(ingress, names, default) and \
            not (ingress.get("metadata") or {}).get("deletionTimestamp")

    def table(self) -> RouteTable:
        if self._dirty:
            self._dirty = False
            mine = served(self.ingresses.list(copy_=False), self.classes.list(copy_=False),
                          self.settings.controller_name, self.settings.ingress_class)
            self._table = build_table(mine)
            self.metrics.config_reloads += 1
            log.info("routes rebuilt", extra=kv(ingresses=len(mine),
                                                hosts=len(self._table.hosts)
                                                + len(self._table.wildcards)))
        return self._table

    # --- running --------------------------------------------------------------------------------

    @property
    def synced(self) -> bool:
        return all(i.has_synced for i in self.informers)

    def _healthz(self) -> tuple[int, str, str]:
        return (200, "text/plain", "ok") if self.synced else \
            (503, "text/plain", "informers not synced\n")

    def _servers(self) -> list:
        return [x for x in (self.http, self.https, self.health) if x is not None]

    async def start(self) -> None:
        if self.settings.ensure_class:
            await ensure_default_class(self.client, self.settings.ingress_class,
                                       self.settings.controller_name)
        for server in self._servers():
            await server.start()

    async def run(self) -> None:
        if not self.http.started:
            await self.start()
        runnables = [*self.informers, *self._servers(), self.status]
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(r.run(), name=getattr(r, "name", "informer"))
                     for r in runnables]
            await self._stop.wait()
            for r in runnables:
                result = r.stop()
                if asyncio.iscoroutine(result):
                    await result
            await asyncio.wait(tasks, timeout=5)
            for task in tasks:
                task.cancel()

    def stop(self) -> None:
        self._stop.set()


def _key(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"
