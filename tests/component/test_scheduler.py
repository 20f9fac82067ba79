"""The scheduler against the real api-server: bindings, filters, the unschedulable story.

Each test runs its own Scheduler (a unique scheduler name, and nodes labelled for this test
only), so it neither takes other tests' pods nor lands pods on their nodes.
"""
from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from tests.helpers import async_eventually

from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.events import EVENTS
from scheduler.queue import SchedulingQueue
from scheduler.scheduler import Scheduler

pytestmark = pytest.mark.component

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
NAMESPACES = resources.lookup("", "v1", "namespaces")


async def eventually(predicate, timeout=10.0, interval=0.05):
    return await async_eventually(predicate, timeout, interval)


class World:
    """A namespace, labelled nodes and a running scheduler for one test."""

    def __init__(self, client):
        self.client = client
        self.tag = uuid.uuid4().hex[:8]
        self.namespace = f"sched-{self.tag}"
        self.scheduler_name = f"sched-{self.tag}"
        self.nodes: list[str] = []
        self.scheduler: Scheduler | None = None
        self.task: asyncio.Task | None = None

    async def add_node(self, name, cpu="2", memory="4Gi", pods="110", labels=None, taints=None,
                       unschedulable=False, ready="True"):
        full = f"{self.tag}-{name}"
        alloc = {"cpu": cpu, "memory": memory, "pods": pods}
        body = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": full, "labels": {"test": self.tag,
                                                      "kubernetes.io/hostname": full,
                                                      **(labels or {})}},
                "spec": {"taints": taints or [], "unschedulable": unschedulable},
                "status": {"capacity": alloc, "allocatable": alloc,
                           "conditions": [{"type": "Ready", "status": ready,
                                           "reason": "KubeletReady"}]}}
        created = await self.client.create(NODES, body)
        if not (created.get("status") or {}).get("allocatable"):
            created["status"] = body["status"]
            await self.client.update_status(NODES, created)
        self.nodes.append(full)
        return full

    async def add_pod(self, name, cpu=None, memory=None, labels=None, **spec):
        requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
        body = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": self.namespace, "labels": labels or {}},
                "spec": {"schedulerName": self.scheduler_name,
                         "containers": [{"name": "app", "image": "pause",
                                         "resources": {"requests": requests}}], **spec}}
        return await self.client.create(PODS, body)

    async def start(self, **kwargs):
        await self.client.create(NAMESPACES, {"metadata": {"name": self.namespace}})
        self.scheduler = Scheduler(self.client, scheduler_name=self.scheduler_name,
                                   node_label_selector=f"test={self.tag}", **kwargs)
        self.task = asyncio.create_task(self.scheduler.run())
        await self.scheduler.wait_synced(10)

    async def node_of(self, pod_name):
        pod = await self.client.get(PODS, pod_name, self.namespace)
        return pod["spec"].get("nodeName")

    async def bound(self, *names):
        nodes = [await self.node_of(n) for n in names]
        return nodes if all(nodes) else None

    def node(self, name):
        return f"{self.tag}-{name}"

    async def close(self):
        if self.task:
            self.scheduler.stop()
            await asyncio.wait_for(self.task, 10)
        for name in self.nodes:
            try:
                await self.client.delete(NODES, name)
            except NotFound:
                pass
        await self.client.delete(NAMESPACES, self.namespace)


@pytest.fixture
async def world(api_client):
    w = World(api_client)
    yield w
    await w.close()


async def test_resources_respected_and_burst_spread_then_unschedulable_story(world):
    for i in range(3):
        await world.add_node(f"n{i}", cpu="2")
    await world.start(queue=SchedulingQueue(initial_backoff_s=0.2, max_backoff_s=1))
    names = [f"p{i}" for i in range(6)]
    for name in names:
        await world.add_pod(name, cpu="1")
    placed = await eventually(lambda: world.bound(*names), 15)
    assert Counter(placed) == Counter({world.node(f"n{i}"): 2 for i in range(3)})

    await world.add_pod("extra", cpu="1")
    expected = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are "
                "available: 3 No preemption victims found for incoming pod..")

    async def condition():
        pod = await world.client.get(PODS, "extra", world.namespace)
        return next((c for c in pod["status"].get("conditions") or []
                     if c["type"] == "PodScheduled"), None)
    cond = await eventually(condition, 10)
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", expected)

    async def failed_event():
        events = await world.client.list(
            EVENTS, world.namespace, field_selector="involvedObject.name=extra")
        return [e for e in events["items"] if e["reason"] == "FailedScheduling"]
    event = (await eventually(failed_event, 10))[0]
    assert event["type"] == "Warning" and event["message"] == expected
    assert event["source"]["component"] == world.scheduler_name

    await world.add_node("n3", cpu="2")                 # room appears: the pod is retried
    assert await eventually(lambda: world.node_of("extra"), 10) == world.node("n3")


async def test_freed_room_schedules_a_waiting_pod_and_scheduled_event(world):
    await world.add_node("only", cpu="1")
    await world.start(queue=SchedulingQueue(initial_backoff_s=0.2, max_backoff_s=1))
    await world.add_pod("first", cpu="1")
    assert await eventually(lambda: world.node_of("first"), 10) == world.node("only")
    await world.add_pod("second", cpu="1")
    await asyncio.sleep(0.5)
    assert await world.node_of("second") is None
    await world.client.delete(PODS, "first", world.namespace, grace_period_s=0)
    assert await eventually(lambda: world.node_of("second"), 10) == world.node("only")

    async def scheduled_event():
        events = await world.client.list(
            EVENTS, world.namespace, field_selector="involvedObject.name=second")
        return [e for e in events["items"] if e["reason"] == "Scheduled"]
    event = (await eventually(scheduled_event, 10))[0]
    assert event["message"] == (f"Successfully assigned {world.namespace}/second to "
                                f"{world.node('only')}")
    assert event["type"] == "Normal"


async def test_cordon_taints_selector_and_affinity(world):
    cordoned = await world.add_node("cordoned", unschedulable=True)
    tainted = await world.add_node("tainted", taints=[{"key": "dedicated", "value": "gpu",
                                                       "effect": "NoSchedule"}])
    ssd = await world.add_node("ssd", labels={"disk": "ssd"})
    plain = await world.add_node("plain", labels={"zone": "b"})
    await world.start()
    await world.add_pod("wants-ssd", nodeSelector={"disk": "ssd"})
    await world.add_pod("gpu", tolerations=[{"key": "dedicated", "operator": "Equal",
                                             "value": "gpu", "effect": "NoSchedule"}],
                        affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name",
                                                                    "operator": "In",
                                                                    "values": [tainted]}]}]}}})
    await world.add_pod("zone-b", affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]}]}}})
    plain_pods = [f"any{i}" for i in range(6)]
    for name in plain_pods:
        await world.add_pod(name)
    await world.add_pod("nowhere", nodeSelector={"disk": "nvme"})

    placed = await eventually(lambda: world.bound("wants-ssd", "gpu", "zone-b", *plain_pods), 15)
    assert placed[:3] == [ssd, tainted, plain]
    assert set(placed[3:]) <= {ssd, plain} and cordoned not in placed

    async def message():
        pod = await world.client.get(PODS, "nowhere", world.namespace)
        conds = [c for c in pod["status"].get("conditions") or [] if c["type"] == "PodScheduled"]
        return conds[0]["message"] if conds else None
    assert (await eventually(message, 10)) == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
        "1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling..")


async def test_anti_affinity_spreads_replicas(world):
    for i in range(3):
        await world.add_node(f"n{i}")
    await world.start()
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "web"}},
         "topologyKey": "kubernetes.io/hostname"}]}}
    names = [f"web-{i}" for i in range(4)]
    for name in names:
        await world.add_pod(name, labels={"app": "web"}, affinity=anti)
    await eventually(lambda: _three_bound(world, names), 10)
    nodes = [await world.node_of(n) for n in names]
    bound = [n for n in nodes if n]
    assert len(bound) == 3 and len(set(bound)) == 3


async def _three_bound(world, names):
    return sum([1 for n in names if await world.node_of(n)]) == 3


async def test_pods_of_other_schedulers_are_left_alone(world):
    await world.add_node("n0")
    await world.start()
    await world.add_pod("mine")
    await world.client.create(PODS, {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "theirs", "namespace": world.namespace},
        "spec": {"schedulerName": "someone-else", "containers": [{"name": "c", "image": "x"}]}})
    assert await eventually(lambda: world.node_of("mine"), 10)
    await asyncio.sleep(0.3)
    assert await world.node_of("theirs") is None


async def test_preemption_evicts_a_lower_priority_pod(world):
    await world.add_node("n0", cpu="1")
    await world.start(queue=SchedulingQueue(initial_backoff_s=0.2, max_backoff_s=1))
    await world.add_pod("low", cpu="1", priority=0)
    assert await eventually(lambda: world.node_of("low"), 10)
    await world.add_pod("high", cpu="1", priority=1000)

    async def low_gone():
        try:
            pod = await world.client.get(PODS, "low", world.namespace)
        except NotFound:
            return True
        return bool(pod["metadata"].get("deletionTimestamp"))
    await eventually(low_gone, 10)
    # the api-server only marks a bound pod for deletion; its (absent) kubelet would finish it
    try:
        await world.client.delete(PODS, "low", world.namespace, grace_period_s=0)
    except NotFound:
        pass
    assert await eventually(lambda: world.node_of("high"), 10) == world.node("n0")
