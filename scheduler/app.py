"""The kube-scheduler process: settings, leader election, health/metrics server, main().

    python -m scheduler --kubeconfig /path --scheduler-name default-scheduler \
        --leader-elect true --port 10259

Informers start at once (a standby has a warm cache); only the leader runs the scheduling loop.
Losing the lease ends the process (crash-only, as upstream), and the supervisor restarts it.
"""
from __future__ import annotations

import asyncio
import logging

from dataclasses import dataclass

from machinery.client.api_client import ApiClient
from machinery.events import EventRecorder
from machinery.leaderelection import LeaderElector, identity_for
from machinery.runtime import kv, serve, setup_logging
from machinery.settings import ComponentSettings
from scheduler.metrics import Gauge, SchedulerMetrics
from scheduler.scheduler import Scheduler
from machinery.status_server import StatusServer

log = logging.getLogger("scheduler.app")


@dataclass
class SchedulerSettings(ComponentSettings):
    """tinykube scheduler: binds pods to nodes."""
    scheduler_name: str = "default-scheduler"
    leader_elect: bool = True
    leader_elect_resource_name: str = "kube-scheduler"
    leader_elect_resource_namespace: str = "kube-system"
    leader_elect_lease_duration_s: float = 15.0
    leader_elect_renew_deadline_s: float = 10.0
    leader_elect_retry_period_s: float = 2.0
    bind_address: str = "0.0.0.0"
    port: int = 10259                     # 0: any free port; -1: no health/metrics server
    preemption: bool = True
    node_label_selector: str = ""         # schedule only onto nodes with these labels


class SchedulerApp:
    """Everything one scheduler process runs; `run()` until `stop()` (or leadership is lost)."""

    def __init__(self, settings: SchedulerSettings, client: ApiClient):
        self.settings, self.client = settings, client
        self.name = f"scheduler-app-{settings.scheduler_name}"
        self.metrics = SchedulerMetrics()
        self.recorder = EventRecorder(client, settings.scheduler_name)
        self.scheduler = Scheduler(client, scheduler_name=settings.scheduler_name,
                                   recorder=self.recorder, metrics=self.metrics,
                                   preemption=settings.preemption,
                                   node_label_selector=settings.node_label_selector or None)
        self.elector = self._elector() if settings.leader_elect else None
        self.server = None
        if settings.port >= 0:
            self.server = StatusServer("health-server", settings.bind_address, settings.port, {
                "/healthz": lambda: (200, "text/plain", "ok"),
                "/readyz": self._ready,
                "/metrics": lambda: (200, "text/plain; version=0.0.4", self.metrics.render())})
        self.metrics.add_gauge(Gauge("leader_election_master_status",
                                     "1 while this instance leads.", "name",
                                     lambda: {self.settings.leader_elect_resource_name:
                                              1.0 if self.is_leader else 0.0}))
        self._stop = asyncio.Event()

    def _elector(self) -> LeaderElector:
        s = self.settings
        return LeaderElector(self.client, s.leader_elect_resource_name,
                             identity_for(s.leader_elect_resource_name),
                             namespace=s.leader_elect_resource_namespace,
                             lease_duration_s=s.leader_elect_lease_duration_s,
                             renew_deadline_s=s.leader_elect_renew_deadline_s,
                             retry_period_s=s.leader_elect_retry_period_s)

    @property
    def is_leader(self) -> bool:
        return self.elector.is_leader if self.elector else True

    def _ready(self) -> tuple[int, str, str]:
        synced = all(i.has_synced for i in self.scheduler.informers)
        return (200, "text/plain", "ok") if synced else (500, "text/plain", "informers not synced")

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(self.scheduler.run_informers()),
                     tg.create_task(self.recorder.run())]
            if self.server:
                tasks.append(tg.create_task(self.server.run()))
            if self.elector:
                work = tg.create_task(self.elector.run(self.scheduler.run_loop))
            else:
                work = tg.create_task(self.scheduler.run_loop())
            stop = tg.create_task(self._stop.wait())
            await asyncio.wait([work, stop], return_when=asyncio.FIRST_COMPLETED)
            self._shutdown()
            stop.cancel()

    def _shutdown(self) -> None:
        self.scheduler.stop()
        if self.elector:
            self.elector.stop()
        self.recorder.stop()
        if self.server:
            self.server.stop()

    def stop(self) -> None:
        self._stop.set()


def make_client(settings: SchedulerSettings) -> ApiClient:
    return ApiClient(settings.client_config())


async def amain(settings: SchedulerSettings) -> None:
    client = make_client(settings)
    try:
        app = SchedulerApp(settings, client)
        log.info("starting", extra=kv(scheduler=settings.scheduler_name,
                                      leader_elect=settings.leader_elect, port=settings.port))
        await serve(app)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> None:
    settings = SchedulerSettings.from_argv(argv, prog="python -m scheduler")
    setup_logging("scheduler", settings.log_level)
    asyncio.run(amain(settings))
