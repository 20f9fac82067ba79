"""The scheduling queue, as upstream's PriorityQueue: active, back-off and unschedulable pods.

- activeQ: pods ready to be tried, highest `spec.priority` first, then oldest.
- backoffQ: pods that failed, waiting out a per-pod back-off (1 s doubling to 10 s by attempts).
- unschedulable: pods no node fits. They stay until the cluster changes (`move_all()`, called on
  node and pod events), or for at most 5 minutes, so a pod is retried on change, not in a loop.
  A pod that failed while a change happened during its attempt goes to backoffQ directly, so the
  change is not missed.
A pod is in at most one place (or in flight: popped and not yet `done`). The queue stores the
latest object for each key; updates that change only status (our own condition patch) do not
requeue an unschedulable pod.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from scheduler.nodeinfo import Obj, pod_key

INITIAL_BACKOFF_S = 1.0
MAX_BACKOFF_S = 10.0
MAX_UNSCHEDULABLE_S = 300.0


@dataclass
class QueuedPod:
    pod: Obj
    key: str
    added_at: float                 # first time the pod entered the queue (monotonic)
    attempts: int = 0
    last_failure_at: float = 0.0
    cycle: int = 0                  # the scheduling cycle of the last attempt
    extra: dict[str, Any] = field(default_factory=dict)


def _priority(pod: Obj) -> int:
    return int((pod.get("spec") or {}).get("priority") or 0)


def _relevant(pod: Obj) -> tuple:
    """What may change a pod's schedulability: spec and labels/annotations, not status."""
    meta = pod.get("metadata") or {}
    return (pod.get("spec"), meta.get("labels"), meta.get("annotations"))


class SchedulingQueue:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 initial_backoff_s: float = INITIAL_BACKOFF_S,
                 max_backoff_s: float = MAX_BACKOFF_S,
                 max_unschedulable_s: float = MAX_UNSCHEDULABLE_S):
        self._clock = clock
        self.initial_backoff_s, self.max_backoff_s = initial_backoff_s, max_backoff_s
        self.max_unschedulable_s = max_unschedulable_s
        self._pods: dict[str, QueuedPod] = {}      # every pod the queue knows, by key
        self._active: list[tuple[int, float, int, str]] = []
        self._active_keys: set[str] = set()
        self._backoff: list[tuple[float, int, str]] = []
        self._backoff_keys: set[str] = set()
        self._unschedulable: set[str] = set()
        self._in_flight: set[str] = set()
        self._seq = itertools.count()
        self._wakeup = asyncio.Event()
        self._closed = False
        self.cycle = 0                 # incremented by every pop
        self._move_cycle = -1          # the cycle at the last move_all()

    # --- informer events ------------------------------------------------------------------------

    def add(self, pod: Obj) -> None:
        key = pod_key(pod)
        queued = self._pods.get(key)
        if queued is None:
            self._pods[key] = QueuedPod(pod, key, self._clock())
            self._push_active(key)
            return
        changed = _relevant(queued.pod) != _relevant(pod)
        queued.pod = pod
        if changed and key in self._unschedulable:
            self._unschedulable.discard(key)
            self._requeue(queued)

    def delete(self, key: str) -> None:
        self._pods.pop(key, None)
        self._active_keys.discard(key)
        self._backoff_keys.discard(key)
        self._unschedulable.discard(key)

    def move_all(self) -> None:
        """The cluster changed: every unschedulable pod gets another chance (after back-off)."""
        self._move_cycle = self.cycle
        for key in list(self._unschedulable):
            self._unschedulable.discard(key)
            if queued := self._pods.get(key):
                self._requeue(queued)

    # --- the scheduling loop's side -------------------------------------------------------------

    async def pop(self) -> QueuedPod | None:
        """The next pod to try; waits for one. None once closed."""
        while not self._closed:
            self._flush()
            while self._active:
                _, _, _, key = heapq.heappop(self._active)
                if key in self._active_keys and key in self._pods:
                    self._active_keys.discard(key)
                    self._in_flight.add(key)
                    self.cycle += 1
                    queued = self._pods[key]
                    queued.attempts += 1
                    queued.cycle = self.cycle
                    return queued
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), self._next_wake_s())
            except asyncio.TimeoutError:
                pass
        return None

    def done(self, key: str) -> None:
        """The pod was bound (or is gone): forget it."""
        self._in_flight.discard(key)
        self._pods.pop(key, None)

    def unschedulable(self, queued: QueuedPod) -> None:
        """No node fits; park the pod until something changes."""
        self._in_flight.discard(queued.key)
        if queued.key not in self._pods:
            return                         # deleted meanwhile
        queued.last_failure_at = self._clock()
        if self._move_cycle >= queued.cycle:
            self._push_backoff(queued)     # the cluster changed during the attempt
        else:
            self._unschedulable.add(queued.key)

    def retry(self, queued: QueuedPod) -> None:
        """An error (a failed binding, an API error): try again after the back-off."""
        self._in_flight.discard(queued.key)
        if queued.key in self._pods:
            queued.last_failure_at = self._clock()
            self._push_backoff(queued)

    def close(self) -> None:
        self._closed = True
        self._wakeup.set()

    # --- bookkeeping ----------------------------------------------------------------------------

    def backoff_s(self, attempts: int) -> float:
        return min(self.initial_backoff_s * 2 ** max(attempts - 1, 0), self.max_backoff_s)

    def _backoff_expiry(self, queued: QueuedPod) -> float:
        return queued.last_failure_at + self.backoff_s(queued.attempts)

    def _requeue(self, queued: QueuedPod) -> None:
        if queued.key in self._in_flight:
            return
        if queued.attempts and self._backoff_expiry(queued) > self._clock():
            self._push_backoff(queued)
        else:
            self._push_active(queued.key)

    def _push_active(self, key: str) -> None:
        if key in self._active_keys or key in self._in_flight:
            return
        self._backoff_keys.discard(key)
        queued = self._pods[key]
        self._active_keys.add(key)
        heapq.heappush(self._active, (-_priority(queued.pod), queued.added_at,
                                      next(self._seq), key))
        self._wakeup.set()

    def _push_backoff(self, queued: QueuedPod) -> None:
        self._backoff_keys.add(queued.key)
        heapq.heappush(self._backoff, (self._backoff_expiry(queued), next(self._seq),
                                       queued.key))
        self._wakeup.set()

    def _flush(self) -> None:
        now = self._clock()
        while self._backoff and self._backoff[0][0] <= now:
            _, _, key = heapq.heappop(self._backoff)
            if key in self._backoff_keys and key in self._pods:
                self._backoff_keys.discard(key)
                self._push_active(key)
        for key in list(self._unschedulable):
            queued = self._pods.get(key)
            if queued and now - queued.last_failure_at >= self.max_unschedulable_s:
                self._unschedulable.discard(key)
                self._requeue(queued)

    def _next_wake_s(self) -> float:
        now = self._clock()
        wake = now + min(self.max_unschedulable_s, 30.0)
        if self._backoff:
            wake = min(wake, self._backoff[0][0])
        return max(wake - now, 0.001)

    # --- introspection (metrics, tests) ---------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {"active": len(self._active_keys), "backoff": len(self._backoff_keys),
                "unschedulable": len(self._unschedulable)}

    def __contains__(self, key: str) -> bool:
        return key in self._pods
