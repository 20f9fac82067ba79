"""Node IPAM, node lifecycle and taint eviction against the real api-server, with hollow
kubelets and a real scheduler (its own name, confined to this test's nodes) and short timers:
a node whose kubelet stops goes Unknown and gets the unreachable taint, its pods are evicted
and their ReplicaSet brings them back on the node that still answers."""
from __future__ import annotations

import contextlib
import uuid

import pytest

from machinery.api import resources
from machinery.api.errors import NotFound
from scheduler.scheduler import Scheduler
from tests.component.cm2_harness import eventually, namespace, running
from tests.hollow import hollow_nodes

pytestmark = pytest.mark.component

NODES = resources.lookup("", "v1", "nodes")
PODS = resources.lookup("", "v1", "pods")
REPLICASETS = resources.lookup("apps", "v1", "replicasets")
EVENTS = resources.lookup("", "v1", "events")


def node(name, cidr=None):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"podCIDR": cidr, "podCIDRs": [cidr]} if cidr else {}}


async def test_nodeipam_gives_distinct_cidrs_and_frees_them(api_server):
    tag = uuid.uuid4().hex[:6]
    names = [f"ipam-{tag}-{i}" for i in range(3)]
    async with running(api_server.kubeconfig, ["nodeipam"]) as r:
        c = r.client
        try:
            await c.create(NODES, node(names[0], "10.244.1.0/24"))
            await c.create(NODES, node(names[1]))
            await c.create(NODES, node(names[2]))

            async def cidrs():
                got = [(await c.get(NODES, n))["spec"].get("podCIDR") for n in names]
                return got if all(got) else None
            got = await eventually(cidrs, 10, what="pod CIDRs")
            assert got[0] == "10.244.1.0/24"
            assert len(set(got)) == 3
            for cidr in got[1:]:
                octets = cidr.split("/")[0].split(".")
                assert cidr.endswith("/24") and octets[:2] == ["10", "244"]
                assert int(octets[2]) >= 1 and octets[3] == "0"
            n1 = await c.get(NODES, names[1])
            assert n1["spec"]["podCIDRs"] == [got[1]]
            ipam = r.controller("nodeipam")
            assert ipam.cidrs.in_use(got[1])
            await c.delete(NODES, names[1])
            await eventually(lambda: not ipam.cidrs.in_use(got[1]), 10, what="CIDR freed")
            assert ipam.cidrs.in_use(got[2])
        finally:
            for n in names:
                with contextlib.suppress(NotFound):
                    await c.delete(NODES, n)


def replicaset(name, scheduler, tag, replicas=2):
    tolerations = [{"key": k, "operator": "Exists", "effect": "NoExecute",
                    "tolerationSeconds": 1}
                   for k in ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")]
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"schedulerName": scheduler,
                                           "nodeSelector": {"test": tag},
                                           "tolerations": tolerations,
                                           "containers": [{"name": "app",
                                                           "image": "busybox"}]}}}}


def _taint_keys(n):
    return {(t["key"], t["effect"]) for t in (n["spec"].get("taints") or [])}


def _ready(n):
    return next((cond for cond in n["status"].get("conditions") or []
                 if cond["type"] == "Ready"), {})


async def test_dead_node_goes_unknown_tainted_and_its_pods_move(api_server):
    tag = uuid.uuid4().hex[:6]
    sched_name = f"sched-{tag}"
    async with hollow_nodes(api_server.kubeconfig, 2, prefix="nlc", labels={"test": tag},
                            lease_duration_s=4) as nodes, \
            running(api_server.kubeconfig, ["nodelifecycle", "taint-eviction-controller",
                                            "replicaset"]) as r, \
            namespace(r.client, "nlc") as ns:
        c = r.client
        await nodes.wait_ready()
        scheduler = Scheduler(c, scheduler_name=sched_name, node_label_selector=f"test={tag}")
        import asyncio
        sched_task = asyncio.create_task(scheduler.run())
        try:
            await c.create(REPLICASETS, replicaset("web", sched_name, tag, 4), ns)

            async def running_pods():
                pods = (await c.list(PODS, ns))["items"]
                live = [p for p in pods if p["status"].get("phase") == "Running"
                        and not p["metadata"].get("deletionTimestamp")]
                return live if len(live) == 4 else None
            pods = await eventually(running_pods, 20, what="4 running pods")
            victim = nodes[0].name
            if not any(p["spec"]["nodeName"] == victim for p in pods):
                victim = nodes[1].name
            survivor = next(n for n in nodes.names if n != victim)
            doomed = {p["metadata"]["name"] for p in pods if p["spec"]["nodeName"] == victim}
            assert _taint_keys(await c.get(NODES, victim)) == set()

            await nodes.stop(nodes.by_name(victim))

            async def unknown():
                n = await c.get(NODES, victim)
                return n if _ready(n).get("status") == "Unknown" and \
                    ("node.kubernetes.io/unreachable", "NoExecute") in _taint_keys(n) else None
            dead = await eventually(unknown, 15, what="node Unknown and tainted")
            ready = _ready(dead)
            assert ready["reason"] == "NodeStatusUnknown"
            assert ready["message"] == "Kubelet stopped posting node status."
            others = {cond["type"]: cond["status"] for cond in dead["status"]["conditions"]}
            assert others["MemoryPressure"] == others["DiskPressure"] == "Unknown"
            assert ("node.kubernetes.io/unreachable", "NoSchedule") in _taint_keys(dead)

            async def moved():
                pods = (await c.list(PODS, ns))["items"]
                gone = all(p["metadata"].get("deletionTimestamp") for p in pods
                           if p["metadata"]["name"] in doomed)
                live = [p for p in pods if not p["metadata"].get("deletionTimestamp")
                        and p["status"].get("phase") == "Running"]
                return pods if gone and len(live) == 4 and \
                    all(p["spec"]["nodeName"] == survivor for p in live) else None
            pods = await eventually(moved, 20, what="pods recreated on the surviving node")
            evicted = next(p for p in pods if p["metadata"]["name"] in doomed)
            conds = {x["type"]: x for x in evicted["status"]["conditions"]}
            assert conds["Ready"]["status"] == "False"
            assert conds["DisruptionTarget"]["reason"] == "DeletionByTaintManager"
            await r.flush_events()
            events = (await c.list(EVENTS, ns))["items"]
            reasons = {(e["involvedObject"]["name"], e["reason"]) for e in events}
            assert (evicted["metadata"]["name"], "TaintManagerEviction") in reasons
            assert (evicted["metadata"]["name"], "NodeNotReady") in reasons
            node_events = (await c.list(EVENTS, "default", field_selector=(
                f"involvedObject.name={victim}")))["items"]
            assert any(e["reason"] == "NodeNotReady" for e in node_events)

            # it comes back: the taints go
            back = await c.get(NODES, victim)
            now = _now()
            for cond in back["status"]["conditions"]:
                cond.update(status="False" if cond["type"] != "Ready" else "True",
                            lastHeartbeatTime=now, reason="KubeletReady")
            await c.update_status(NODES, back)

            async def untainted():
                return not _taint_keys(await c.get(NODES, victim))
            await eventually(untainted, 5, what="taints removed")
        finally:
            scheduler.stop()
            await asyncio.wait_for(sched_task, 10)
            for p in (await c.list(PODS, ns))["items"]:
                with contextlib.suppress(NotFound):
                    await c.delete(PODS, p["metadata"]["name"], ns, grace_period_s=0)


def _now():
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
