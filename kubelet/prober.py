"""Liveness, readiness and startup probes: one asyncio task per (container instance, probe).

As upstream's prober workers: a result flips only after `failureThreshold` consecutive
failures or `successThreshold` consecutive successes; readiness starts as failure, liveness
and startup wait for `initialDelaySeconds`; while a startup probe has not succeeded the other
two are not run. A failed liveness or startup probe marks the container unhealthy (the pod
worker kills it, and the restart policy decides what next); readiness feeds the Ready condition.
HTTP and TCP probes go from the kubelet to the pod IP, so the kubelet must reach the pods'
network. On a hollow node (`fake=True`) every probe succeeds at once, as kubemark's.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

import httpx

from kubelet.images import Recorder
from kubelet.runtime.base import APP, RUNNING, ContainerInfo, Runtime
from machinery.runtime import kv

log = logging.getLogger("kubelet.prober")
Obj = dict[str, Any]
KINDS = ("startup", "liveness", "readiness")


class ProbeResults:
    """What the probes found, read by the pod worker and the status computation."""

    def __init__(self) -> None:
        self.ready: dict[str, dict[str, bool]] = {}       # uid -> container -> ready
        self.started: dict[str, dict[str, bool]] = {}
        self.unhealthy: dict[str, dict[str, str]] = {}    # uid -> container -> kill message

    def forget(self, uid: str, name: str | None = None) -> None:
        for table in (self.ready, self.started, self.unhealthy):
            if name is None:
                table.pop(uid, None)
            else:
                table.get(uid, {}).pop(name, None)


class ProbeManager:
    def __init__(self, runtime: Runtime, recorder: Recorder, on_change: Callable[[str], None],
                 fake: bool = False):
        self.runtime, self.recorder, self.on_change, self.fake = runtime, recorder, on_change, fake
        self.results = ProbeResults()
        self._tasks: dict[tuple[str, str, str], tuple[str, asyncio.Task]] = {}
        self._http = httpx.AsyncClient(verify=False, follow_redirects=True)

    async def close(self) -> None:
        for _, task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        await self._http.aclose()

    def sync_pod(self, pod: Obj, containers: list[ContainerInfo], pod_ip: str) -> None:
        """Probe every running instance of the pod's containers; stop probing the others."""
        uid = pod["metadata"]["uid"]
        running = {c.name: c for c in containers if c.kind == APP and c.state == RUNNING}
        for spec in pod["spec"].get("containers") or []:
            current = running.get(spec["name"])
            for kind in KINDS:
                probe = spec.get(f"{kind}Probe")
                self._ensure(pod, spec, kind, probe, current, pod_ip)
            if current is None:
                self.results.forget(uid, spec["name"])

    def _ensure(self, pod: Obj, spec: Obj, kind: str, probe: Obj | None,
                current: ContainerInfo | None, pod_ip: str) -> None:
        key = (pod["metadata"]["uid"], spec["name"], kind)
        existing = self._tasks.get(key)
        if existing and (current is None or existing[0] != current.id or probe is None):
            existing[1].cancel()
            del self._tasks[key]
            existing = None
        if existing or current is None or probe is None:
            return
        if kind == "readiness":
            self._set(self.results.ready, key, False)
        elif kind == "startup":
            self._set(self.results.started, key, False)
        task = asyncio.create_task(self._worker(pod, spec, kind, probe, current, pod_ip),
                                   name=f"probe-{kind}-{spec['name']}")
        self._tasks[key] = (current.id, task)

    def stop_pod(self, uid: str) -> None:
        for key in [k for k in self._tasks if k[0] == uid]:
            self._tasks.pop(key)[1].cancel()
        self.results.forget(uid)

    def _set(self, table: dict[str, dict[str, Any]], key: tuple[str, str, str], value: Any) -> bool:
        uid, name, _ = key
        row = table.setdefault(uid, {})
        changed = row.get(name) != value
        row[name] = value
        return changed

    async def _worker(self, pod: Obj, spec: Obj, kind: str, probe: Obj,
                      container: ContainerInfo, pod_ip: str) -> None:
        key = (pod["metadata"]["uid"], spec["name"], kind)
        period = max(1, int(probe.get("periodSeconds", 10)))
        need_ok = max(1, int(probe.get("successThreshold", 1)))
        need_fail = max(1, int(probe.get("failureThreshold", 3)))
        await asyncio.sleep(int(probe.get("initialDelaySeconds", 0)))
        oks = fails = 0
        while True:
            if kind != "startup" and not self._started(key):
                await asyncio.sleep(min(period, 1))
                continue
            ok, output = await self._run(probe, spec, container, pod_ip)
            oks, fails = (oks + 1, 0) if ok else (0, fails + 1)
            if not ok:
                self.recorder.event(pod, "Warning", "Unhealthy",
                                    f"{kind.title()} probe failed: {output}")
            if self._record(key, kind, ok and oks >= need_ok, not ok and fails >= need_fail):
                self.on_change(key[0])
                if kind in ("liveness", "startup") and not ok:
                    return          # the container will be killed; its successor gets a worker
            await asyncio.sleep(period)

    def _started(self, key: tuple[str, str, str]) -> bool:
        return self.results.started.get(key[0], {}).get(key[1], True)

    def _record(self, key: tuple[str, str, str], kind: str, success: bool, failure: bool) -> bool:
        """Apply a threshold crossing; True if a result the kubelet acts on changed."""
        uid, name, _ = key
        if kind == "readiness" and (success or failure):
            return self._set(self.results.ready, key, success)
        if kind == "startup" and success:
            return self._set(self.results.started, key, True)
        if failure and kind in ("liveness", "startup"):
            message = f"Container {name} failed {kind} probe, will be restarted"
            return self._set(self.results.unhealthy, key, message)
        return False

    async def _run(self, probe: Obj, spec: Obj, container: ContainerInfo,
                   pod_ip: str) -> tuple[bool, str]:
        if self.fake:
            return True, ""
        timeout = max(1, int(probe.get("timeoutSeconds", 1)))
        try:
            if action := probe.get("exec"):
                code, out = await self.runtime.exec_run(container.id, action["command"], timeout)
                return code == 0, out.decode("utf-8", "replace").strip() or \
                    f"command {action['command']} exited with {code}"
            if action := probe.get("httpGet"):
                return await self._http_get(action, spec, pod_ip, timeout)
            if action := probe.get("tcpSocket"):
                return await self._tcp(action, spec, pod_ip, timeout)
        except (asyncio.TimeoutError, TimeoutError):
            return False, f"command timed out after {timeout}s"
        except Exception as e:          # a probe that cannot run is a failed probe
            return False, str(e)
        log.debug("unsupported probe handler, treated as success", extra=kv(probe=probe))
        return True, ""

    async def _http_get(self, action: Obj, spec: Obj, pod_ip: str,
                        timeout: int) -> tuple[bool, str]:
        port = resolve_port(action["port"], spec)
        scheme = action.get("scheme", "HTTP").lower()
        host = action.get("host") or pod_ip
        url = f"{scheme}://{host}:{port}{action.get('path', '/')}"
        headers = {h["name"]: h["value"] for h in action.get("httpHeaders") or []}
        headers.setdefault("User-Agent", "kube-probe/1.32")
        try:
            response = await self._http.get(url, headers=headers, timeout=timeout)
        except httpx.HTTPError as e:
            return False, f'Get "{url}": {type(e).__name__}: {e}'
        if 200 <= response.status_code < 400:
            return True, ""
        return False, f"HTTP probe failed with statuscode: {response.status_code}"

    async def _tcp(self, action: Obj, spec: Obj, pod_ip: str, timeout: int) -> tuple[bool, str]:
        port = resolve_port(action["port"], spec)
        host = action.get("host") or pod_ip
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, asyncio.TimeoutError) as e:
            return False, f"dial tcp {host}:{port}: {e or 'i/o timeout'}"
        writer.close()
        return True, ""


def resolve_port(port: int | str, container: Obj) -> int:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return int(p["containerPort"])
    raise ValueError(f"port {port!r} not found in container {container['name']}")
