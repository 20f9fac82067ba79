"""Shared pieces of the tests of the second batch of controllers (endpoints, node lifecycle,
jobs, sets, ...): chosen controllers running in-process with test settings (short timers),
and a fresh namespace per test.

    async with running(api_server.kubeconfig, ["endpoints"], node_monitor_grace_period_s=3):
        ...
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from typing import Any, AsyncIterator

from controller_manager.app import Workload
from controller_manager.controllers import CONTROLLERS
from controller_manager.controllers.context import ControllerFactory
from controller_manager.settings import ControllerManagerSettings
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client import ApiClient
from tests.component.cm_harness import eventually  # noqa: F401 - re-exported for the tests

Obj = dict[str, Any]
NAMESPACES = resources.lookup("", "v1", "namespaces")


@dataclasses.dataclass
class ShortTimerSettings(ControllerManagerSettings):
    """The controller-manager settings plus the flags of these controllers (short timers)."""
    cluster_cidr: str = "10.244.0.0/16"
    node_cidr_mask_size: int = 24
    node_monitor_grace_period_s: float = 3.0
    node_monitor_period_s: float = 0.5
    node_startup_grace_period_s: float = 10.0
    job_pod_failure_backoff_s: float = 0.1


def registry_for(names: list[str], extra: dict[str, ControllerFactory] | None = None
                 ) -> list[tuple[str, ControllerFactory]]:
    """The factories of `names`, from CONTROLLERS or `extra` (controllers not yet listed)."""
    known = dict(CONTROLLERS) | (extra or {})
    return [(n, known[n]) for n in names]


class Running:
    def __init__(self, client: ApiClient, workload: Workload, task: asyncio.Task):
        self.client, self.workload, self.task = client, workload, task

    def controller(self, name: str):
        return next(c for c in self.workload.controllers if c.name == name)

    async def flush_events(self) -> None:
        for recorder in self.workload.ctx.recorders.values():
            await recorder.flush()


@contextlib.asynccontextmanager
async def running(kubeconfig: str, names: list[str], *,
                  extra: dict[str, ControllerFactory] | None = None,
                  **settings: Any) -> AsyncIterator[Running]:
    client = ApiClient.from_kubeconfig(kubeconfig)
    cfg = ShortTimerSettings(kubeconfig=kubeconfig, controllers="*", leader_elect=False, **settings)
    workload = Workload(client, cfg, registry_for(names, extra))
    ctx = workload.build()
    task = asyncio.create_task(workload.run())
    try:
        await ctx.informers.wait_synced(timeout_s=30)
        yield Running(client, workload, task)
    finally:
        workload.stop()
        await asyncio.wait_for(task, 30)
        await client.close()


@contextlib.asynccontextmanager
async def namespace(client: ApiClient, prefix: str = "cm2") -> AsyncIterator[str]:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    await client.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                     "metadata": {"name": name}})
    try:
        yield name
    finally:
        with contextlib.suppress(NotFound):
            await client.delete(NAMESPACES, name)


def pod(name: str, labels: dict[str, str], *, ports: list[Obj] | None = None, **spec: Any
        ) -> Obj:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": "busybox",
                                     "ports": ports or []}], **spec}}


def running_status(pod_: Obj, ip: str, ready: bool = True, node: str | None = None) -> Obj:
    """A pod's status as a kubelet reports a running pod."""
    now = "2024-01-01T00:00:00Z"
    flag = "True" if ready else "False"
    return {**pod_, "status": {
        "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "10.0.0.1",
        "conditions": [{"type": "Ready", "status": flag, "lastTransitionTime": now},
                       {"type": "ContainersReady", "status": flag, "lastTransitionTime": now}]}}
