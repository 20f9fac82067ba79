"""Wiring: informers on Services, EndpointSlices and Pods, the DNS server, health and metrics.

`ClusterDns(settings, client)` is what `python -m cluster_dns` runs and what the component
tests run in-process: `await app.start()` binds every port (0 picks free ones), `run()` serves
until `stop()`. `/ready` turns 200 once every informer has synced; until then cluster names
might be missing, so a Service's readiness probe keeps it out of kube-dns's endpoints.
"""
from __future__ import annotations

import asyncio
import logging
import time

from cluster_dns.forward import Forwarder, parse_upstreams
from cluster_dns.handler import DnsHandler
from machinery.status_server import StatusServer
from cluster_dns.metrics import DnsMetrics
from cluster_dns.publish import ServicePublisher
from cluster_dns.resolver import Zone
from cluster_dns.server import DnsServer
from cluster_dns.settings import DnsSettings
from cluster_dns.view import POD_INDEXES, SERVICE_INDEXES, SLICE_INDEXES, ClusterView
from machinery.api import resources
from machinery.client import ApiClient
from machinery.informer import Informer
from machinery.runtime import kv

log = logging.getLogger("cluster_dns")

SERVICES = resources.lookup("", "v1", "services")
ENDPOINT_SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
PODS = resources.lookup("", "v1", "pods")


def _informer(client: ApiClient, info, indexes: dict) -> Informer:
    informer = Informer(client, info)
    for name, fn in indexes.items():
        informer.add_index(name, fn)
    return informer


class ClusterDns:
    def __init__(self, settings: DnsSettings, client: ApiClient):
        self.settings = settings
        self.name = "cluster-dns"
        self.informers = [_informer(client, SERVICES, SERVICE_INDEXES),
                          _informer(client, ENDPOINT_SLICES, SLICE_INDEXES)]
        pods = None
        if settings.pods == "verified":
            pods = _informer(client, PODS, POD_INDEXES)
            self.informers.append(pods)
        elif settings.pods == "disabled":
            pods = _NoPods()
        self.view = ClusterView(self.informers[0], self.informers[1], pods)
        self.zone = Zone(settings.cluster_domain, settings.ttl_s, int(time.time()))
        upstreams = parse_upstreams(settings.upstream, settings.resolv_conf)
        self.forwarder = Forwarder(upstreams, settings.upstream_timeout_s)
        self.metrics = DnsMetrics()
        self.handler = DnsHandler(self.view, self.zone, self.forwarder, self.metrics)
        self.dns = DnsServer(self.handler, settings.bind_address, settings.port)
        self.http = self._status_servers()
        self.extra = []
        if settings.publish_address:
            self.extra.append(ServicePublisher(client, settings.publish_service,
                                               settings.publish_cluster_ip,
                                               settings.publish_address,
                                               # named after the address, so a recreated
                                               # container keeps the same slice
                                               settings.publish_address.replace(".", "-")))
        self._stop = asyncio.Event()

    def _status_servers(self) -> list[StatusServer]:
        s = self.settings
        routes: dict[int, dict] = {}
        if s.health_port:
            routes.setdefault(s.health_port, {})["/health"] = lambda: (200, "text/plain", "OK")
        ready_port = s.ready_port or s.health_port
        if ready_port:
            routes.setdefault(ready_port, {})["/ready"] = self._ready
        if s.metrics_port:
            routes.setdefault(s.metrics_port, {})["/metrics"] = \
                lambda: (200, "text/plain; version=0.0.4", self.metrics.text())
        return [StatusServer(f"http-{port}", s.bind_address, port, r)
                for port, r in routes.items()]

    def _ready(self) -> tuple[int, str, str]:
        if all(i.has_synced for i in self.informers):
            return 200, "text/plain", "OK"
        return 503, "text/plain", "informers not synced\n"

    @property
    def ready(self) -> bool:
        return self._ready()[0] == 200

    async def start(self) -> None:
        await self.dns.start()
        for server in self.http:
            await server.start()
        log.info("started", extra=kv(domain=self.zone.domain, port=self.dns.port,
                                     upstreams=",".join(f"{h}:{p}" for h, p in
                                                        self.forwarder.upstreams) or "none"))

    async def run(self) -> None:
        if not self.dns.started:
            await self.start()
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(r.run(), name=getattr(r, "name", "informer"))
                     for r in (*self.informers, self.dns, *self.http, *self.extra)]
            await self._stop.wait()
            for runnable in (*self.informers, self.dns, *self.http, *self.extra):
                runnable.stop()
            await asyncio.wait(tasks, timeout=5)
            for task in tasks:
                task.cancel()

    def stop(self) -> None:
        self._stop.set()


class _NoPods:
    """`--pods disabled`: no pod names at all."""

    def get(self, key: str, *, copy_: bool = True) -> None:
        return None

    def by_index(self, name: str, value: str, *, copy_: bool = True) -> list:
        return []
