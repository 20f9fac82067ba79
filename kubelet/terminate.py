"""Graceful termination: preStop hook, SIGTERM, wait out the grace period, SIGKILL.

App containers stop in parallel, each within the pod's grace period (the preStop hook's time
counts against it, as upstream); init containers and the sandbox stop after them.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from kubelet.images import Recorder
from kubelet.prober import resolve_port
from kubelet.runtime.base import APP, RUNNING, SANDBOX, ContainerInfo, Runtime, RuntimeFailure
from machinery.runtime import kv

log = logging.getLogger("kubelet.terminate")
Obj = dict[str, Any]
MIN_GRACE_S = 2          # upstream's minimum when a hook used up the whole period


def _spec(pod: Obj | None, name: str) -> Obj | None:
    if pod is None:
        return None
    for c in (pod["spec"].get("containers") or []) + (pod["spec"].get("initContainers") or []):
        if c["name"] == name:
            return c
    return None


async def run_pre_stop(runtime: Runtime, pod: Obj, container: ContainerInfo, spec: Obj,
                       grace_s: float, pod_ip: str) -> None:
    """Run the container's preStop hook, bounded by the grace period; failures are logged."""
    hook = ((spec.get("lifecycle") or {}).get("preStop")) or {}
    try:
        if action := hook.get("exec"):
            await asyncio.wait_for(runtime.exec_run(container.id, action["command"], grace_s),
                                   grace_s)
        elif action := hook.get("httpGet"):
            url = (f"{action.get('scheme', 'HTTP').lower()}://{action.get('host') or pod_ip}:"
                   f"{resolve_port(action['port'], spec)}{action.get('path', '/')}")
            async with httpx.AsyncClient(verify=False) as http:
                await http.get(url, timeout=grace_s)
        elif action := hook.get("sleep"):
            await asyncio.sleep(min(float(action.get("seconds", 0)), grace_s))
    except (asyncio.TimeoutError, TimeoutError, RuntimeFailure, httpx.HTTPError,
            ValueError) as e:
        log.info("preStop hook failed", extra=kv(container=container.name, error=str(e)))


async def stop_container(runtime: Runtime, pod: Obj | None, container: ContainerInfo,
                         grace_s: float, pod_ip: str = "") -> None:
    spec = _spec(pod, container.name)
    began = time.monotonic()
    if spec is not None and pod is not None and grace_s > 0 and container.kind == APP:
        await run_pre_stop(runtime, pod, container, spec, grace_s, pod_ip)
    remaining = grace_s - (time.monotonic() - began)
    if grace_s > 0:
        remaining = max(remaining, MIN_GRACE_S)
    await runtime.stop_container(container.id, max(0.0, remaining))


async def stop_pod(runtime: Runtime, recorder: Recorder, pod: Obj | None,
                   containers: list[ContainerInfo], grace_s: float, remove: bool) -> None:
    """Stop every running container of a pod (apps first, then the rest), maybe remove all."""
    running = [c for c in containers if c.state == RUNNING]
    apps = [c for c in running if c.kind == APP]
    sandbox_ip = next((c.ip for c in containers if c.kind == SANDBOX and c.ip), "")
    for c in apps:
        if pod is not None:
            recorder.event(pod, "Normal", "Killing", f"Stopping container {c.name}")
    await asyncio.gather(*(stop_container(runtime, pod, c, grace_s, sandbox_ip) for c in apps))
    others = [c for c in running if c.kind != APP]
    others.sort(key=lambda c: c.kind == SANDBOX)         # the sandbox goes last
    for c in others:
        await runtime.stop_container(c.id, min(grace_s, 2) if c.kind == SANDBOX else grace_s)
    if remove:
        for c in containers:
            await runtime.remove_container(c.id)
