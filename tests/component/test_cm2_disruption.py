"""The disruption controller against the real api-server: budget status from ready pods and
controller scales, and the api-server's eviction honouring it. Pods are created bound and
given a ready status by the test (no kubelet)."""
from __future__ import annotations

import pytest

from machinery.api import resources
from machinery.api.errors import ApiError
from tests.component.cm2_harness import eventually, namespace, pod, running, running_status

pytestmark = pytest.mark.component

PODS = resources.lookup("", "v1", "pods")
PDBS = resources.lookup("policy", "v1", "poddisruptionbudgets")
REPLICASETS = resources.lookup("apps", "v1", "replicasets")


@pytest.fixture(scope="module")
async def controllers(api_server):
    async with running(api_server.kubeconfig, ["disruption"]) as r:
        yield r


@pytest.fixture
async def ns(controllers):
    async with namespace(controllers.client, "pdb") as name:
        yield name


async def ready_pod(c, ns, name, ip, owner=None):
    body = pod(name, {"app": "web"}, nodeName="n1")
    if owner is not None:
        body["metadata"]["ownerReferences"] = [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True}]
    created = await c.create(PODS, body, ns)
    return await c.update_status(PODS, running_status(created, ip))


def budget(**spec):
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec}}


async def status_of(c, ns, **want):
    async def check():
        pdb = await c.get(PDBS, "web", ns)
        s = pdb.get("status") or {}
        return pdb if all(s.get(k) == v for k, v in want.items()) else None
    return await eventually(check, 10, what=f"pdb status {want}")


async def test_min_available_and_eviction(ns, controllers):
    c = controllers.client
    for i, name in enumerate(("a", "b", "c")):
        await ready_pod(c, ns, name, f"10.244.1.{i + 2}")
    await c.create(PDBS, budget(minAvailable=2), ns)
    pdb = await status_of(c, ns, currentHealthy=3, desiredHealthy=2, disruptionsAllowed=1,
                          expectedPods=3)
    assert pdb["status"]["observedGeneration"] == pdb["metadata"]["generation"]
    (cond,) = pdb["status"]["conditions"]
    assert (cond["type"], cond["status"], cond["reason"]) == \
        ("DisruptionAllowed", "True", "SufficientPods")

    eviction = {"apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": {"name": "a", "namespace": ns}}
    await c.create_subresource(PODS, "a", "eviction", eviction, ns)
    pdb = await status_of(c, ns, currentHealthy=2, disruptionsAllowed=0)
    assert pdb["status"]["conditions"][0]["reason"] == "InsufficientPods"
    with pytest.raises(ApiError) as refused:
        await c.create_subresource(PODS, "b", "eviction",
                                   {**eviction, "metadata": {"name": "b", "namespace": ns}}, ns)
    assert refused.value.code == 429


async def test_max_unavailable_uses_controller_scale(ns, controllers):
    c = controllers.client
    rs = await c.create(REPLICASETS, {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "x"}]}}}}, ns)
    for i, name in enumerate(("a", "b", "c")):
        await ready_pod(c, ns, name, f"10.244.1.{i + 2}", owner=rs)
    await c.create(PDBS, budget(maxUnavailable="50%"), ns)
    await status_of(c, ns, expectedPods=4, desiredHealthy=2, currentHealthy=3,
                    disruptionsAllowed=1)
    await c.patch(REPLICASETS, "web", {"spec": {"replicas": 6}}, "merge", ns)
    await status_of(c, ns, expectedPods=6, desiredHealthy=3, disruptionsAllowed=0)


async def test_pods_without_controller_fail_safe(ns, controllers):
    c = controllers.client
    await ready_pod(c, ns, "a", "10.244.1.2")
    await c.create(PDBS, budget(maxUnavailable=1), ns)
    pdb = await status_of(c, ns, disruptionsAllowed=0, observedGeneration=1)
    cond = pdb["status"]["conditions"][0]
    assert (cond["status"], cond["reason"]) == ("False", "SyncFailed")
    assert "found no controllers" in cond["message"]
