"""Deployment and ReplicaSet controllers against the real api-server, pods served by a fake
kubelet. The controllers run for the whole module; each test has its own namespace."""
import asyncio
import re

import pytest

from controller_manager import deployment_util as du
from machinery.informer import Informer
from tests.component.cm_harness import (DEPLOYMENTS, PODS, REPLICASETS, RunningControllers,
                                        Sandbox, deployment, eventually, image_of, image_patch,
                                        rolled_out, rolling)

pytestmark = pytest.mark.component


@pytest.fixture(scope="module")
async def controllers(api_server):
    running = await RunningControllers.start(api_server.kubeconfig)
    yield running
    await running.stop()


@pytest.fixture
async def ns(controllers):
    sandbox = await Sandbox.create(controllers.client)
    yield sandbox
    await sandbox.delete()


async def create_and_wait(ns, obj, replicas=None):
    await ns.client.create(DEPLOYMENTS, obj, ns.name)
    name = obj["metadata"]["name"]
    return await eventually(lambda: _if(ns.get(DEPLOYMENTS, name), rolled_out, replicas),
                            20, what=f"deployment {name} rolled out")


async def _if(coro, check, *args):
    obj = await coro
    return obj if check(obj, *args) else None


def rs_of(rss, image):
    return next(rs for rs in rss if image_of(rs) == image)


async def test_deployment_comes_up_with_rs_pods_and_events(ns, controllers):
    d = await create_and_wait(ns, deployment("web", 3))
    (rs,) = await ns.list(REPLICASETS)
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert pod_hash == du.compute_hash(d["spec"]["template"])
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    ref = rs["metadata"]["ownerReferences"][0]
    assert ref == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                   "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    annotations = rs["metadata"]["annotations"]
    assert annotations[du.REVISION] == "1"
    assert (annotations[du.DESIRED_REPLICAS], annotations[du.MAX_REPLICAS]) == ("3", "4")
    assert d["metadata"]["annotations"][du.REVISION] == "1"
    pods = await ns.list(PODS)
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(rf"web-{pod_hash}-[bcdfghjklmnpqrstvwxz2456789]{{5}}",
                            pod["metadata"]["name"])
        assert pod["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
        assert pod["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
    status = d["status"]
    assert status["readyReplicas"] == 3 and "unavailableReplicas" not in status
    conditions = {c["type"]: c["reason"] for c in status["conditions"]}
    assert conditions == {"Available": "MinimumReplicasAvailable",
                          "Progressing": "NewReplicaSetAvailable"}
    await controllers.flush_events()
    d_events = [(e["reason"], e["message"], e["source"]["component"])
                for e in await ns.events_for(d)]
    assert ("ScalingReplicaSet", f"Scaled up replica set {rs['metadata']['name']} from 0 to 3",
            "deployment-controller") in d_events
    rs_events = await ns.events_for(rs)
    created = sorted(e["message"] for e in rs_events if e["reason"] == "SuccessfulCreate")
    assert created == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert {e["source"]["component"] for e in rs_events} == {"replicaset-controller"}


async def test_deleted_pod_is_replaced(ns):
    await create_and_wait(ns, deployment("web", 2))
    victim = (await ns.list(PODS))[0]["metadata"]["name"]
    await ns.client.delete(PODS, victim, ns.name)

    async def replaced():
        pods = await ns.list(PODS)
        names = {p["metadata"]["name"] for p in pods}
        return len(pods) == 2 and victim not in names
    await eventually(replaced, 15, what="a replacement pod")
    await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"), rolled_out), 15)


class Watcher:
    """Records, after every pod or RS event, the counts the rollout bounds talk about."""

    def __init__(self, ns):
        self.pods = Informer(ns.client, PODS, ns.name)
        self.rss = Informer(ns.client, REPLICASETS, ns.name)
        self.ready, self.spec_total, self.live_images = [], [], []
        for informer in (self.pods, self.rss):
            informer.add_handler(lambda o: self.sample(), lambda a, b: self.sample(),
                                 lambda o: self.sample())

    def sample(self):
        live = [p for p in self.pods.list(copy_=False) if not p["metadata"].get("deletionTimestamp")]
        self.ready.append(sum(any(c["type"] == "Ready" and c["status"] == "True"
                                  for c in (p.get("status") or {}).get("conditions") or [])
                              for p in live))
        self.spec_total.append(sum(rs["spec"]["replicas"] for rs in self.rss.list(copy_=False)))
        self.live_images.append({p["spec"]["containers"][0]["image"]
                                 for p in self.pods.list(copy_=False)})

    async def __aenter__(self):
        self.task = asyncio.gather(self.pods.run(), self.rss.run())
        await self.pods.wait_synced(10)
        await self.rss.wait_synced(10)
        self.ready.clear(), self.spec_total.clear(), self.live_images.clear()
        return self

    async def __aexit__(self, *exc):
        self.pods.stop(), self.rss.stop()
        await self.task


@pytest.mark.parametrize("replicas,surge,unavailable,max_total,min_ready", [
    (4, 1, 0, 5, 4),
    (4, "50%", "25%", 6, 3),
])
async def test_rolling_update_respects_bounds_at_every_moment(ns, replicas, surge, unavailable,
                                                              max_total, min_ready):
    await create_and_wait(ns, deployment("web", replicas, strategy=rolling(surge, unavailable)))
    async with Watcher(ns) as watch:
        await ns.client.patch(DEPLOYMENTS, "web", image_patch("nginx:1.26"), "strategic", ns.name)
        d = await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"), _updated_to, "nginx:1.26"),
                             30, what="rollout to nginx:1.26")
    assert watch.ready and min(watch.ready) >= min_ready
    assert max(watch.spec_total) <= max_total
    assert max(watch.spec_total) > replicas          # it did surge
    assert d["metadata"]["annotations"][du.REVISION] == "2"
    rss = await ns.list(REPLICASETS)
    assert len(rss) == 2
    assert rs_of(rss, "nginx:1.25")["spec"]["replicas"] == 0
    assert rs_of(rss, "nginx:1.26")["metadata"]["annotations"][du.REVISION] == "2"


def _updated_to(d, image):
    return image_of(d) == image and rolled_out(d)


async def test_rollback_reuses_the_old_replica_set(ns):
    await create_and_wait(ns, deployment("web", 2))
    await ns.client.patch(DEPLOYMENTS, "web", image_patch("nginx:1.26"), "strategic", ns.name)
    await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"), _updated_to, "nginx:1.26"), 20)
    first = rs_of(await ns.list(REPLICASETS), "nginx:1.25")
    # what `kubectl rollout undo` sends: the old RS's template without the hash label
    template = first["spec"]["template"]
    template["metadata"]["labels"].pop("pod-template-hash")
    template["metadata"]["creationTimestamp"] = None
    patch = [{"op": "replace", "path": "/spec/template", "value": template},
             {"op": "replace", "path": "/metadata/annotations",
              "value": {du.REVISION: "1"}}]
    await ns.client.patch(DEPLOYMENTS, "web", patch, "json", ns.name)
    d = await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"), _updated_to, "nginx:1.25"), 20)
    rss = await ns.list(REPLICASETS)
    assert len(rss) == 2                                       # no third RS
    reused = rs_of(rss, "nginx:1.25")
    assert reused["metadata"]["uid"] == first["metadata"]["uid"]
    assert reused["metadata"]["annotations"][du.REVISION] == "3"
    assert reused["metadata"]["annotations"][du.REVISION_HISTORY] == "1"
    assert reused["spec"]["replicas"] == 2
    assert d["metadata"]["annotations"][du.REVISION] == "3"


async def test_scaling_mid_rollout_is_proportional(ns):
    await create_and_wait(ns, deployment("web", 10, strategy=rolling(3, 2)))
    ns.kubelet.hold_if = lambda pod: image_of({"spec": {"template": pod}}) == "nginx:1.26"
    await ns.client.patch(DEPLOYMENTS, "web", image_patch("nginx:1.26"), "strategic", ns.name)

    async def stalled():
        rss = await ns.list(REPLICASETS)
        sizes = sorted(rs["spec"]["replicas"] for rs in rss)
        return sizes == [5, 8] and rss
    rss = await eventually(stalled, 20, what="the rollout to stall at 8 old + 5 new")
    assert rs_of(rss, "nginx:1.25")["spec"]["replicas"] == 8
    await ns.client.patch(DEPLOYMENTS, "web", {"spec": {"replicas": 20}}, "merge", ns.name)

    async def scaled():
        rss = await ns.list(REPLICASETS)
        return {image_of(rs): rs["spec"]["replicas"] for rs in rss} == \
            {"nginx:1.25": 14, "nginx:1.26": 9}
    await eventually(scaled, 20, what="old 14 + new 9 (23 = 20 + maxSurge)")
    ns.kubelet.release()
    await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"), _updated_to, "nginx:1.26"), 40)


async def test_pause_stops_progress_but_not_scaling(ns):
    await create_and_wait(ns, deployment("web", 2))
    await ns.client.patch(DEPLOYMENTS, "web", {"spec": {"paused": True}}, "merge", ns.name)
    await ns.client.patch(DEPLOYMENTS, "web", image_patch("nginx:1.26"), "strategic", ns.name)

    async def paused_condition():
        d = await ns.get(DEPLOYMENTS, "web")
        return any(c["type"] == "Progressing" and c["reason"] == "DeploymentPaused"
                   for c in d["status"].get("conditions", [])) and d
    await eventually(paused_condition, 10, what="the DeploymentPaused condition")
    await ns.client.patch(DEPLOYMENTS, "web", {"spec": {"replicas": 4}}, "merge", ns.name)
    await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"),
                                 lambda d: d["status"].get("availableReplicas") == 4), 15)
    rss = await ns.list(REPLICASETS)
    assert len(rss) == 1 and image_of(rss[0]) == "nginx:1.25"   # no rollout while paused
    await ns.client.patch(DEPLOYMENTS, "web", {"spec": {"paused": False}}, "merge", ns.name)
    await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"), _updated_to, "nginx:1.26"), 20)
    assert len(await ns.list(REPLICASETS)) == 2


async def test_recreate_kills_old_pods_before_new_ones(ns):
    await create_and_wait(ns, deployment("web", 3, strategy={"type": "Recreate"}))
    async with Watcher(ns) as watch:
        await ns.client.patch(DEPLOYMENTS, "web", image_patch("nginx:1.26"), "strategic", ns.name)
        await eventually(lambda: _if(ns.get(DEPLOYMENTS, "web"), _updated_to, "nginx:1.26"), 20)
    assert all(len(images) <= 1 for images in watch.live_images)
    assert {"nginx:1.26"} in watch.live_images


async def test_progress_deadline_exceeded(ns):
    ns.kubelet.hold_if = lambda pod: True
    await ns.client.create(DEPLOYMENTS, deployment("stuck", 1, progressDeadlineSeconds=2),
                           ns.name)

    async def timed_out():
        d = await ns.get(DEPLOYMENTS, "stuck")
        cond = next((c for c in d["status"].get("conditions", []) if c["type"] == "Progressing"),
                    None)
        return cond and cond["reason"] == "ProgressDeadlineExceeded" and cond
    cond = await eventually(timed_out, 15, what="ProgressDeadlineExceeded")
    assert cond["status"] == "False"
    assert cond["message"].startswith('ReplicaSet "stuck-') and "timed out progressing" in \
        cond["message"]


async def test_min_ready_seconds_delays_availability(ns):
    await ns.client.create(DEPLOYMENTS, deployment("slow", 2, minReadySeconds=2), ns.name)
    d = await eventually(lambda: _if(ns.get(DEPLOYMENTS, "slow"),
                                     lambda d: d["status"].get("readyReplicas") == 2), 10)
    assert d["status"].get("availableReplicas", 0) == 0
    await eventually(lambda: _if(ns.get(DEPLOYMENTS, "slow"), rolled_out), 10)
