"""A bounded-frequency runner, as upstream's BoundedFrequencyRunner.

`run()` asks for a call of `fn` soon; calls are at least `min_interval_s` apart (a burst of
requests collapses into one call), and one happens at least every `max_interval_s` even with no
request. If `fn` returns False (it failed) it is called again after `retry_interval_s`.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

from machinery.runtime import kv

log = logging.getLogger("kube_proxy.runner")


class BoundedFrequencyRunner:
    def __init__(self, name: str, fn: Callable[[], Awaitable[bool]], min_interval_s: float,
                 max_interval_s: float, retry_interval_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        if max_interval_s < min_interval_s:
            raise ValueError("max_interval_s must not be below min_interval_s")
        self.name, self.fn = name, fn
        self.min_interval_s, self.max_interval_s = min_interval_s, max_interval_s
        self.retry_interval_s = retry_interval_s if retry_interval_s is not None \
            else max(min_interval_s, 1.0)
        self.clock = clock
        self.runs = 0
        self._requested = asyncio.Event()
        self._stop = asyncio.Event()
        self._last_run: float | None = None
        self._retry_at: float | None = None

    def run(self) -> None:
        """Request a call as soon as the minimum interval allows."""
        self._requested.set()

    def stop(self) -> None:
        self._stop.set()
        self._requested.set()      # wakes a loop waiting for a request

    async def loop(self) -> None:
        """Call `fn` until `stop()`; the first call happens at once."""
        self._requested.set()
        while not self._stop.is_set():
            await self._wait_for_turn()
            if self._stop.is_set():
                return
            self._requested.clear()
            self._last_run = self.clock()
            self.runs += 1
            try:
                ok = await self.fn()
            except Exception:   # noqa: BLE001 - a failing run must not stop the loop
                log.exception("run failed", extra=kv(runner=self.name))
                ok = False
            self._retry_at = None if ok else self.clock() + self.retry_interval_s

    async def _wait_for_turn(self) -> None:
        """Until (a request, a due retry, or the max interval) and the min interval passed."""
        if self._last_run is None:
            return
        deadline = self._last_run + self.max_interval_s
        if self._retry_at is not None:
            deadline = min(deadline, self._retry_at)
        while not self._requested.is_set() and not self._stop.is_set():
            remaining = deadline - self.clock()
            if remaining <= 0:
                break
            await self._wait(self._requested, remaining)
        earliest = self._last_run + self.min_interval_s
        if (delay := earliest - self.clock()) > 0:
            await self._wait(self._stop, delay)

    @staticmethod
    async def _wait(event: asyncio.Event, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except asyncio.TimeoutError:
            pass
