"""Shared pieces of the controller-manager component tests: the controllers running in-process
against the session's api-server, a namespace per test with a fake kubelet, waiting helpers
and object builders."""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from controller_manager.app import Workload
from controller_manager.settings import ControllerManagerSettings
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client import ApiClient
from tests.component.fake_kubelet import FakeKubelet

Obj = dict[str, Any]
PODS = resources.lookup("", "v1", "pods")
NAMESPACES = resources.lookup("", "v1", "namespaces")
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
REPLICASETS = resources.lookup("apps", "v1", "replicasets")
EVENTS = resources.lookup("", "v1", "events")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")


async def eventually(predicate, timeout: float = 15.0, interval: float = 0.05,
                     what: str = "condition"):
    """Poll until predicate() (sync or async) is truthy; return that value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = predicate()
            if asyncio.iscoroutine(result):
                result = await result
        except (AssertionError, KeyError, IndexError, TypeError, NotFound) as e:
            result, last = None, e
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last error: {last!r}")
        await asyncio.sleep(interval)


# the controllers these tests are about; others (node lifecycle, ...) have their own tests and
# would act on the fake kubelet's pods, which live on a node that has no Node object
CORE_CONTROLLERS = "namespace,garbagecollector,replicaset,replicationcontroller,deployment"


class RunningControllers:
    """The controller-manager's controllers in-process (no leader election, no HTTP)."""

    def __init__(self, client: ApiClient, workload: Workload, task: asyncio.Task):
        self.client, self.workload, self.task = client, workload, task

    @classmethod
    async def start(cls, kubeconfig: str, controllers: str = CORE_CONTROLLERS
                    ) -> "RunningControllers":
        client = ApiClient.from_kubeconfig(kubeconfig)
        settings = ControllerManagerSettings(kubeconfig=kubeconfig, controllers=controllers,
                                             leader_elect=False)
        workload = Workload(client, settings)
        ctx = workload.build()
        task = asyncio.create_task(workload.run())
        await ctx.informers.wait_synced(timeout_s=30)
        return cls(client, workload, task)

    async def flush_events(self) -> None:
        for recorder in self.workload.ctx.recorders.values():
            await recorder.flush()

    async def stop(self) -> None:
        self.workload.stop()
        await asyncio.wait_for(self.task, 30)
        await self.client.close()


class Sandbox:
    """A fresh namespace with a fake kubelet serving its pods."""

    def __init__(self, client: ApiClient, name: str, kubelet: FakeKubelet):
        self.client, self.name, self.kubelet = client, name, kubelet

    @classmethod
    async def create(cls, client: ApiClient, prefix: str = "cm") -> "Sandbox":
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        await client.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                         "metadata": {"name": name}})
        kubelet = await FakeKubelet(client, name).start()
        return cls(client, name, kubelet)

    async def delete(self) -> None:
        """Delete the namespace; the fake kubelet stays until its pods are gone (a pod bound
        to a node without kubelet would wait for it forever)."""
        try:
            await self.client.delete(NAMESPACES, self.name)
            for pod in await self.list(PODS):      # no namespace controller may be running
                try:
                    await self.client.delete(PODS, pod["metadata"]["name"], self.name)
                except NotFound:
                    pass

            async def no_pods():
                return not (await self.client.list(PODS, self.name))["items"]
            await eventually(no_pods, 15, what=f"pods of {self.name} gone")
        except NotFound:
            pass
        finally:
            await self.kubelet.close()

    async def list(self, info, **kw) -> list[Obj]:
        return (await self.client.list(info, self.name, **kw))["items"]

    async def get(self, info, name: str) -> Obj:
        return await self.client.get(info, name, self.name)

    async def events_for(self, obj: Obj) -> list[Obj]:
        uid = obj["metadata"]["uid"]
        return [e for e in await self.list(EVENTS) if e["involvedObject"].get("uid") == uid]


def deployment(name: str = "web", replicas: int = 3, image: str = "nginx:1.25",
               strategy: Obj | None = None, **spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "strategy": strategy or {"type": "RollingUpdate",
                                          "rollingUpdate": {"maxSurge": "25%",
                                                            "maxUnavailable": "25%"}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "nginx", "image": image,
                                                       "ports": [{"containerPort": 80}]}]}},
                 **spec}}


def rolling(surge: int | str, unavailable: int | str) -> Obj:
    return {"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}


def image_patch(image: str, container: str = "nginx") -> Obj:
    return {"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}}


def image_of(obj: Obj) -> str:
    return obj["spec"]["template"]["spec"]["containers"][0]["image"]


def rolled_out(d: Obj, replicas: int | None = None) -> bool:
    """What `kubectl rollout status` calls success."""
    want = d["spec"]["replicas"] if replicas is None else replicas
    status = d.get("status") or {}
    return ((status.get("observedGeneration") or 0) >= d["metadata"]["generation"]
            and status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want)
