"""The watch cache: one etcd watch per resource, fanned out to every HTTP watcher.

Each cache holds the current objects of its resource (for `resourceVersion=0` lists and for the
synthetic ADDED events of a watch without a start point) and a bounded log of recent events, so a
watcher can start from any resourceVersion still in the log; an older one gets 410 Gone, and the
client relists. Like upstream's cacher, the log keeps recent history, not a fixed count: events
older than `window_s` are dropped once more than `min_events` are held, and never more than
`capacity`, so memory levels off after `window_s` under a steady write rate (a 10,000-event log
at 20 writes/s would grow for eight minutes). Events are dispatched synchronously on the event
loop, so a snapshot followed by a subscription never misses or duplicates an event.
"""
from __future__ import annotations

import asyncio
import collections
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aetcd import rpc

from apiserver.storage.errors import RevisionCompacted
from apiserver.storage.etcd import EtcdStore, prefix_end, readable

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Predicate = Callable[[Obj], bool]


@dataclass(frozen=True)
class Event:
    type: str             # ADDED, MODIFIED, DELETED
    key: str
    obj: Obj              # for DELETED: the last state, carrying the deletion's revision
    prev: Obj | None      # the state before this event, when there was one
    rv: int
    at: float = field(default_factory=time.monotonic, compare=False, repr=False)
    # Encodings shared by every watcher that gets this event unchanged: with many watchers,
    # each event is serialised once per (type, version), not once per watcher.
    encoded: dict = field(default_factory=dict, compare=False, repr=False)


class Subscription:
    """One watcher's queue. Events are filtered by its predicate with upstream's transitions:
    an object that starts matching is ADDED, one that stops matching is DELETED."""

    def __init__(self, cache: "WatchCache", predicate: Predicate, after_rv: int, maxsize: int):
        self.cache = cache
        self.predicate = predicate
        self.after_rv = after_rv
        self.queue: asyncio.Queue[tuple[str, Obj, dict | None] | None] = asyncio.Queue(maxsize)
        self.closed = False

    def offer(self, ev: Event) -> None:
        if self.closed or ev.rv <= self.after_rv:
            return
        typ, obj = self._filter(ev)
        if typ is None:
            return
        try:
            self.queue.put_nowait((typ, obj, ev.encoded if obj is ev.obj else None))
        except asyncio.QueueFull:          # a watcher that cannot keep up is cut off, as upstream
            log.info("watcher too slow, closing it", extra={"prefix": self.cache.prefix})
            self.close()

    def _filter(self, ev: Event) -> tuple[str | None, Obj]:
        if ev.type == "DELETED":
            return ("DELETED" if self.predicate(ev.obj) else None), ev.obj
        now = self.predicate(ev.obj)
        before = ev.prev is not None and self.predicate(ev.prev)
        if ev.type == "ADDED" or not before:
            return ("ADDED" if now else None), ev.obj
        if now:
            return "MODIFIED", ev.obj
        gone = dict(ev.prev)
        gone["metadata"] = {**ev.prev.get("metadata", {}), "resourceVersion": str(ev.rv)}
        return "DELETED", gone

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.cache._subscribers.discard(self)
            try:
                self.queue.put_nowait(None)
            except asyncio.QueueFull:
                pass

    @property
    def bookmark_rv(self) -> int:
        return max(self.after_rv, self.cache.rv)


class WatchCache:
    def __init__(self, store: EtcdStore, prefix: str, capacity: int = 10000,
                 subscriber_queue: int = 10000, window_s: float = 75.0, min_events: int = 100):
        self.store = store
        self.prefix = prefix
        self.capacity = capacity
        self.window_s = window_s          # upstream's eventFreshDuration
        self.min_events = min(min_events, capacity)
        self.subscriber_queue = subscriber_queue
        self.objects: dict[str, Obj] = {}
        self.events: collections.deque[Event] = collections.deque()
        self.rv = 0            # every event up to here has been applied and dispatched
        self.oldest = 0        # a watch may start from any rv >= oldest
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        await self._load()
        self._task = asyncio.create_task(self._run(), name=f"watch-cache {self.prefix}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        for sub in list(self._subscribers):
            sub.close()

    async def _load(self) -> None:
        result = await self.store.list(self.prefix)
        self.objects = {_key(o, self.prefix): o for o in result.items}
        self.rv = self.oldest = result.revision
        self.events.clear()
        self.ready.set()

    # --- serving ----------------------------------------------------------------------------

    def snapshot(self, predicate: Predicate) -> tuple[list[Obj], int]:
        return [o for _, o in sorted(self.objects.items()) if predicate(o)], self.rv

    def subscribe(self, from_rv: int | None, predicate: Predicate) -> Subscription:
        """from_rv None: synthetic ADDED for every current object, then changes.
        Otherwise every change after from_rv; 410 if the log no longer reaches back that far."""
        if from_rv is None:
            sub = Subscription(self, predicate, self.rv, self.subscriber_queue + len(self.objects))
            for _, obj in sorted(self.objects.items()):
                if predicate(obj):
                    sub.queue.put_nowait(("ADDED", obj, None))
        else:
            if from_rv < self.oldest:
                raise RevisionCompacted(from_rv, self.oldest)
            sub = Subscription(self, predicate, from_rv, self.subscriber_queue + len(self.events))
            for ev in self.events:
                sub.offer(ev)
        self._subscribers.add(sub)
        return sub

    # --- following etcd -----------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._follow()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except RevisionCompacted:
                log.warning("watch cache fell behind a compaction, reloading",
                            extra={"prefix": self.prefix})
                for sub in list(self._subscribers):
                    sub.close()
                await self._reload_quietly()
            except Exception as e:  # etcd restarts, network: follow again from where we were
                log.warning("etcd watch broke, resuming", extra={"prefix": self.prefix,
                                                                   "error": repr(e)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _reload_quietly(self) -> None:
        while True:
            try:
                await self._load()
                return
            except Exception:
                await asyncio.sleep(1)

    async def _follow(self) -> None:
        start = self.rv + 1
        key = self.prefix.encode()
        create = rpc.WatchCreateRequest(key=key, range_end=prefix_end(key), start_revision=start,
                                        prev_kv=True, progress_notify=True)
        requests: asyncio.Queue = asyncio.Queue()
        requests.put_nowait(rpc.WatchRequest(create_request=create))

        async def request_stream():
            while True:
                yield await requests.get()

        stub = rpc.WatchStub(self.store.channel)
        async for resp in stub.Watch(request_stream()):
            if resp.compact_revision:
                raise RevisionCompacted(start, resp.compact_revision)
            if resp.canceled:
                raise ConnectionError(f"etcd canceled the watch: {resp.cancel_reason}")
            for e in resp.events:
                self._apply(e)
            # a progress notification (not the "created" reply, which may come before events
            # at lower revisions are sent) says every event up to its revision was sent
            if not resp.events and not resp.created and resp.header.revision > self.rv:
                self.rv = resp.header.revision     # progress notification

    def _apply(self, e) -> None:
        kv = e.kv
        key = kv.key.decode()
        rv = kv.mod_revision
        prev = self._previous(e, key)
        if e.type == rpc.Event.EventType.DELETE:
            if prev is None:
                return
            last = dict(prev)
            last["metadata"] = {**prev.get("metadata", {}), "resourceVersion": str(rv)}
            self.objects.pop(key, None)
            ev = Event("DELETED", key, last, prev, rv)
        else:
            obj = readable(kv.value, rv, key, self.store.transformer)
            if obj is None:                    # not ours to read (another encryption key)
                self.objects.pop(key, None)
                self.rv = rv
                return
            self.objects[key] = obj
            ev = Event("ADDED" if kv.create_revision == rv else "MODIFIED", key, obj, prev, rv)
        self.events.append(ev)
        self._trim(ev.at)
        self.rv = rv
        for sub in list(self._subscribers):
            sub.offer(ev)

    def _trim(self, now: float) -> None:
        events = self.events
        while len(events) > self.capacity or \
                (len(events) > self.min_events and now - events[0].at > self.window_s):
            self.oldest = events.popleft().rv

    def _previous(self, e, key: str) -> Obj | None:
        """The state before event e. Usually the cached object is that state: sharing it (not
        decoding etcd's prev_kv again) halves what the event log holds and saves a decode."""
        cached = self.objects.get(key)
        if not (e.HasField("prev_kv") and e.prev_kv.value):
            return cached
        if cached is not None and \
                cached.get("metadata", {}).get("resourceVersion") == str(e.prev_kv.mod_revision):
            return cached
        return readable(e.prev_kv.value, e.prev_kv.mod_revision, key,
                        self.store.transformer) or cached


def _key(obj: Obj, prefix: str) -> str:
    meta = obj.get("metadata", {})
    ns = meta.get("namespace")
    return f"{prefix}{ns}/{meta.get('name')}" if ns else f"{prefix}{meta.get('name')}"
