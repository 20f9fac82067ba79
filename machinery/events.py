"""An event recorder: core/v1 Events about objects, as client-go's `tools/record`.

    recorder = EventRecorder(client, "default-scheduler")
    recorder.event(pod, "Normal", "Scheduled", "Successfully assigned ns/p to node-1")
    await serve(recorder, ...)          # its run() sends the events in the background

`event()` never blocks and never raises: the event goes into a bounded queue (dropped, with a
log line, when full) and one background task writes it. Repeats of the same event (same
object, type, reason, message and source) are aggregated as upstream's EventCorrelator does:
the first creates `<object name>.<hex nanoseconds>`, the following ones PATCH that Event's
`count` and `lastTimestamp` instead of creating new objects.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError, NotFound
from machinery.client.api_client import ApiClient, TransportError
from machinery.runtime import kv

log = logging.getLogger("machinery.events")

EVENTS = resources.lookup("", "v1", "events")
NORMAL, WARNING = "Normal", "Warning"
CACHE_SIZE = 4096          # client-go's maxLruCacheEntries
QUEUE_SIZE = 1000          # client-go's broadcaster queue length
WRITE_ATTEMPTS = 3


def rfc3339(epoch_s: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


def object_reference(obj: dict[str, Any], kind: str | None = None,
                     api_version: str | None = None) -> dict[str, Any]:
    """The ObjectReference of an object (kind/apiVersion may be missing on list items)."""
    meta = obj.get("metadata") or {}
    ref = {"kind": kind or obj.get("kind"), "namespace": meta.get("namespace"),
           "name": meta.get("name"), "uid": meta.get("uid"),
           "apiVersion": api_version or obj.get("apiVersion"),
           "resourceVersion": meta.get("resourceVersion")}
    return {k: v for k, v in ref.items() if v}


@dataclass
class _Seen:
    name: str
    namespace: str
    count: int
    first_timestamp: str


class EventRecorder:
    def __init__(self, client: ApiClient, component: str, host: str | None = None, *,
                 queue_size: int = QUEUE_SIZE):
        self.client, self.component, self.host = client, component, host
        self.name = f"event-recorder-{component}"
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(queue_size)
        self._seen: OrderedDict[tuple, _Seen] = OrderedDict()
        self._last_nanos = 0
        self.dropped = 0

    # --- the caller's side: never blocks --------------------------------------------------------

    def event(self, obj: dict[str, Any], type_: str, reason: str, message: str, *,
              kind: str | None = None, api_version: str | None = None) -> None:
        if type_ not in (NORMAL, WARNING):
            log.warning("unsupported event type", extra=kv(type=type_, reason=reason))
            return
        ref = object_reference(obj, kind, api_version)
        item = {"ref": ref, "type": type_, "reason": reason, "message": message,
                "time": time.time()}
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % 100 == 1:       # one line per hundred drops, not a flood
                log.warning("event queue full, dropping events",
                            extra=kv(object=_ref_key(ref), reason=reason, dropped=self.dropped))

    def eventf(self, obj: dict[str, Any], type_: str, reason: str, fmt: str, *args: Any,
               **kwargs: Any) -> None:
        self.event(obj, type_, reason, fmt % args if args else fmt, **kwargs)

    # --- the background writer ------------------------------------------------------------------

    async def run(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                if item is None:
                    return
                await self._record(item)
            finally:
                self._queue.task_done()

    def stop(self) -> None:
        """Write what is queued, then end `run()`."""
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            pass    # run() is cancelled by serve() after its timeout instead

    async def flush(self) -> None:
        """Wait until every event queued so far was written (tests, graceful stops)."""
        await self._queue.join()

    async def _record(self, item: dict[str, Any]) -> None:
        key = self._aggregation_key(item)
        for attempt in range(WRITE_ATTEMPTS):
            try:
                await self._write(key, item)
                return
            except (TransportError, ApiError) as e:
                if attempt == WRITE_ATTEMPTS - 1 or not _retryable(e):
                    log.warning("could not write event",
                                extra=kv(object=_ref_key(item["ref"]), reason=item["reason"],
                                         error=str(e)))
                    return
                await asyncio.sleep(0.2 * 2 ** attempt)

    async def _write(self, key: tuple, item: dict[str, Any]) -> None:
        seen = self._seen.get(key)
        now = rfc3339(item["time"])
        if seen is not None:
            patch = {"count": seen.count + 1, "lastTimestamp": now}
            try:
                await self.client.patch(EVENTS, seen.name, patch, "strategic", seen.namespace)
                seen.count += 1
                self._seen.move_to_end(key)
                return
            except NotFound:          # expired or deleted: start a new series
                del self._seen[key]
        body = self._new_event(item, now)
        meta = body["metadata"]
        try:
            await self.client.create(EVENTS, body, meta["namespace"])
        except AlreadyExists:
            return
        self._remember(key, _Seen(meta["name"], meta["namespace"], 1, now))

    def _new_event(self, item: dict[str, Any], now: str) -> dict[str, Any]:
        ref = item["ref"]
        namespace = ref.get("namespace") or "default"   # cluster-scoped objects: "default"
        source = {"component": self.component}
        if self.host:
            source["host"] = self.host
        return {"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": f"{ref.get('name')}.{self._unique_hex()}",
                             "namespace": namespace},
                "involvedObject": ref, "reason": item["reason"], "message": item["message"],
                "source": source, "firstTimestamp": now, "lastTimestamp": now, "count": 1,
                "type": item["type"], "eventTime": None,
                "reportingComponent": self.component, "reportingInstance": self.host or ""}

    def _unique_hex(self) -> str:
        """Upstream names events `<name>.<%x of UnixNano>`; strictly increasing here."""
        nanos = max(time.time_ns(), self._last_nanos + 1)
        self._last_nanos = nanos
        return f"{nanos:x}"

    def _aggregation_key(self, item: dict[str, Any]) -> tuple:
        ref = item["ref"]
        return (self.component, self.host, ref.get("kind"), ref.get("namespace"),
                ref.get("name"), ref.get("uid"), ref.get("apiVersion"), item["type"],
                item["reason"], item["message"])

    def _remember(self, key: tuple, seen: _Seen) -> None:
        self._seen[key] = seen
        if len(self._seen) > CACHE_SIZE:
            self._seen.popitem(last=False)


def _retryable(error: Exception) -> bool:
    if isinstance(error, TransportError):
        return True
    return getattr(error, "code", 0) in (429, 500, 503, 504)


def _ref_key(ref: dict[str, Any]) -> str:
    ns = ref.get("namespace")
    return f"{ref.get('kind')}/{ns}/{ref.get('name')}" if ns else f"{ref.get('kind')}/{ref.get('name')}"
