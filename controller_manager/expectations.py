"""Expectations: what a controller is still waiting to see in its caches after its own writes.

A ReplicaSet controller that created 3 pods must not count pods again before the pod informer
has delivered those 3 creations, or it would create them twice. As upstream's
ControllerExpectations (with UID-tracking deletions): before writing, the controller records
how many creations and which deletions it expects; the informer handlers mark them observed;
`satisfied(key)` says whether a sync may trust the cache. Expectations expire after
`ttl_s` (upstream: 5 minutes) so that a lost watch event cannot wedge a controller forever.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

EXPECTATIONS_TTL_S = 300.0


@dataclass
class _Expectation:
    adds: int = 0
    deletes: set[str] = field(default_factory=set)
    timestamp: float = 0.0

    def fulfilled(self) -> bool:
        return self.adds <= 0 and not self.deletes


class ControllerExpectations:
    def __init__(self, ttl_s: float = EXPECTATIONS_TTL_S,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self._clock = clock
        self._store: dict[str, _Expectation] = {}

    def satisfied(self, key: str) -> bool:
        """True when the cache can be trusted for `key`: nothing pending, or pending too long."""
        exp = self._store.get(key)
        if exp is None:
            return True
        return exp.fulfilled() or self._clock() - exp.timestamp > self.ttl_s

    def expect_creations(self, key: str, count: int) -> None:
        self._store[key] = _Expectation(adds=count, timestamp=self._clock())

    def expect_deletions(self, key: str, pod_keys: Iterable[str]) -> None:
        self._store[key] = _Expectation(deletes=set(pod_keys), timestamp=self._clock())

    def creation_observed(self, key: str) -> None:
        """A create was seen (or will never happen because the write failed)."""
        exp = self._store.get(key)
        if exp is not None:
            exp.adds -= 1

    def deletion_observed(self, key: str, pod_key: str) -> None:
        exp = self._store.get(key)
        if exp is not None:
            exp.deletes.discard(pod_key)

    def pending(self, key: str) -> tuple[int, int]:
        """(creations, deletions) still expected: for logs and tests."""
        exp = self._store.get(key)
        return (0, 0) if exp is None else (max(exp.adds, 0), len(exp.deletes))

    def delete(self, key: str) -> None:
        self._store.pop(key, None)
