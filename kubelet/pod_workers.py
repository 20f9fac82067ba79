"""One worker task per pod: syncs of a pod never overlap, different pods run in parallel.

`update(uid)` wakes the pod's worker (creating it); the worker runs `sync(uid)`, which returns
when to look again (seconds), None for "only when woken", or DONE when the pod is gone for good
(the worker then ends). A sync that raises is retried after a short back-off.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from machinery.runtime import kv

log = logging.getLogger("kubelet.pod_workers")
DONE = -1.0
SyncFn = Callable[[str], Awaitable[float | None]]


class _Worker:
    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None


class PodWorkers:
    def __init__(self, sync: SyncFn, error_backoff_s: float = 2.0):
        self.sync = sync
        self.error_backoff_s = error_backoff_s
        self._workers: dict[str, _Worker] = {}
        self._stopping = False

    def update(self, uid: str) -> None:
        if self._stopping:
            return
        worker = self._workers.get(uid)
        if worker is None:
            worker = self._workers[uid] = _Worker()
            worker.task = asyncio.create_task(self._loop(uid, worker), name=f"pod-{uid[:8]}")
        worker.wake.set()

    def uids(self) -> list[str]:
        return list(self._workers)

    async def _loop(self, uid: str, worker: _Worker) -> None:
        try:
            while True:
                worker.wake.clear()
                delay = await self._sync_once(uid)
                if delay == DONE:
                    return
                await self._sleep(worker, delay)
        finally:
            if self._workers.get(uid) is worker:
                del self._workers[uid]

    async def _sync_once(self, uid: str) -> float | None:
        try:
            return await self.sync(uid)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("pod sync failed", extra=kv(uid=uid, error=f"{type(e).__name__}: {e}"),
                        exc_info=log.isEnabledFor(logging.DEBUG))
            return self.error_backoff_s

    @staticmethod
    async def _sleep(worker: _Worker, delay: float | None) -> None:
        try:
            await asyncio.wait_for(worker.wake.wait(), delay)
        except asyncio.TimeoutError:
            pass

    async def stop(self) -> None:
        self._stopping = True
        tasks = [w.task for w in self._workers.values() if w.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
