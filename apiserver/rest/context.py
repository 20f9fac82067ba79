"""What every handler shares: the store, the watch caches, settings and allocators."""
from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from apiserver.admission import AdmissionChain
from apiserver.allocators import ServiceAllocator
from apiserver.auth.authorizer import AllowAll, Authorizer
from apiserver.settings import ApiServerSettings
from apiserver.storage import EtcdStore
from apiserver.storage.watch_cache import WatchCache
from machinery.api.resources import RESOURCES, ResourceInfo, storage_key_prefix

Obj = dict[str, Any]


def now_rfc3339() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_micro() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_uid() -> str:
    return str(uuid.uuid4())


def object_key(info: ResourceInfo, namespace: str | None, name: str) -> str:
    prefix = storage_key_prefix(info)
    return f"{prefix}{namespace}/{name}" if info.namespaced else f"{prefix}{name}"


def list_prefix(info: ResourceInfo, namespace: str | None) -> str:
    prefix = storage_key_prefix(info)
    return f"{prefix}{namespace}/" if info.namespaced and namespace else prefix


def meta_of(obj: object) -> Obj:
    """An incoming object's metadata, or {} when a client sent none or something else."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return meta if isinstance(meta, dict) else {}


def deep_copy(obj: Obj) -> Obj:
    return copy.deepcopy(obj)


@dataclass
class ServerContext:
    settings: ApiServerSettings
    store: EtcdStore
    allocator: ServiceAllocator
    caches: dict[str, WatchCache] = field(default_factory=dict)
    admission: AdmissionChain = field(default_factory=AdmissionChain)
    authorizer: Authorizer = field(default_factory=AllowAll)

    def cache_for(self, info: ResourceInfo) -> WatchCache:
        return self.caches[storage_key_prefix(info)]

    async def start_caches(self) -> None:
        for info in RESOURCES:
            prefix = storage_key_prefix(info)
            if prefix not in self.caches:
                cache = WatchCache(self.store, prefix, self.settings.watch_cache_events)
                self.caches[prefix] = cache
                await cache.start()

    async def stop_caches(self) -> None:
        for cache in self.caches.values():
            await cache.stop()
