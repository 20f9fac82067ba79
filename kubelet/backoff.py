"""Crash-loop back-off, as upstream's kubelet: 10 s doubling to 5 min, per pod and container.

The back-off is forgotten once the container ran (or waited) longer than twice the maximum
(10 min) since the last restart, so a container that crashes once a day starts fresh.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

INITIAL_S = 10.0
MAX_S = 300.0


@dataclass
class _Entry:
    delay_s: float
    last_update: float


class Backoff:
    def __init__(self, initial_s: float = INITIAL_S, max_s: float = MAX_S,
                 clock: Callable[[], float] = time.time):
        self.initial_s, self.max_s, self.clock = initial_s, max_s, clock
        self._entries: dict[str, _Entry] = {}

    def _fresh(self, key: str, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and now - entry.last_update > 2 * self.max_s:
            del self._entries[key]
            return None
        return entry

    def delay_s(self, key: str) -> float:
        entry = self._fresh(key, self.clock())
        return entry.delay_s if entry else 0.0

    def in_backoff_since(self, key: str, finished_at: float) -> float:
        """Seconds still to wait before restarting a container that finished at `finished_at`
        (0 if it may restart now)."""
        now = self.clock()
        entry = self._fresh(key, now)
        if entry is None:
            return 0.0
        return max(0.0, finished_at + entry.delay_s - now)

    def next(self, key: str) -> float:
        """Record a restart; the delay the following restart will have to wait."""
        now = self.clock()
        entry = self._fresh(key, now)
        if entry is None:
            entry = self._entries[key] = _Entry(self.initial_s, now)
        else:
            entry.delay_s = min(entry.delay_s * 2, self.max_s)
            entry.last_update = now
        return entry.delay_s

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def forget_prefix(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]
