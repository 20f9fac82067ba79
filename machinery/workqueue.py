"""A work queue of object keys for controllers, with client-go's semantics, on asyncio.

- Dedup: a key added many times before a worker takes it is processed once.
- One at a time: a key being processed is never handed to a second worker; adding it meanwhile
  marks it dirty and it is queued again when the first worker calls `done(key)`.
- `add_after(key, delay_s)`: the key is added later (the earliest pending time wins).
- `add_rate_limited(key)`: added after the rate limiter's delay: per-key exponential back-off
  (5 ms doubling up to 1000 s) and an overall token bucket (10 qps, burst 100), the larger of the
  two, as client-go's DefaultControllerRateLimiter. `forget(key)` resets the key's back-off.
- `shut_down(drain=True)`: no new adds; workers still receive what is queued, and the call waits
  until the queue is empty and nothing is in flight. `get()` returns None once shut down and empty.

Workers use it as `key = await q.get(); try: ... finally: q.done(key)`.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Callable, Protocol


class RateLimiter(Protocol):
    def when(self, key: str) -> float: ...          # seconds to wait before the key is re-added
    def forget(self, key: str) -> None: ...
    def num_requeues(self, key: str) -> int: ...


class ItemExponentialBackoff:
    """base * 2^failures per key, capped; failures count up until `forget`."""

    def __init__(self, base_s: float = 0.005, max_s: float = 1000.0):
        self.base_s, self.max_s = base_s, max_s
        self._failures: dict[str, int] = {}

    def when(self, key: str) -> float:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        if failures > 1000:          # 2**1000 overflows float math; it is the cap anyway
            return self.max_s
        return min(self.base_s * 2 ** failures, self.max_s)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    def num_requeues(self, key: str) -> int:
        return self._failures.get(key, 0)


class TokenBucket:
    """An overall limit: every call takes a token; the delay is how long until it is there."""

    def __init__(self, qps: float = 10.0, burst: int = 100,
                 clock: Callable[[], float] = time.monotonic):
        self.qps, self.burst, self._clock = qps, burst, clock
        self._tokens = float(burst)
        self._last = clock()

    def when(self, key: str) -> float:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, key: str) -> None:
        pass

    def num_requeues(self, key: str) -> int:
        return 0


class MaxOf:
    """The longest delay of several limiters (every limiter sees every call)."""

    def __init__(self, *limiters: RateLimiter):
        self.limiters = limiters

    def when(self, key: str) -> float:
        return max(limiter.when(key) for limiter in self.limiters)

    def forget(self, key: str) -> None:
        for limiter in self.limiters:
            limiter.forget(key)

    def num_requeues(self, key: str) -> int:
        return max(limiter.num_requeues(key) for limiter in self.limiters)


def default_controller_rate_limiter() -> RateLimiter:
    return MaxOf(ItemExponentialBackoff(0.005, 1000.0), TokenBucket(10.0, 100))


class WorkQueue:
    def __init__(self, name: str = "", rate_limiter: RateLimiter | None = None):
        self.name = name
        self.rate_limiter = rate_limiter or default_controller_rate_limiter()
        self._queue: deque[str] = deque()
        self._dirty: set[str] = set()          # keys that need processing (queued or re-added)
        self._processing: set[str] = set()
        self._delayed: dict[str, tuple[float, asyncio.TimerHandle]] = {}
        self._shutting_down = False
        self._changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def add(self, key: str) -> None:
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.append(key)
            self._notify()

    def add_after(self, key: str, delay_s: float) -> None:
        if self._shutting_down:
            return
        if delay_s <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        ready_at = loop.time() + delay_s
        pending = self._delayed.get(key)
        if pending is not None:
            if pending[0] <= ready_at:
                return                  # an earlier add is already scheduled
            pending[1].cancel()
        self._delayed[key] = (ready_at, loop.call_at(ready_at, self._fire, key))

    def _fire(self, key: str) -> None:
        self._delayed.pop(key, None)
        self.add(key)

    def add_rate_limited(self, key: str) -> None:
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: str) -> None:
        self.rate_limiter.forget(key)

    def num_requeues(self, key: str) -> int:
        return self.rate_limiter.num_requeues(key)

    async def get(self) -> str | None:
        """The next key, marked in flight; None once the queue is shut down and empty."""
        while not self._queue:
            if self._shutting_down:
                return None
            await self._wait_change()
        key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: str) -> None:
        """A worker finished `key`; if it was re-added meanwhile, queue it again now."""
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
        self._notify()

    async def shut_down(self, drain: bool = True) -> None:
        """Stop accepting keys. drain=True waits for queued and in-flight keys to finish;
        drain=False drops what is queued (in-flight keys still end with `done`)."""
        self._shutting_down = True
        for _, timer in self._delayed.values():
            timer.cancel()
        self._delayed.clear()
        if not drain:
            self._dirty.clear()        # nor re-queue in-flight keys that were re-added
            self._queue.clear()
        self._notify()
        while drain and (self._queue or self._processing):
            await self._wait_change()

    def _notify(self) -> None:
        # wake every waiter once; each re-checks its own condition
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self) -> None:
        await self._changed.wait()
