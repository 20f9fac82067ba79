"""One informer per resource for the whole process, as client-go's SharedInformerFactory.

Controllers ask the factory for the informers they need while they are built; the factory runs
them all (one list+watch each, however many controllers read the cache) and lets controllers
wait until the caches they read have synced. Every namespaced informer gets a `namespace`
index, since nearly every controller lists "the pods (or replica sets) of this namespace".
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from machinery.api.resources import ResourceInfo
from machinery.client import ApiClient
from machinery.informer import Informer
from machinery.runtime import kv

log = logging.getLogger("controller_manager.informers")

NAMESPACE_INDEX = "namespace"
Obj = dict[str, Any]


def _namespace_of(obj: Obj) -> str | None:
    return (obj.get("metadata") or {}).get("namespace")


class SharedInformerFactory:
    def __init__(self, client: ApiClient, *, resync_s: float | None = None):
        self.client = client
        self.resync_s = resync_s
        self.name = "shared-informers"
        self._informers: dict[tuple[str, str, str], Informer] = {}
        self._started: set[tuple[str, str, str]] = set()
        self._tasks: asyncio.TaskGroup | None = None
        self._stop = asyncio.Event()

    def informer(self, info: ResourceInfo) -> Informer:
        """The process-wide informer of `info` (all namespaces), created on first use."""
        key = (info.group, info.version, info.plural)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(self.client, info, resync_s=self.resync_s)
            if info.namespaced:
                informer.add_index(NAMESPACE_INDEX, _namespace_of)
            self._informers[key] = informer
            if self._tasks is not None:     # asked for after start: run it at once
                self._start(key, informer)
        return informer

    def in_namespace(self, info: ResourceInfo, namespace: str, *, copy_: bool = False
                     ) -> list[Obj]:
        """The cached objects of `info` in `namespace` (the cache's own unless copy_)."""
        return self.informer(info).by_index(NAMESPACE_INDEX, namespace, copy_=copy_)

    @property
    def informers(self) -> list[Informer]:
        return list(self._informers.values())

    async def wait_synced(self, *infos: ResourceInfo, timeout_s: float | None = None) -> None:
        targets = [self.informer(i) for i in infos] if infos else self.informers
        await asyncio.wait_for(asyncio.gather(*(i.wait_synced() for i in targets)), timeout_s)

    async def run(self) -> None:
        """Run every informer (and those asked for later) until `stop()`."""
        async with asyncio.TaskGroup() as tg:
            self._tasks = tg
            for key, informer in list(self._informers.items()):
                self._start(key, informer)
            await self._stop.wait()
            for informer in self._informers.values():
                informer.stop()
        self._tasks = None

    def stop(self) -> None:
        self._stop.set()

    def _start(self, key: tuple[str, str, str], informer: Informer) -> None:
        if key in self._started or self._tasks is None:
            return
        self._started.add(key)
        log.debug("starting informer", extra=kv(resource=informer.info.group_resource))
        self._tasks.create_task(informer.run(), name=informer.name)
