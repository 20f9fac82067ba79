"""Workers around a level-triggered `reconcile(key)`, as controller-runtime's controller.

`reconcile(key)` reads the whole current state for `key` (usually from informer caches),
makes the world match the spec, and returns:

- None or `Result()`: done; the key's back-off is reset.
- `Result(requeue_after_s=30)`: done for now, look again in 30 s (back-off reset).
- `Result(requeue=True)`: look again after the rate limiter's back-off.
- raises an exception: logged, retried with per-key exponential back-off.
- raises `TerminalError`: logged, not retried (retrying cannot help), back-off reset.

The work queue guarantees a key is reconciled by one worker at a time, so `reconcile` needs no
per-key locking. `stop()` shuts the queue down with drain: queued keys still run, then `run()`
returns.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from machinery.runtime import kv
from machinery.workqueue import WorkQueue

log = logging.getLogger("machinery.controller")


@dataclass(frozen=True)
class Result:
    requeue_after_s: float | None = None
    requeue: bool = False


class TerminalError(Exception):
    """A reconcile error that retrying cannot fix (for example an invalid spec)."""


Reconcile = Callable[[str], Awaitable["Result | None"]]


class Controller:
    def __init__(self, name: str, queue: WorkQueue, reconcile: Reconcile, workers: int = 1):
        self.name = name
        self.queue = queue
        self.reconcile = reconcile
        self.workers = workers

    def enqueue(self, key: str) -> None:
        self.queue.add(key)

    async def run(self) -> None:
        """Run the workers until the queue is shut down (by `stop()`) and drained."""
        log.info("starting controller", extra=kv(controller=self.name, workers=self.workers))
        async with asyncio.TaskGroup() as tg:
            for i in range(self.workers):
                tg.create_task(self._worker(), name=f"{self.name}-worker-{i}")
        log.info("controller stopped", extra=kv(controller=self.name))

    async def stop(self, drain: bool = True) -> None:
        await self.queue.shut_down(drain=drain)

    async def _worker(self) -> None:
        while (key := await self.queue.get()) is not None:
            try:
                await self.process(key)
            finally:
                self.queue.done(key)

    async def process(self, key: str) -> None:
        """Reconcile one key and decide when (whether) it comes back."""
        started = time.monotonic()
        try:
            result = await self.reconcile(key)
        except TerminalError as e:
            self.queue.forget(key)
            log.error("reconcile failed permanently",
                      extra=kv(controller=self.name, key=key, error=str(e)))
            return
        except Exception as e:   # noqa: BLE001 - any failure is retried with back-off
            retries = self.queue.num_requeues(key)
            self.queue.add_rate_limited(key)
            log.warning("reconcile failed, will retry",
                        extra=kv(controller=self.name, key=key, retries=retries + 1,
                                 error=f"{type(e).__name__}: {e}"),
                        exc_info=log.isEnabledFor(logging.DEBUG))
            return
        log.debug("reconciled", extra=kv(controller=self.name, key=key,
                                         duration_ms=round((time.monotonic() - started) * 1000)))
        if result is not None and result.requeue_after_s is not None:
            self.queue.forget(key)
            self.queue.add_after(key, result.requeue_after_s)
        elif result is not None and result.requeue:
            self.queue.add_rate_limited(key)
        else:
            self.queue.forget(key)
