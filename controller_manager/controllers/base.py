"""The common shape of a controller: a work queue of keys, workers, and caches to wait for.

Subclasses register informer handlers that enqueue keys, and implement `reconcile(key)`.
`run()` waits until the informers they read have synced (a sync on an empty cache would
delete or create things for nothing), then runs the workers until `stop()`.
"""
from __future__ import annotations

import asyncio
import logging

from controller_manager.controllers.context import ControllerContext
from machinery.api.resources import ResourceInfo
from machinery.controller import Controller, Result
from machinery.runtime import kv
from machinery.workqueue import WorkQueue

log = logging.getLogger("controller_manager")


class QueueController:
    def __init__(self, name: str, ctx: ControllerContext, workers: int,
                 watched: tuple[ResourceInfo, ...], component: str | None = None):
        self.name = name
        self.ctx = ctx
        self.client = ctx.client
        self.recorder = ctx.recorder(component or f"{name}-controller")
        self.queue = WorkQueue(name)
        self.controller = Controller(name, self.queue, self.reconcile, workers)
        self._watched = watched
        self._stopping = asyncio.Event()

    async def reconcile(self, key: str) -> Result | None:
        raise NotImplementedError

    def enqueue(self, key: str) -> None:
        self.queue.add(key)

    def enqueue_after(self, key: str, delay_s: float) -> None:
        self.queue.add_after(key, delay_s)

    async def run(self) -> None:
        synced = asyncio.ensure_future(self.ctx.informers.wait_synced(*self._watched))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait([synced, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not synced.done():
                synced.cancel()
        if self._stopping.is_set():
            return
        log.info("caches synced", extra=kv(controller=self.name))
        await self.controller.run()

    async def stop(self) -> None:
        self._stopping.set()
        await self.controller.stop()
