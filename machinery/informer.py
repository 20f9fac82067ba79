"""A list-watch informer: a local, always-catching-up cache of one resource, with handlers.

The loop, as client-go's reflector: LIST (paged), replace the cache and tell the handlers what
changed, mark synced, then WATCH from the list's resourceVersion with bookmarks. A 410 Gone
(the RV was compacted) means relist; a broken connection or a server error means back off and
re-watch from the last RV seen. Optionally, every `resync_s` every cached object is replayed to
`on_update(obj, obj)`, so that controllers periodically re-check the world.

The cache holds the server's objects. `get()`/`list()` return deep copies by default; the
`copy=False` variants and the objects passed to handlers are the cache's own: never mutate
them. Handlers should only enqueue keys; the work happens in a controller's reconcile.
"""
from __future__ import annotations

import asyncio
import copy
import logging
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from machinery.api.errors import ApiError, Gone
from machinery.api.resources import ResourceInfo
from machinery.client.api_client import ApiClient, TransportError
from machinery.client.watch import ADDED, BOOKMARK, DELETED, MODIFIED
from machinery.runtime import kv

log = logging.getLogger("machinery.informer")

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], "Iterable[str] | str | None"]


def object_key(obj: Obj) -> str:
    """`namespace/name` for namespaced objects, `name` otherwise (client-go's MetaNamespaceKey)."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name')}" if ns else meta.get("name", "")


def split_key(key: str) -> tuple[str | None, str]:
    ns, sep, name = key.partition("/")
    return (ns, name) if sep else (None, key)


def _rv(obj: Obj) -> str | None:
    return (obj.get("metadata") or {}).get("resourceVersion")


@dataclass
class Handler:
    on_add: Callable[[Obj], None] | None = None
    on_update: Callable[[Obj, Obj], None] | None = None
    on_delete: Callable[[Obj], None] | None = None


class Informer:
    def __init__(self, client: ApiClient, info: ResourceInfo, namespace: str | None = None, *,
                 label_selector: str | None = None, field_selector: str | None = None,
                 resync_s: float | None = None, page_size: int = 500,
                 watch_timeout_s: tuple[int, int] = (300, 600), max_backoff_s: float = 30.0):
        self.client, self.info, self.namespace = client, info, namespace
        self.label_selector, self.field_selector = label_selector, field_selector
        self.resync_s, self.page_size = resync_s, page_size
        self.watch_timeout_s, self.max_backoff_s = watch_timeout_s, max_backoff_s
        self.name = f"informer-{info.group_resource}"
        self.last_resource_version: str | None = None
        self._cache: dict[str, Obj] = {}
        self._handlers: list[Handler] = []
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        self._synced = asyncio.Event()
        self._stop = asyncio.Event()

    # --- handlers and indexes -------------------------------------------------------------------

    def add_handler(self, on_add: Callable[[Obj], None] | None = None,
                    on_update: Callable[[Obj, Obj], None] | None = None,
                    on_delete: Callable[[Obj], None] | None = None) -> None:
        """Register handlers; objects already cached are replayed to `on_add`, as client-go."""
        handler = Handler(on_add, on_update, on_delete)
        self._handlers.append(handler)
        for obj in list(self._cache.values()):
            self._call(handler.on_add, obj)

    def add_key_handler(self, enqueue: Callable[[str], None],
                        key_fn: Callable[[Obj], str | None] = object_key) -> None:
        """The common case: every add/update/delete enqueues the object's key."""
        def add(obj: Obj) -> None:
            if (key := key_fn(obj)) is not None:
                enqueue(key)
        self.add_handler(add, lambda old, new: add(new), add)

    def add_index(self, name: str, fn: IndexFunc) -> None:
        """fn(obj) -> the index values of obj (a str, several, or None): e.g. spec.nodeName."""
        self._indexers[name] = fn
        self._indices[name] = {}
        for key, obj in self._cache.items():
            self._index(name, key, obj)

    def by_index(self, name: str, value: str, *, copy_: bool = True) -> list[Obj]:
        keys = self._indices[name].get(value, ())
        return [self._out(self._cache[k], copy_) for k in sorted(keys)]

    # --- reading the cache ----------------------------------------------------------------------

    def get(self, key: str, *, copy_: bool = True) -> Obj | None:
        obj = self._cache.get(key)
        return None if obj is None else self._out(obj, copy_)

    def get_by_name(self, name: str, namespace: str | None = None, *,
                    copy_: bool = True) -> Obj | None:
        return self.get(f"{namespace}/{name}" if namespace else name, copy_=copy_)

    def list(self, *, copy_: bool = True) -> list[Obj]:
        return [self._out(o, copy_) for o in self._cache.values()]

    def keys(self) -> list[str]:
        return list(self._cache)

    @staticmethod
    def _out(obj: Obj, copy_: bool) -> Obj:
        return copy.deepcopy(obj) if copy_ else obj

    @property
    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self, timeout_s: float | None = None) -> None:
        await asyncio.wait_for(self._synced.wait(), timeout_s)

    # --- running --------------------------------------------------------------------------------

    async def run(self) -> None:
        """List and watch until `stop()`; owned by `serve()` or a TaskGroup.

        It may run again after it returned: the cache is kept, and the first relist reports
        what changed meanwhile to the handlers.
        """
        async with asyncio.TaskGroup() as tg:
            main = tg.create_task(self._list_watch_loop(), name=self.name)
            resync = tg.create_task(self._resync_loop(), name=f"{self.name}-resync")
            await self._stop.wait()
            main.cancel()
            resync.cancel()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def _list_watch_loop(self) -> None:
        need_list, failures, expired = True, 0, 0
        while True:
            try:
                if need_list:
                    await self._list_and_replace()
                    need_list = False
                await self._watch()
                failures = expired = 0   # the server closed the watch normally: re-watch
            except Gone as e:
                # relist at once; only a server that keeps expiring fresh RVs gets a pause
                log.info("watch expired, relisting",
                         extra=kv(resource=self.info.group_resource, error=e.message))
                need_list, failures, expired = True, 0, expired + 1
                if expired > 1:
                    await asyncio.sleep(self._backoff_s(expired - 1))
            except (TransportError, ApiError, ValueError) as e:
                failures += 1
                delay = self._backoff_s(failures)
                log.warning("list/watch failed, backing off",
                            extra=kv(resource=self.info.group_resource, relist=need_list,
                                     rv=self.last_resource_version, delay_s=round(delay, 2),
                                     error=str(e)))
                await asyncio.sleep(delay)

    def _backoff_s(self, failures: int) -> float:
        """0.2 s doubling up to max_backoff_s, with jitter so informers do not stampede."""
        delay = min(0.2 * 2 ** (failures - 1), self.max_backoff_s)
        return delay * (0.5 + random.random() / 2)

    async def _list_and_replace(self) -> None:
        items, rv = await self._list_pages()
        fresh = {object_key(o): o for o in items}
        old = self._cache
        self._cache = fresh
        self._rebuild_indices()
        self.last_resource_version = rv
        for key, obj in fresh.items():
            if key not in old:
                self._notify_add(obj)
            elif _rv(old[key]) != _rv(obj):
                self._notify_update(old[key], obj)
        for key, obj in old.items():
            if key not in fresh:
                self._notify_delete(obj)
        log.debug("listed", extra=kv(resource=self.info.group_resource, items=len(fresh), rv=rv))
        self._synced.set()

    async def _list_pages(self) -> tuple[list[Obj], str | None]:
        items: list[Obj] = []
        token, limit = None, self.page_size
        while True:
            try:
                page = await self.client.list(
                    self.info, self.namespace, label_selector=self.label_selector,
                    field_selector=self.field_selector, limit=limit, continue_=token)
            except Gone:
                if token is None:
                    raise
                # the continue token expired mid-list: start over in one unpaged list
                items, token, limit = [], None, None
                continue
            items.extend(page.get("items") or [])
            meta = page.get("metadata") or {}
            token = meta.get("continue")
            if not token:
                return items, meta.get("resourceVersion")

    async def _watch(self) -> None:
        timeout = random.randint(*self.watch_timeout_s)
        async for event in self.client.watch(
                self.info, self.namespace, resource_version=self.last_resource_version,
                label_selector=self.label_selector, field_selector=self.field_selector,
                allow_bookmarks=True, timeout_s=timeout):
            self._apply(event.type, event.object)

    def _apply(self, kind: str, obj: Obj) -> None:
        if kind == BOOKMARK:
            self.last_resource_version = _rv(obj) or self.last_resource_version
            return
        key = object_key(obj)
        if kind in (ADDED, MODIFIED):
            old = self._cache.get(key)
            self._store(key, obj)
            if old is None:
                self._notify_add(obj)
            else:
                self._notify_update(old, obj)
        elif kind == DELETED:
            old = self._cache.pop(key, None)
            self._unindex(key, old)
            self._notify_delete(obj)   # the event carries the last state
        self.last_resource_version = _rv(obj) or self.last_resource_version

    async def _resync_loop(self) -> None:
        if not self.resync_s:
            return
        await self._synced.wait()
        while True:
            await asyncio.sleep(self.resync_s)
            for obj in list(self._cache.values()):
                self._notify_update(obj, obj)

    # --- cache and index bookkeeping ----------------------------------------------------------

    def _store(self, key: str, obj: Obj) -> None:
        self._unindex(key, self._cache.get(key))
        self._cache[key] = obj
        for name in self._indexers:
            self._index(name, key, obj)

    def _index_values(self, name: str, obj: Obj) -> list[str]:
        values = self._indexers[name](obj)
        if values is None:
            return []
        return [values] if isinstance(values, str) else list(values)

    def _index(self, name: str, key: str, obj: Obj) -> None:
        for value in self._index_values(name, obj):
            self._indices[name].setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj | None) -> None:
        if obj is None:
            return
        for name in self._indexers:
            for value in self._index_values(name, obj):
                keys = self._indices[name].get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del self._indices[name][value]

    def _rebuild_indices(self) -> None:
        self._indices = {name: {} for name in self._indexers}
        for key, obj in self._cache.items():
            for name in self._indexers:
                self._index(name, key, obj)

    # --- handler dispatch -----------------------------------------------------------------------

    def _notify_add(self, obj: Obj) -> None:
        for h in self._handlers:
            self._call(h.on_add, obj)

    def _notify_update(self, old: Obj, new: Obj) -> None:
        for h in self._handlers:
            self._call(h.on_update, old, new)

    def _notify_delete(self, obj: Obj) -> None:
        for h in self._handlers:
            self._call(h.on_delete, obj)

    def _call(self, fn: Callable[..., None] | None, *args: Obj) -> None:
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:   # noqa: BLE001 - a handler bug must not stop the informer
            log.exception("informer handler failed",
                          extra=kv(resource=self.info.group_resource,
                                   key=object_key(args[-1])))
