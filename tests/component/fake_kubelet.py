"""A stand-in for the scheduler and the kubelets in controller tests: pods of one namespace
are bound to a fake node (through pods/binding, as a scheduler would), then reported Running
and Ready after `ready_delay_s`, and a pod being deleted is removed with grace 0 once its
"containers stopped" (after `stop_delay_s`), as a kubelet does.

No Node object is created (binding does not need one, upstream neither), so nothing leaks into
other tests that list nodes. Pods whose name is in `hold` stay Pending and unready, to freeze a
rollout at a chosen moment, as do pods for which `hold_if(pod)` is true.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from machinery.api import resources
from machinery.api.errors import Conflict, NotFound
from machinery.client import ApiClient
from machinery.controller import Controller
from machinery.informer import Informer, split_key
from machinery.workqueue import WorkQueue

PODS = resources.lookup("", "v1", "pods")
Obj = dict[str, Any]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class FakeKubelet:
    def __init__(self, client: ApiClient, namespace: str, *, node: str = "fake-node",
                 ready_delay_s: float = 0.05, stop_delay_s: float = 0.05):
        self.client, self.namespace, self.node = client, namespace, node
        self.ready_delay_s, self.stop_delay_s = ready_delay_s, stop_delay_s
        self.hold: set[str] = set()
        self.hold_if: Callable[[Obj], bool] = lambda pod: False
        self.name = f"fake-kubelet-{namespace}"
        self.pods = Informer(client, PODS, namespace)
        self.queue = WorkQueue(self.name)
        self.controller = Controller(self.name, self.queue, self._reconcile, workers=4)
        self.pods.add_key_handler(self.queue.add)
        self._task: asyncio.Task | None = None

    async def start(self) -> "FakeKubelet":
        self._task = asyncio.gather(self.pods.run(), self.controller.run())
        await self.pods.wait_synced(10)
        return self

    async def close(self) -> None:
        self.pods.stop()
        await self.controller.stop(drain=False)
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)

    def release(self) -> None:
        """Stop holding anything and look at every pod again."""
        self.hold.clear()
        self.hold_if = lambda pod: False
        for key in self.pods.keys():
            self.queue.add(key)

    async def _reconcile(self, key: str):
        pod = self.pods.get(key)
        _, name = split_key(key)
        if pod is None or name in self.hold or self.hold_if(pod):
            return None
        try:
            if pod["metadata"].get("deletionTimestamp"):
                await self._finish_deletion(pod)
            elif not (pod.get("spec") or {}).get("nodeName"):
                await self._bind(pod)
            elif not _is_running_ready(pod):
                await asyncio.sleep(self.ready_delay_s)
                await self._run(pod)
        except (NotFound, Conflict):
            self.queue.add_after(key, 0.05)      # moved on meanwhile: look again
        return None

    async def _bind(self, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": name, "namespace": self.namespace},
                "target": {"apiVersion": "v1", "kind": "Node", "name": self.node}}
        await self.client.create_subresource(PODS, name, "binding", body, self.namespace)

    async def _run(self, pod: Obj) -> None:
        now = _now()
        containers = (pod.get("spec") or {}).get("containers") or []
        status = {
            **(pod.get("status") or {}),
            "phase": "Running", "hostIP": "10.0.0.1", "podIP": "10.244.1.10",
            "podIPs": [{"ip": "10.244.1.10"}], "startTime": now,
            "conditions": [{"type": t, "status": "True", "lastProbeTime": None,
                            "lastTransitionTime": now}
                           for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": [{"name": c["name"], "image": c.get("image", ""),
                                   "imageID": "", "ready": True, "restartCount": 0,
                                   "started": True, "containerID": f"fake://{c['name']}",
                                   "state": {"running": {"startedAt": now}}}
                                  for c in containers]}
        await self.client.update_status(PODS, {**pod, "status": status})

    async def _finish_deletion(self, pod: Obj) -> None:
        await asyncio.sleep(self.stop_delay_s)
        meta = pod["metadata"]
        await self.client.delete(PODS, meta["name"], self.namespace, grace_period_s=0,
                                 preconditions={"uid": meta["uid"]})


def _is_running_ready(pod: Obj) -> bool:
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or [])
    return status.get("phase") == "Running" and ready
