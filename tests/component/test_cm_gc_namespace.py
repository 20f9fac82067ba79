"""Garbage collection (background, foreground, orphan, dangling references) and namespace
deletion against the real api-server, with all the controllers running."""
import asyncio
import uuid

import pytest

from machinery.api.errors import NotFound
from machinery.informer import Informer
from tests.component.cm_harness import (CONFIGMAPS, DEPLOYMENTS, NAMESPACES, PODS, REPLICASETS,
                                        RunningControllers, Sandbox, deployment, eventually,
                                        rolled_out)

pytestmark = pytest.mark.component


@pytest.fixture(scope="module")
async def controllers(api_server):
    running = await RunningControllers.start(api_server.kubeconfig)
    yield running
    await running.stop()


@pytest.fixture
async def ns(controllers):
    sandbox = await Sandbox.create(controllers.client, "gc")
    yield sandbox
    await sandbox.delete()


async def running_deployment(ns, replicas=2):
    await ns.client.create(DEPLOYMENTS, deployment("web", replicas), ns.name)

    async def ready():
        d = await ns.get(DEPLOYMENTS, "web")
        return rolled_out(d) and d
    return await eventually(ready, 20, what="deployment rolled out")


async def gone(ns, info, name):
    try:
        await ns.get(info, name)
    except NotFound:
        return True
    return False


async def test_background_deletion_removes_replicasets_and_pods(ns):
    await running_deployment(ns)
    await ns.client.delete(DEPLOYMENTS, "web", ns.name, propagation_policy="Background")

    async def all_gone():
        return not await ns.list(REPLICASETS) and not await ns.list(PODS)
    await eventually(all_gone, 20, what="replica sets and pods collected")


async def test_foreground_deletion_deletes_dependents_first(ns):
    d = await running_deployment(ns)
    seen = []
    deployments = Informer(ns.client, DEPLOYMENTS, ns.name)
    rss = Informer(ns.client, REPLICASETS, ns.name)

    def on_deployment_deleted(obj):
        seen.append(len(rss.keys()))          # RSes still cached when the owner went away
    deployments.add_handler(on_delete=on_deployment_deleted)
    task = asyncio.gather(deployments.run(), rss.run())
    try:
        await deployments.wait_synced(10)
        await rss.wait_synced(10)
        await ns.client.delete(DEPLOYMENTS, "web", ns.name, propagation_policy="Foreground")
        marked = await ns.get(DEPLOYMENTS, "web")
        assert marked["metadata"]["deletionTimestamp"]
        assert "foregroundDeletion" in marked["metadata"]["finalizers"]
        await eventually(lambda: gone(ns, DEPLOYMENTS, "web"), 20, what="deployment deleted")
        await eventually(lambda: seen, 5)
    finally:
        deployments.stop(), rss.stop()
        await task
    assert seen == [0]
    assert not await ns.list(PODS)
    assert d["metadata"]["uid"]


async def test_orphan_deletion_keeps_dependents_without_the_reference(ns):
    d = await running_deployment(ns)
    await ns.client.delete(DEPLOYMENTS, "web", ns.name, propagation_policy="Orphan")
    await eventually(lambda: gone(ns, DEPLOYMENTS, "web"), 20, what="deployment deleted")
    (rs,) = await ns.list(REPLICASETS)
    assert not rs["metadata"].get("ownerReferences")
    pods = await ns.list(PODS)
    assert len(pods) == 2
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"] for p in pods)
    assert d["metadata"]["uid"] not in str(rs)


def configmap(name, owner_name=None, owner_uid=None):
    meta = {"name": name}
    if owner_uid:
        meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "ConfigMap", "name": owner_name,
                                    "uid": owner_uid}]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": "v"}}


async def test_dangling_references_are_collected_and_live_owners_respected(ns):
    owner = await ns.client.create(CONFIGMAPS, configmap("owner"), ns.name)
    await ns.client.create(CONFIGMAPS, configmap("kept", "owner", owner["metadata"]["uid"]),
                           ns.name)
    # same owner name, another uid: the object it names is not this owner
    await ns.client.create(CONFIGMAPS, configmap("stale", "owner", str(uuid.uuid4())), ns.name)
    await ns.client.create(CONFIGMAPS, configmap("ghost", "nobody", str(uuid.uuid4())), ns.name)
    await eventually(lambda: gone(ns, CONFIGMAPS, "ghost"), 15, what="ghost collected")
    await eventually(lambda: gone(ns, CONFIGMAPS, "stale"), 15, what="stale collected")
    assert (await ns.get(CONFIGMAPS, "kept"))["metadata"]["name"] == "kept"
    await ns.client.delete(CONFIGMAPS, "owner", ns.name)
    await eventually(lambda: gone(ns, CONFIGMAPS, "kept"), 15, what="dependent of owner")


async def delete_namespace_with_content(client):
    sandbox = await Sandbox.create(client, "nsdel")
    await running_deployment(sandbox)
    await client.create(CONFIGMAPS, configmap("settings"), sandbox.name)
    await client.delete(NAMESPACES, sandbox.name)
    terminating = await client.get(NAMESPACES, sandbox.name)
    assert terminating["status"]["phase"] == "Terminating"
    return sandbox


async def test_namespace_deletion_empties_the_namespace(controllers):
    client = controllers.client
    sandbox = await delete_namespace_with_content(client)
    name = sandbox.name
    try:
        async def empty():
            for info in (PODS, REPLICASETS, DEPLOYMENTS, CONFIGMAPS):
                if (await client.list(info, name))["items"]:
                    return False
            return True
        await eventually(empty, 30, what="namespace emptied")

        async def reported():
            try:
                ns = await client.get(NAMESPACES, name)
            except NotFound:        # already finalized and removed: past the condition
                return True
            conds = {c["type"]: c for c in ns["status"].get("conditions", [])}
            return conds.get("NamespaceContentRemaining", {}).get("reason") == "ContentRemoved"
        await eventually(reported, 10, what="NamespaceContentRemaining=False")
    finally:
        await sandbox.delete()


async def test_namespace_is_removed_once_finalized(controllers):
    client = controllers.client
    sandbox = await delete_namespace_with_content(client)
    try:
        async def namespace_gone():
            try:
                await client.get(NAMESPACES, sandbox.name)
            except NotFound:
                return True
            return False
        await eventually(namespace_gone, 6, what="namespace removed")
    finally:
        await sandbox.delete()
