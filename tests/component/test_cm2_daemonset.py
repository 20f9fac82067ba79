"""The DaemonSet controller against the real api-server with hollow kubelets and a real
scheduler (its own name, confined to this test's nodes): a pod per matching node, nodes
joining and leaving by label, a rolling update with ControllerRevisions."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from machinery.api import resources
from scheduler.scheduler import Scheduler
from tests.component.cm2_harness import eventually, namespace, running
from tests.hollow import hollow_nodes
from tests.kubectl import Kubectl

pytestmark = pytest.mark.component

NODES = resources.lookup("", "v1", "nodes")
PODS = resources.lookup("", "v1", "pods")
DAEMONSETS = resources.lookup("apps", "v1", "daemonsets")
REVISIONS = resources.lookup("apps", "v1", "controllerrevisions")


def daemonset(name, tag, scheduler, image="fluentd:1"):
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxUnavailable": 1}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"schedulerName": scheduler,
                                           "nodeSelector": {"ds": tag},
                                           "containers": [{"name": "log", "image": image}]}}}}


async def label(c, node, tag):
    await c.patch(NODES, node, {"metadata": {"labels": {"ds": tag}}}, "merge")


async def live_pods(c, ns):
    return [p for p in (await c.list(PODS, ns))["items"]
            if not p["metadata"].get("deletionTimestamp")]


async def test_one_pod_per_node_join_leave_and_rolling_update(api_server):
    tag = uuid.uuid4().hex[:6]
    sched_name = f"sched-{tag}"
    async with hollow_nodes(api_server.kubeconfig, 3, prefix="ds", labels={"test": tag}) \
            as nodes, running(api_server.kubeconfig, ["daemonset"]) as r, \
            namespace(r.client, "ds") as ns:
        c = r.client
        await nodes.wait_ready()
        scheduler = Scheduler(c, scheduler_name=sched_name, node_label_selector=f"test={tag}")
        sched_task = asyncio.create_task(scheduler.run())
        try:
            n0, n1, n2 = nodes.names
            await label(c, n0, tag)
            await label(c, n1, tag)
            await c.create(DAEMONSETS, daemonset("logs", tag, sched_name), ns)

            async def on_nodes(expected):
                pods = await live_pods(c, ns)
                placed = sorted(p["spec"].get("nodeName") or "" for p in pods)
                running_ = all(p["status"].get("phase") == "Running" for p in pods)
                return pods if placed == sorted(expected) and running_ else None
            pods = await eventually(lambda: on_nodes([n0, n1]), 20, what="pods on n0, n1")
            pod = pods[0]
            terms = pod["spec"]["affinity"]["nodeAffinity"][
                "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                               "values": [pod["spec"]["nodeName"]]}]}]
            keys = {(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]}
            assert {("node.kubernetes.io/not-ready", "NoExecute"),
                    ("node.kubernetes.io/unreachable", "NoExecute"),
                    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                    ("node.kubernetes.io/unschedulable", "NoSchedule")} <= keys
            first_hash = pod["metadata"]["labels"]["controller-revision-hash"]
            assert pod["metadata"]["name"].startswith("logs-")

            async def status_is(**want):
                ds = await c.get(DAEMONSETS, "logs", ns)
                s = ds.get("status") or {}
                ok = all(s.get(k, 0) == v for k, v in want.items()) and \
                    s.get("observedGeneration") == ds["metadata"]["generation"]
                return ds if ok else None
            await eventually(lambda: status_is(desiredNumberScheduled=2,
                                               currentNumberScheduled=2, numberReady=2,
                                               numberAvailable=2, updatedNumberScheduled=2,
                                               numberMisscheduled=0), 10, what="status")

            await label(c, n2, tag)                 # joins
            await eventually(lambda: on_nodes([n0, n1, n2]), 20, what="pod on n2")
            await c.patch(NODES, n0, {"metadata": {"labels": {"ds": None}}}, "merge")  # leaves
            await eventually(lambda: on_nodes([n1, n2]), 20, what="pod gone from n0")

            await c.patch(DAEMONSETS, "logs", {"spec": {"template": {"spec": {
                "containers": [{"name": "log", "image": "fluentd:2"}]}}}}, "strategic", ns)

            async def updated():
                pods = await on_nodes([n1, n2])
                return pods if pods and all(
                    p["spec"]["containers"][0]["image"] == "fluentd:2" for p in pods) else None
            pods = await eventually(updated, 30, what="rolled out")
            assert all(p["metadata"]["labels"]["controller-revision-hash"] != first_hash
                       for p in pods)
            ds = await eventually(lambda: status_is(desiredNumberScheduled=2,
                                                    updatedNumberScheduled=2,
                                                    numberAvailable=2), 10,
                                  what="status after update")
            revs = (await c.list(REVISIONS, ns))["items"]
            assert sorted(r["revision"] for r in revs) == [1, 2]
            for rev in revs:
                assert rev["metadata"]["labels"]["app"] == "logs"
                assert rev["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"]
                assert rev["metadata"]["name"] == \
                    f"logs-{rev['metadata']['labels']['controller-revision-hash']}"
            kubectl = Kubectl.for_kubeconfig(api_server.kubeconfig)
            out = await asyncio.to_thread(kubectl.ok, "-n", ns, "rollout", "history",
                                          "daemonset/logs")
            rows = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
            assert rows == ["1", "2"], out
        finally:
            scheduler.stop()
            await asyncio.wait_for(sched_task, 10)
