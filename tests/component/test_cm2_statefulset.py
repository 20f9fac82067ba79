"""The StatefulSet controller against the real api-server with a hollow kubelet (pods bound to
it by the template). The test plays the PV binder: each new claim gets a hostPath PV. A pod
watch records the order of creations and deletions, to check OrderedReady."""
from __future__ import annotations

import asyncio
import contextlib
import tempfile

import pytest

from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.informer import Informer
from tests.component.cm2_harness import eventually, namespace, running
from tests.hollow import hollow_nodes
from tests.kubectl import Kubectl

pytestmark = pytest.mark.component

PODS = resources.lookup("", "v1", "pods")
PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
PVS = resources.lookup("", "v1", "persistentvolumes")
STATEFULSETS = resources.lookup("apps", "v1", "statefulsets")


class Recorder:
    """Pod events in order: ("create", name, ready-pods-at-that-moment), ("delete", name)."""

    def __init__(self, client, ns):
        self.log: list[tuple] = []
        self._gone: set[str] = set()
        self.informer = Informer(client, PODS, ns)
        self.informer.add_handler(self._added, self._updated, self._deleted)

    def _ready(self):
        return {p["metadata"]["name"] for p in self.informer.list(copy_=False)
                if any(c["type"] == "Ready" and c["status"] == "True"
                       for c in (p.get("status") or {}).get("conditions") or [])
                and not p["metadata"].get("deletionTimestamp")}

    def _added(self, pod):
        self.log.append(("create", pod["metadata"]["name"], frozenset(self._ready())))

    def _updated(self, old, new):
        if new["metadata"].get("deletionTimestamp"):
            self._deleted(new)

    def _deleted(self, pod):
        """The first sign of a deletion: deletionTimestamp set, or the pod gone at once."""
        if pod["metadata"]["uid"] not in self._gone:
            self._gone.add(pod["metadata"]["uid"])
            self.log.append(("delete", pod["metadata"]["name"]))

    def names(self, kind):
        return [e[1] for e in self.log if e[0] == kind]


async def bind_claims(client, ns, root):
    """A tiny PV binder: every unbound claim gets a hostPath PV of its own."""
    made = []
    try:
        while True:
            for pvc in (await client.list(PVCS, ns))["items"]:
                if pvc["spec"].get("volumeName"):
                    continue
                pv_name = f"pv-{ns}-{pvc['metadata']['name']}"
                with contextlib.suppress(Exception):
                    await client.create(PVS, {
                        "apiVersion": "v1", "kind": "PersistentVolume",
                        "metadata": {"name": pv_name},
                        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                                 "hostPath": {"path": f"{root}/{pv_name}"},
                                 "claimRef": {"namespace": ns, "name": pvc["metadata"]["name"]}}})
                    made.append(pv_name)
                with contextlib.suppress(Exception):
                    await client.patch(PVCS, pvc["metadata"]["name"],
                                       {"spec": {"volumeName": pv_name}}, "merge", ns)
                    await client.patch(PVCS, pvc["metadata"]["name"],
                                       {"status": {"phase": "Bound"}}, "merge", ns,
                                       subresource="status")
            await asyncio.sleep(0.1)
    finally:
        for name in made:
            with contextlib.suppress(NotFound):
                await client.delete(PVS, name)


def statefulset(name, node, replicas=3, image="web:1", **spec):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "serviceName": "nginx",
                     "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"nodeName": node, "terminationGracePeriodSeconds": 0,
                                           "containers": [{"name": "web", "image": image}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}}], **spec}}


@pytest.fixture(scope="module")
async def env(api_server):
    async with hollow_nodes(api_server.kubeconfig, 1, prefix="sts") as nodes, \
            running(api_server.kubeconfig, ["statefulset"]) as r:
        await nodes.wait_ready()
        yield r, nodes[0].name


@pytest.fixture
async def ns(env):
    async with namespace(env[0].client, "sts") as name:
        binder = asyncio.create_task(bind_claims(env[0].client, name, tempfile.gettempdir()))
        yield name
        binder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await binder


async def ready_set(c, ns, name, replicas, image=None):
    async def check():
        s = await c.get(STATEFULSETS, name, ns)
        st = s.get("status") or {}
        pods = [p for p in (await c.list(PODS, ns))["items"]
                if not p["metadata"].get("deletionTimestamp")]
        ok = st.get("readyReplicas", 0) == replicas and st.get("replicas") == replicas and \
            len(pods) == replicas and st.get("observedGeneration") == s["metadata"]["generation"]
        if image is not None:
            ok = ok and all(p["spec"]["containers"][0]["image"] == image for p in pods)
        return s if ok else None
    return await eventually(check, 30, what=f"{name} with {replicas} ready")


async def test_ordered_scale_up_down_and_partitioned_update(ns, env):
    r, node = env
    c = r.client
    rec = Recorder(c, ns)
    watch = asyncio.create_task(rec.informer.run())
    try:
        await rec.informer.wait_synced(10)
        await c.create(STATEFULSETS, statefulset("web", node), ns)
        s = await ready_set(c, ns, "web", 3)
        assert rec.names("create") == ["web-0", "web-1", "web-2"]
        creates = [e for e in rec.log if e[0] == "create"]
        assert {"web-0"} <= creates[1][2] and {"web-0", "web-1"} <= creates[2][2]
        pod = await c.get(PODS, "web-1", ns)
        labels = pod["metadata"]["labels"]
        assert labels["statefulset.kubernetes.io/pod-name"] == "web-1"
        assert labels["apps.kubernetes.io/pod-index"] == "1"
        assert labels["controller-revision-hash"] == s["status"]["updateRevision"]
        assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-1", "nginx")
        www = next(v for v in pod["spec"]["volumes"] if v["name"] == "www")
        assert www["persistentVolumeClaim"]["claimName"] == "www-web-1"
        assert s["status"]["currentRevision"] == s["status"]["updateRevision"]
        pvc = await c.get(PVCS, "www-web-0", ns)
        assert pvc["metadata"]["labels"] == {"app": "web"}

        await c.patch(STATEFULSETS, "web", {"spec": {"replicas": 1}}, "merge", ns)
        await ready_set(c, ns, "web", 1)
        assert rec.names("delete") == ["web-2", "web-1"]
        claims = sorted(p["metadata"]["name"] for p in (await c.list(PVCS, ns))["items"])
        assert claims == ["www-web-0", "www-web-1", "www-web-2"]      # retained

        await c.patch(STATEFULSETS, "web", {"spec": {"replicas": 3}}, "merge", ns)
        s = await ready_set(c, ns, "web", 3)
        old_rev = s["status"]["currentRevision"]
        rec.log.clear()
        await c.patch(STATEFULSETS, "web", {"spec": {
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
            "template": {"spec": {"containers": [{"name": "web", "image": "web:2"}]}}}},
            "strategic", ns)

        async def partial():
            s = await c.get(STATEFULSETS, "web", ns)
            st = s.get("status") or {}
            return s if st.get("updatedReplicas") == 2 and st.get("readyReplicas") == 3 \
                else None
        s = await eventually(partial, 30, what="two pods updated")
        assert rec.names("delete") == ["web-2", "web-1"]
        assert (await c.get(PODS, "web-0", ns))["spec"]["containers"][0]["image"] == "web:1"
        assert s["status"]["currentRevision"] == old_rev != s["status"]["updateRevision"]
        assert s["status"]["currentReplicas"] == 1

        await c.patch(STATEFULSETS, "web", {"spec": {"updateStrategy": {
            "rollingUpdate": {"partition": 0}}}}, "strategic", ns)
        s = await ready_set(c, ns, "web", 3, image="web:2")

        async def done():
            s = await c.get(STATEFULSETS, "web", ns)
            st = s["status"]
            return s if st["currentRevision"] == st["updateRevision"] and \
                st.get("currentReplicas") == 3 else None
        await eventually(done, 10, what="rollout complete")
        kubectl = Kubectl.for_kubeconfig(r.workload.settings.kubeconfig)
        out = await asyncio.to_thread(kubectl.ok, "-n", ns, "rollout", "history",
                                      "statefulset/web")
        assert [line.split()[0] for line in out.splitlines()[2:] if line.strip()] == \
            ["1", "2"], out
        out = await asyncio.to_thread(kubectl.ok, "-n", ns, "rollout", "status",
                                      "statefulset/web", "--timeout=10s")
        assert "roll out complete" in out or "rolling update complete" in out, out
    finally:
        rec.informer.stop()
        await watch


async def test_parallel_with_claim_deletion_on_scale_down(ns, env):
    r, node = env
    c = r.client
    await c.create(STATEFULSETS, statefulset(
        "par", node, replicas=2, podManagementPolicy="Parallel",
        persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete", "whenDeleted": "Retain"}),
        ns)
    await ready_set(c, ns, "par", 2)
    await c.patch(STATEFULSETS, "par", {"spec": {"replicas": 0}}, "merge", ns)

    async def claims_gone():
        pods = (await c.list(PODS, ns))["items"]
        claims = [p for p in (await c.list(PVCS, ns))["items"]
                  if not p["metadata"].get("deletionTimestamp")]
        return not pods and not claims
    await eventually(claims_gone, 20, what="pods and claims deleted")
