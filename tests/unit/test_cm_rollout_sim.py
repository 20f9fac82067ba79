"""The rollout strategies stepped against a tiny in-memory world: every step the controller
acts once, then the pods the ReplicaSets asked for appear and become available one tick later.
At every moment the RollingUpdate bounds must hold."""
import copy
import itertools
from datetime import datetime, timezone

import pytest

from controller_manager import deployment_strategies as strategies
from controller_manager import deployment_util as du
from controller_manager.deployment_sync import Rollout

pytestmark = pytest.mark.unit
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
_uids = itertools.count()


class World:
    """Stands in for the api-server's RS/Deployment storage and the RS controller."""

    def __init__(self):
        self.rss: dict[str, dict] = {}
        self.deployment: dict | None = None
        self.pending: dict[str, int] = {}     # pods started but not yet available

    # the ApiClient surface Rollout uses
    async def create(self, info, obj, namespace=None):
        obj = copy.deepcopy(obj)
        stamp = f"2024-01-01T00:00:{len(self.rss):02d}Z"
        obj["metadata"].update(uid=f"uid-{next(_uids)}", creationTimestamp=stamp)
        obj["status"] = {"replicas": 0}
        self.rss[obj["metadata"]["name"]] = obj
        return copy.deepcopy(obj)

    async def update(self, info, obj, **kw):
        self.rss[obj["metadata"]["name"]] = copy.deepcopy(obj)
        return copy.deepcopy(obj)

    async def update_status(self, info, obj, **kw):
        self.deployment = copy.deepcopy(obj)
        return copy.deepcopy(obj)

    async def patch(self, info, name, patch, patch_type="merge", namespace=None, **kw):
        self.deployment["metadata"].setdefault("annotations", {}).update(
            patch["metadata"]["annotations"])
        return copy.deepcopy(self.deployment)

    async def delete(self, info, name, namespace=None, **kw):
        self.rss.pop(name, None)

    def tick(self):
        """The RS controller and kubelets: pods come and go; new pods become available a tick
        after they were created."""
        for name, rs in self.rss.items():
            want, status = rs["spec"]["replicas"], rs["status"]
            have = status.get("replicas", 0)
            available = status.get("availableReplicas", 0)
            ready_now = self.pending.pop(name, 0)
            available = min(available + ready_now, want)
            if want > have:
                self.pending[name] = want - have
            status.update(replicas=want, availableReplicas=available, readyReplicas=available,
                          observedGeneration=rs["metadata"].get("generation", 1))

    def available(self):
        return sum(rs["status"].get("availableReplicas", 0) for rs in self.rss.values())

    def total(self):
        return sum(rs["spec"]["replicas"] for rs in self.rss.values())


class Recorder:
    def __init__(self):
        self.events = []

    def event(self, obj, type_, reason, message, **kw):
        self.events.append((reason, message))


def make_deployment(replicas, surge, unavailable, image="v1", strategy="RollingUpdate"):
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "c", "image": image}]}},
            "strategy": {"type": strategy}, "progressDeadlineSeconds": 600,
            "revisionHistoryLimit": 10}
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"name": "web", "namespace": "ns", "uid": "d-uid", "generation": 1},
            "spec": spec, "status": {}}


async def step(world, recorder, strategy="rolling"):
    r = Rollout(world, recorder, world.deployment, list(world.rss.values()), NOW)
    if strategy == "rolling":
        await strategies.rolling(r)
    else:
        await strategies.recreate(r, {})
    world.deployment = r.d
    world.tick()


async def converge(world, recorder, desired, surge_max, min_available, steps=60):
    for _ in range(steps):
        await step(world, recorder)
        assert world.total() <= desired + surge_max
        assert world.available() >= min_available
        new = du.find_new_rs(world.deployment, list(world.rss.values()))
        if new and new["status"].get("availableReplicas") == desired and world.total() == desired:
            return
    raise AssertionError("rollout did not finish")


async def start(world, recorder, d):
    world.deployment = d
    for _ in range(5):
        await step(world, recorder)
    assert world.available() == d["spec"]["replicas"]


@pytest.mark.parametrize("replicas,surge,unavailable,expect_surge,expect_unavail", [
    (3, 1, 0, 1, 0), (10, "25%", "25%", 3, 2), (5, 0, 1, 0, 1), (4, "50%", "50%", 2, 2),
    (1, 1, 0, 1, 0),
])
async def test_rolling_update_respects_surge_and_unavailable(replicas, surge, unavailable,
                                                             expect_surge, expect_unavail):
    world, recorder = World(), Recorder()
    await start(world, recorder, make_deployment(replicas, surge, unavailable))
    changed = copy.deepcopy(world.deployment)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "v2"
    changed["metadata"]["generation"] = 2
    world.deployment = changed
    await converge(world, recorder, replicas, expect_surge, replicas - expect_unavail)
    assert len(world.rss) == 2
    old = [rs for rs in world.rss.values() if rs["spec"]["template"]["spec"]["containers"][0]
           ["image"] == "v1"][0]
    assert old["spec"]["replicas"] == 0
    assert world.deployment["metadata"]["annotations"][du.REVISION] == "2"


async def test_surge_one_unavailable_zero_never_drops_below_desired():
    world, recorder = World(), Recorder()
    await start(world, recorder, make_deployment(3, 1, 0))
    world.deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "v2"
    seen_available = []
    for _ in range(30):
        await step(world, recorder)
        seen_available.append(world.available())
        assert world.total() <= 4
    assert min(seen_available) >= 3
    messages = [m for reason, m in recorder.events if reason == "ScalingReplicaSet"]
    assert any(m.startswith("Scaled up replica set web-") and m.endswith("from 0 to 1")
               for m in messages)
    assert any("Scaled down replica set" in m and "from 3 to 2" in m for m in messages)


async def test_first_rollout_creates_one_rs_with_hash_name_and_revision():
    world, recorder = World(), Recorder()
    await start(world, recorder, make_deployment(3, "25%", "25%"))
    (rs,) = world.rss.values()
    pod_hash = du.compute_hash(world.deployment["spec"]["template"])
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == pod_hash
    assert rs["metadata"]["annotations"][du.REVISION] == "1"
    assert rs["metadata"]["ownerReferences"][0]["controller"] is True
    status = world.deployment["status"]
    assert status["availableReplicas"] == 3 and status["updatedReplicas"] == 3
    progressing = [c for c in status["conditions"] if c["type"] == "Progressing"][0]
    assert progressing["reason"] == "NewReplicaSetAvailable"


async def test_recreate_scales_old_to_zero_before_creating_new():
    world, recorder = World(), Recorder()
    d = make_deployment(3, None, None, strategy="Recreate")
    world.deployment = d
    for _ in range(5):
        await step(world, recorder, "recreate")
    world.deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "v2"
    await step(world, recorder, "recreate")
    assert len(world.rss) == 1                               # old scaled down, no new yet
    assert world.total() == 0
    for _ in range(5):
        await step(world, recorder, "recreate")
    assert len(world.rss) == 2 and world.available() == 3
