"""ReplicaSet and ReplicationController controllers on their own: adoption and release by
selector, which pods a scale-down removes, expectations (no over-creation), and RCs."""
import asyncio

import pytest

from machinery.api import resources
from tests.component.cm_harness import PODS, REPLICASETS, RunningControllers, Sandbox, eventually

pytestmark = pytest.mark.component
RCS = resources.lookup("", "v1", "replicationcontrollers")


@pytest.fixture(scope="module")
async def controllers(api_server):
    running = await RunningControllers.start(api_server.kubeconfig,
                                             "replicaset,replicationcontroller,garbagecollector")
    yield running
    await running.stop()


@pytest.fixture
async def ns(controllers):
    sandbox = await Sandbox.create(controllers.client, "rs")
    yield sandbox
    await sandbox.delete()


def replicaset(replicas, name="front"):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "app:1"}]}}}}


def pod(name, labels):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "app:1"}]}}


async def ready_count(ns, name="front"):
    rs = await ns.get(REPLICASETS, name)
    return (rs.get("status") or {}).get("readyReplicas", 0)


async def test_adopts_orphans_and_releases_pods_that_stop_matching(ns):
    await ns.client.create(PODS, pod("orphan", {"app": "front"}), ns.name)
    rs = await ns.client.create(REPLICASETS, replicaset(2), ns.name)
    await eventually(lambda: _eq(ready_count(ns), 2), 15, what="2 ready")
    pods = await ns.list(PODS)
    assert len(pods) == 2                                       # the orphan counted, 1 created
    orphan = next(p for p in pods if p["metadata"]["name"] == "orphan")
    assert orphan["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
    await ns.client.patch(PODS, "orphan", {"metadata": {"labels": {"app": "elsewhere"}}},
                          "merge", ns.name)

    async def released_and_replaced():
        pods = await ns.list(PODS)
        owned = [p for p in pods if p["metadata"].get("ownerReferences")]
        freed = next(p for p in pods if p["metadata"]["name"] == "orphan")
        return len(owned) == 2 and not freed["metadata"].get("ownerReferences")
    await eventually(released_and_replaced, 15, what="orphan released and replaced")


async def test_scale_down_deletes_the_pending_pod_first(ns):
    await ns.client.create(REPLICASETS, replicaset(2), ns.name)
    await eventually(lambda: _eq(ready_count(ns), 2), 15)
    running = {p["metadata"]["name"] for p in await ns.list(PODS)}
    ns.kubelet.hold_if = lambda p: p["metadata"]["name"] not in running   # new ones stay Pending
    await ns.client.patch(REPLICASETS, "front", {"spec": {"replicas": 3}}, "merge", ns.name)
    await eventually(lambda: _len(ns.list(PODS), 3), 10)
    await ns.client.patch(REPLICASETS, "front", {"spec": {"replicas": 2}}, "merge", ns.name)

    async def only_running_left():
        names = {p["metadata"]["name"] for p in await ns.list(PODS)
                 if not p["metadata"].get("deletionTimestamp")}
        return names == running
    await eventually(only_running_left, 10, what="the pending pod deleted, running ones kept")


async def test_expectations_prevent_over_creation(ns):
    """A burst of syncs while creations are in flight never makes more pods than asked."""
    seen = []
    await ns.client.create(REPLICASETS, replicaset(20), ns.name)
    for _ in range(40):
        seen.append(len(await ns.list(PODS)))
        await ns.client.patch(REPLICASETS, "front",
                              {"metadata": {"annotations": {"poke": str(len(seen))}}},
                              "merge", ns.name)
        await asyncio.sleep(0.02)
    await eventually(lambda: _eq(ready_count(ns), 20), 20)
    assert max(seen) <= 20 and len(await ns.list(PODS)) == 20


async def test_replication_controller_keeps_its_pods(ns):
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "legacy"},
          "spec": {"replicas": 2, "selector": {"app": "legacy"},
                   "template": {"metadata": {"labels": {"app": "legacy"}},
                                "spec": {"containers": [{"name": "c", "image": "app:1"}]}}}}
    created = await ns.client.create(RCS, rc, ns.name)

    async def ready():
        got = await ns.get(RCS, "legacy")
        return (got.get("status") or {}).get("readyReplicas") == 2 and got
    got = await eventually(ready, 15, what="RC ready")
    assert got["status"]["observedGeneration"] == got["metadata"]["generation"]
    pods = await ns.list(PODS)
    assert len(pods) == 2
    assert all(p["metadata"]["ownerReferences"][0]["kind"] == "ReplicationController" and
               p["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
               for p in pods)
    assert all(p["metadata"]["name"].startswith("legacy-") for p in pods)


async def _eq(coro, value):
    return await coro == value


async def _len(coro, n):
    return len(await coro) == n
