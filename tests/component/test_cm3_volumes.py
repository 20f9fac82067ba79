"""The PersistentVolume binder and the hostPath provisioner against the real api-server:
the default StorageClass, dynamic provisioning, static binding (smallest fit, selectors,
pre-bound claims), and what happens to a volume when its claim goes."""
from __future__ import annotations

import uuid

import pytest

from controller_manager.controllers.hostpath_provisioner import (DEFAULT_CLASS, PROVISIONER,
                                                                 HostPathProvisioner)
from machinery.api import resources
from machinery.api.errors import NotFound
from tests.component.cm2_harness import eventually, namespace, running

pytestmark = pytest.mark.component

PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
PVS = resources.lookup("", "v1", "persistentvolumes")
CLASSES = resources.lookup("storage.k8s.io", "v1", "storageclasses")
EVENTS = resources.lookup("", "v1", "events")


@pytest.fixture(scope="module")
async def env(api_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("pv")
    extra = {"hostpath-provisioner": lambda ctx: HostPathProvisioner(ctx, str(root))}
    async with running(api_server.kubeconfig, ["persistentvolume-binder", "hostpath-provisioner"],
                       extra=extra) as r:
        yield r, root


@pytest.fixture
async def ns(env):
    async with namespace(env[0].client, "pv") as name:
        yield name


def claim(name, size="1Gi", modes=("ReadWriteOnce",), **spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": list(modes), "resources": {"requests": {"storage": size}},
                     **spec}}


def volume(name, size, cls, policy="Retain", labels=None, **spec):
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                     "storageClassName": cls, "persistentVolumeReclaimPolicy": policy,
                     "hostPath": {"path": f"/tmp/{name}"}, **spec}}


async def bound(client, ns, name, timeout=15):
    async def check():
        c = await client.get(PVCS, name, ns)
        return c if c.get("status", {}).get("phase") == "Bound" else None
    return await eventually(check, timeout, what=f"claim {name} Bound")


async def phase_of(client, pv_name):
    return ((await client.get(PVS, pv_name)).get("status") or {}).get("phase")


async def test_default_storage_class_exists_and_comes_back(env):
    client = env[0].client
    sc = await eventually(lambda: client.get(CLASSES, DEFAULT_CLASS), what="class standard")
    assert sc["provisioner"] == PROVISIONER
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    await client.delete(CLASSES, DEFAULT_CLASS)
    again = await eventually(lambda: client.get(CLASSES, DEFAULT_CLASS), what="class again")
    assert again["metadata"]["uid"] != sc["metadata"]["uid"]


async def test_claim_without_class_is_provisioned_and_bound(env, ns):
    client, root = env[0].client, env[1]
    await eventually(lambda: client.get(CLASSES, DEFAULT_CLASS), what="class standard")
    created = await client.create(PVCS, claim("data", "2Gi"), ns)
    c = await bound(client, ns, "data")
    pv_name = f"pvc-{created['metadata']['uid']}"
    # written into the claim where the api-server allows it (upstream's retroactive default)
    assert c["spec"].get("storageClassName") in (None, DEFAULT_CLASS)
    assert c["spec"]["volumeName"] == pv_name
    assert c["status"]["capacity"] == {"storage": "2Gi"}
    assert c["status"]["accessModes"] == ["ReadWriteOnce"]
    assert c["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    assert c["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == PROVISIONER
    pv = await client.get(PVS, pv_name)
    assert pv["status"]["phase"] == "Bound"
    assert pv["spec"]["claimRef"]["uid"] == created["metadata"]["uid"]
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert pv["spec"]["storageClassName"] == DEFAULT_CLASS
    path = pv["spec"]["hostPath"]["path"]
    assert path == f"{root}/{pv_name}_{ns}_data"
    assert (root / f"{pv_name}_{ns}_data").is_dir()
    reasons = await eventually(lambda: _reasons(client, ns, "data", {"ProvisioningSucceeded",
                                                                     "ExternalProvisioning"}),
                               what="provisioning events")
    assert reasons

    # the claim goes: its volume is released, deleted, and its directory removed
    await client.delete(PVCS, "data", ns)

    async def gone():
        try:
            await client.get(PVS, pv_name)
        except NotFound:
            return True
        return False
    await eventually(gone, 15, what="provisioned volume deleted")
    assert not (root / f"{pv_name}_{ns}_data").exists()


async def _reasons(client, ns, name, wanted):
    items = (await client.list(EVENTS, ns))["items"]
    seen = {e["reason"] for e in items if e["involvedObject"]["name"] == name}
    return wanted <= seen


async def test_static_volume_smallest_fit_and_retain(env, ns):
    client = env[0].client
    cls = f"manual-{uuid.uuid4().hex[:6]}"
    small, big = f"{cls}-small", f"{cls}-big"
    await client.create(PVS, volume(big, "5Gi", cls))
    await client.create(PVS, volume(small, "1Gi", cls))
    try:
        await eventually(lambda: _phase_is(client, small, "Available"), what="small Available")
        await client.create(PVCS, claim("c", "500Mi", storageClassName=cls), ns)
        c = await bound(client, ns, "c")
        assert c["spec"]["volumeName"] == small
        assert c["status"]["capacity"] == {"storage": "1Gi"}
        assert await phase_of(client, big) == "Available"
        pv = await client.get(PVS, small)
        assert pv["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"

        await client.delete(PVCS, "c", ns)
        await eventually(lambda: _phase_is(client, small, "Released"), what="small Released")
        # Retain: the volume stays, still naming its old claim, and is not bound again
        await client.create(PVCS, claim("c2", "500Mi", storageClassName=cls), ns)
        c2 = await bound(client, ns, "c2")
        assert c2["spec"]["volumeName"] == big
        assert await phase_of(client, small) == "Released"
    finally:
        for name in (small, big):
            await client.delete(PVS, name)


async def _phase_is(client, name, phase):
    return await phase_of(client, name) == phase


async def test_selector_and_prebound_claim(env, ns):
    client = env[0].client
    cls = f"sel-{uuid.uuid4().hex[:6]}"
    plain, fast, chosen = f"{cls}-plain", f"{cls}-fast", f"{cls}-chosen"
    await client.create(PVS, volume(plain, "1Gi", cls))
    await client.create(PVS, volume(fast, "3Gi", cls, labels={"disk": "ssd"}))
    await client.create(PVS, volume(chosen, "2Gi", cls))
    try:
        await client.create(PVCS, claim("ssd", "1Gi", storageClassName=cls,
                                        selector={"matchLabels": {"disk": "ssd"}}), ns)
        assert (await bound(client, ns, "ssd"))["spec"]["volumeName"] == fast
        # a claim naming its volume gets that one, though a smaller one fits
        await client.create(PVCS, claim("mine", "1Gi", storageClassName=cls,
                                        volumeName=chosen), ns)
        mine = await bound(client, ns, "mine")
        assert mine["spec"]["volumeName"] == chosen
        # the user bound the claim, the controller the volume (as upstream annotates them)
        assert "pv.kubernetes.io/bound-by-controller" not in mine["metadata"]["annotations"]
        pv = await client.get(PVS, chosen)
        assert pv["spec"]["claimRef"]["name"] == "mine"
        assert pv["spec"]["claimRef"]["uid"] == mine["metadata"]["uid"]
        assert await phase_of(client, plain) == "Available"
    finally:
        for name in (plain, fast, chosen):
            await client.delete(PVS, name)


async def test_claim_with_no_volume_and_no_provisioner_stays_pending(env, ns):
    client = env[0].client
    await client.create(PVCS, claim("lonely", storageClassName=""), ns)

    async def pending():
        c = await client.get(PVCS, "lonely", ns)
        return c.get("status", {}).get("phase") == "Pending" and c
    c = await eventually(pending, what="claim Pending")
    assert not c["spec"].get("volumeName")
    assert await eventually(lambda: _reasons(client, ns, "lonely", {"FailedBinding"}),
                            what="FailedBinding event")
