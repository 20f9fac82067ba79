"""The controller-manager process: health server, leader election, and the controllers.

    manager = ControllerManager(settings)          # settings built in main() or by a test
    await manager.run()                            # until SIGTERM (or stop_event)

With leader election (the default) the controllers, their informers and event recorders only
start once this instance holds the Lease `kube-controller-manager` in kube-system; losing the
lease raises LeaderElectionLost and the process exits, as upstream's does (crash-only: a
restart campaigns again and rebuilds everything from the api-server). /healthz and /metrics are
served from the start, leader or not.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Iterable

from controller_manager.controllers import CONTROLLERS, ControllerContext
from controller_manager.controllers.context import ControllerFactory
from controller_manager.informers import SharedInformerFactory
from controller_manager.server import Sample, health_server
from controller_manager.settings import ControllerManagerSettings
from machinery.client import ApiClient
from machinery.leaderelection import LeaderElector, identity_for
from machinery.runtime import kv, serve

log = logging.getLogger("controller_manager")


class Workload:
    """Informers, recorders and controllers, started together and stopped in order."""

    def __init__(self, client: ApiClient, settings: ControllerManagerSettings,
                 registry: list[tuple[str, ControllerFactory]] | None = None):
        self.client, self.settings = client, settings
        self.registry = CONTROLLERS if registry is None else registry
        self.name = "controllers"
        self.ctx: ControllerContext | None = None
        self.controllers: list = []
        self._stop = asyncio.Event()

    def build(self) -> ControllerContext:
        self.ctx = ControllerContext(self.client, SharedInformerFactory(self.client),
                                     self.settings)
        self.controllers = [factory(self.ctx) for name, factory in self.registry
                            if self.settings.enabled(name)]
        log.info("controllers built", extra=kv(controllers=",".join(
            c.name for c in self.controllers)))
        return self.ctx

    async def run(self) -> None:
        ctx = self.ctx or self.build()
        parts = [ctx.informers, *ctx.recorders.values(), *self.controllers]
        async with asyncio.TaskGroup() as tg:
            for part in parts:
                tg.create_task(part.run(), name=getattr(part, "name", type(part).__name__))
            await self._stop.wait()
            # controllers drain first (their last writes still record events), then the rest
            await asyncio.gather(*(c.stop() for c in self.controllers))
            for recorder in ctx.recorders.values():
                recorder.stop()
            ctx.informers.stop()

    def stop(self) -> None:
        self._stop.set()


class ControllerManager:
    def __init__(self, settings: ControllerManagerSettings, client: ApiClient | None = None,
                 registry: list[tuple[str, ControllerFactory]] | None = None):
        self.settings = settings
        self.client = client or ApiClient(settings.client_config())
        self.workload = Workload(self.client, settings, registry)
        self.elector = _elector(self.client, settings) if settings.leader_elect else None
        self.server = health_server(settings.bind_address, settings.port,
                                    collectors=[self._metrics])
        self.name = "controller-manager"

    async def run(self, stop_event: asyncio.Event | None = None,
                  handle_signals: bool = True) -> None:
        main = self.workload if self.elector is None else _LeaderGated(self.elector,
                                                                        self.workload)
        await serve(self.server, main, shutdown_timeout_s=self.settings.shutdown_timeout_s,
                    stop_event=stop_event, handle_signals=handle_signals)

    @property
    def is_leader(self) -> bool:
        return self.elector is None or self.elector.is_leader

    def _metrics(self) -> Iterable[tuple[str, str, str, list[Sample]]]:
        name = self.settings.leader_elect_lease_name
        yield ("leader_election_master_status", "1 when this instance leads", "gauge",
               [({"name": name}, 1.0 if self.is_leader else 0.0)])
        controllers = self.workload.controllers
        yield ("workqueue_depth", "Keys waiting in each controller's queue", "gauge",
               [({"name": c.name}, float(len(c.queue))) for c in controllers
                if hasattr(c, "queue")])
        ctx = self.workload.ctx
        informers = ctx.informers.informers if ctx is not None else []
        yield ("informer_cached_objects", "Objects in each shared informer cache", "gauge",
               [({"resource": i.info.group_resource}, float(len(i.keys()))) for i in informers])


def _elector(client: ApiClient, s: ControllerManagerSettings) -> LeaderElector:
    return LeaderElector(
        client, s.leader_elect_lease_name, identity_for(s.leader_elect_lease_name),
        namespace=s.leader_elect_namespace, lease_duration_s=s.leader_elect_lease_duration_s,
        renew_deadline_s=s.leader_elect_renew_deadline_s,
        retry_period_s=s.leader_elect_retry_period_s)


class _LeaderGated:
    """Run the workload only while leading; a graceful stop drains it, then releases."""

    def __init__(self, elector: LeaderElector, workload: Workload):
        self.elector, self.workload = elector, workload
        self.name = "leader-elected-controllers"

    async def run(self) -> None:
        await self.elector.run(self.workload.run)

    def stop(self) -> None:
        self.workload.stop()
        self.elector.stop()
