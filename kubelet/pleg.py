"""PLEG (pod lifecycle event generator): relist the runtime every second, wake changed pods.

The runtime, not the kubelet's memory, is the truth: a pod whose containers changed (started,
exited, vanished) since the last relist gets a sync, and so does a pod whose containers exist
but which the kubelet no longer knows (it was deleted while the kubelet was down: an orphan).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from kubelet.runtime.base import ContainerInfo, Runtime
from machinery.runtime import kv

log = logging.getLogger("kubelet.pleg")


def _signature(containers: list[ContainerInfo]) -> tuple:
    return tuple(sorted((c.id, c.state, c.exit_code) for c in containers))


class Pleg:
    def __init__(self, runtime: Runtime, node: str, on_change: Callable[[str], None],
                 period_s: float = 1.0):
        self.runtime, self.node, self.on_change, self.period_s = runtime, node, on_change, period_s
        self.name = "pleg"
        self.cache: dict[str, list[ContainerInfo]] = {}     # pod uid -> containers
        self.last_relist_ok = False
        self._signatures: dict[str, tuple] = {}
        self._stop = asyncio.Event()

    async def relist(self) -> None:
        try:
            containers = await self.runtime.list_pod_containers(self.node)
        except Exception as e:       # the runtime is down: report it, keep the last picture
            if self.last_relist_ok:
                log.warning("relist failed", extra=kv(error=f"{type(e).__name__}: {e}"))
            self.last_relist_ok = False
            return
        self.last_relist_ok = True
        by_pod: dict[str, list[ContainerInfo]] = {}
        for c in containers:
            by_pod.setdefault(c.pod_uid, []).append(c)
        signatures = {uid: _signature(cs) for uid, cs in by_pod.items()}
        changed = {uid for uid in signatures.keys() | self._signatures.keys()
                   if signatures.get(uid) != self._signatures.get(uid)}
        self.cache, self._signatures = by_pod, signatures
        for uid in changed:
            self.on_change(uid)

    async def run(self) -> None:
        while not self._stop.is_set():
            await self.relist()
            try:
                await asyncio.wait_for(self._stop.wait(), self.period_s)
            except asyncio.TimeoutError:
                pass

    def stop(self) -> None:
        self._stop.set()
