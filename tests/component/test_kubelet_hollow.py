"""A hollow kubelet (fake runtime) against the real api-server: node, lease, pods, deletion."""
from __future__ import annotations

import asyncio
import ipaddress
import uuid

import pytest

from tests.helpers import async_eventually

from machinery.api import resources
from machinery.api.errors import NotFound
from tests.hollow import LEASES, NODES, hollow_nodes

pytestmark = pytest.mark.component
PODS = resources.lookup("", "v1", "pods")
NAMESPACES = resources.lookup("", "v1", "namespaces")


async def eventually(predicate, timeout: float = 15.0, interval: float = 0.1):
    """Until predicate() is truthy; NotFound (the object is not there yet) counts as not yet."""
    return await async_eventually(predicate, timeout, interval)


@pytest.fixture
async def namespace(api_client):
    name = f"kl-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"metadata": {"name": name}})
    yield name
    try:
        await api_client.delete(NAMESPACES, name)
    except NotFound:
        pass


def pod_body(name: str, node: str, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "app", "image": "busybox:latest",
                                     "imagePullPolicy": "IfNotPresent"}], **spec}}


def condition(obj: dict, type_: str) -> dict | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == type_), None)


async def test_hollow_node_registers_ready_with_node_info(api_server, api_client):
    async with hollow_nodes(api_server.kubeconfig, 1, cpu="2", memory="4Gi", pods=20,
                            labels={"node-role.kubernetes.io/worker": ""},
                            taints="dedicated=hollow:NoSchedule") as nodes:
        await nodes.wait_ready()
        node = await api_client.get(NODES, nodes.names[0])
    status = node["status"]
    assert status["capacity"]["cpu"] == "2"
    assert status["capacity"]["memory"] == "4194304Ki"
    assert status["allocatable"]["pods"] == "20"
    assert status["nodeInfo"]["kubeletVersion"] == "v1.32.0"
    assert status["nodeInfo"]["containerRuntimeVersion"].startswith("fake://")
    assert {"type": "Hostname", "address": nodes.names[0]} in status["addresses"]
    assert any(a["type"] == "InternalIP" for a in status["addresses"])
    assert status["daemonEndpoints"]["kubeletEndpoint"]["Port"] == 0
    ready = condition(node, "Ready")
    assert ready["reason"] == "KubeletReady"
    assert ready["message"] == "kubelet is posting ready status"
    assert condition(node, "MemoryPressure")["reason"] == "KubeletHasSufficientMemory"
    assert condition(node, "DiskPressure")["status"] == "False"
    assert condition(node, "PIDPressure")["reason"] == "KubeletHasSufficientPID"
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == nodes.names[0]
    assert labels["kubernetes.io/os"] == "linux"
    assert "node-role.kubernetes.io/worker" in labels
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "hollow",
                                       "effect": "NoSchedule"}]


async def test_lease_is_created_and_renewed(api_server, api_client):
    async with hollow_nodes(api_server.kubeconfig, 1, lease_duration_s=4) as nodes:
        await nodes.wait_ready()
        first = await eventually(lambda: api_client.get(LEASES, nodes.names[0],
                                                        "kube-node-lease"))
        assert first["spec"]["holderIdentity"] == nodes.names[0]
        assert first["metadata"]["ownerReferences"][0]["kind"] == "Node"

        async def renewed():
            lease = await api_client.get(LEASES, nodes.names[0], "kube-node-lease")
            return lease["spec"]["renewTime"] != first["spec"]["renewTime"]
        await eventually(renewed, timeout=5)


async def test_bound_pod_runs_and_gets_status(api_server, api_client, namespace):
    async with hollow_nodes(api_server.kubeconfig, 1) as nodes:
        await nodes.wait_ready()
        await api_client.create(PODS, pod_body("p1", nodes.names[0]), namespace)

        async def running():
            pod = await api_client.get(PODS, "p1", namespace)
            return pod if pod["status"].get("phase") == "Running" and \
                (condition(pod, "Ready") or {}).get("status") == "True" else None
        pod = await eventually(running)
    status = pod["status"]
    cidr = ipaddress.ip_network(nodes[0].kubelet.settings.pod_cidr)
    assert ipaddress.ip_address(status["podIP"]) in cidr
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    assert status["hostIP"] == "10.0.0.1"
    assert status["startTime"]
    assert status["qosClass"] == "BestEffort"
    cs = status["containerStatuses"][0]
    assert cs["ready"] and cs["started"] and cs["restartCount"] == 0
    assert cs["containerID"].startswith("fake://")
    assert "running" in cs["state"]
    for type_ in ("Initialized", "ContainersReady", "PodReadyToStartContainers"):
        assert condition(pod, type_)["status"] == "True"


async def test_graceful_delete_removes_pod_and_containers(api_server, api_client, namespace):
    async with hollow_nodes(api_server.kubeconfig, 1) as nodes:
        await nodes.wait_ready()
        await api_client.create(PODS, pod_body("p2", nodes.names[0]), namespace)
        await eventually(lambda: _phase(api_client, "p2", namespace, "Running"))
        await api_client.delete(PODS, "p2", namespace)

        async def gone():
            try:
                await api_client.get(PODS, "p2", namespace)
                return False
            except NotFound:
                return True
        await eventually(gone)
        runtime = nodes[0].runtime
        await eventually(lambda: _async(not runtime.containers))
        verbs = [verb for verb, _ in runtime.calls]
        assert verbs.index("stop") < verbs.index("remove")


async def test_pod_with_exit_annotation_succeeds(api_server, api_client, namespace):
    async with hollow_nodes(api_server.kubeconfig, 1) as nodes:
        await nodes.wait_ready()
        body = pod_body("job", nodes.names[0], restartPolicy="Never")
        body["metadata"]["annotations"] = {"fake.tinykube.io/exit-code": "0",
                                           "fake.tinykube.io/run-seconds": "0.2"}
        await api_client.create(PODS, body, namespace)
        pod = await eventually(lambda: _phase(api_client, "job", namespace, "Succeeded"))
    term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 0 and term["reason"] == "Completed"
    assert condition(pod, "Ready")["reason"] == "PodCompleted"


async def test_crashing_container_restarts_with_backoff(api_server, api_client, namespace):
    async with hollow_nodes(api_server.kubeconfig, 1) as nodes:
        await nodes.wait_ready()
        body = pod_body("crash", nodes.names[0])
        body["metadata"]["annotations"] = {"fake.tinykube.io/exit-code": "2"}
        await api_client.create(PODS, body, namespace)

        async def crash_looping():
            pod = await api_client.get(PODS, "crash", namespace)
            cs = (pod["status"].get("containerStatuses") or [{}])[0]
            waiting = cs.get("state", {}).get("waiting", {})
            return pod if waiting.get("reason") == "CrashLoopBackOff" else None
        pod = await eventually(crash_looping)
    cs = pod["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 1          # one immediate restart, then back-off
    assert cs["lastState"]["terminated"]["exitCode"] == 2
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert "back-off 10s restarting failed container=app" in cs["state"]["waiting"]["message"]
    assert pod["status"]["phase"] == "Running"


async def test_missing_image_gives_err_image_pull(api_server, api_client, namespace):
    async with hollow_nodes(api_server.kubeconfig, 1) as nodes:
        await nodes.wait_ready()
        nodes[0].runtime.missing_images.add("nope:1")
        body = pod_body("noimg", nodes.names[0])
        body["spec"]["containers"][0].update(image="nope:1", imagePullPolicy="IfNotPresent")
        await api_client.create(PODS, body, namespace)

        async def waiting_reason():
            pod = await api_client.get(PODS, "noimg", namespace)
            cs = (pod["status"].get("containerStatuses") or [{}])[0]
            return cs.get("state", {}).get("waiting", {}).get("reason")
        assert await eventually(waiting_reason) in ("ErrImagePull", "ImagePullBackOff")
        assert await eventually(lambda: _is(waiting_reason, "ImagePullBackOff"))
        pod = await api_client.get(PODS, "noimg", namespace)
        assert pod["status"]["phase"] == "Pending"


async def test_restarted_kubelet_adopts_running_pods(api_server, api_client, namespace):
    async with hollow_nodes(api_server.kubeconfig, 1) as nodes:
        await nodes.wait_ready()
        await api_client.create(PODS, pod_body("keep", nodes.names[0]), namespace)
        before = await eventually(lambda: _phase(api_client, "keep", namespace, "Running"))
        old = nodes[0]
        await nodes.stop(old)
        # a new kubelet process on the same node and runtime (the containers outlive it)
        from kubelet.kubelet import Kubelet
        from machinery.client import ApiClient
        client = ApiClient.from_kubeconfig(api_server.kubeconfig)
        again = Kubelet(old.kubelet.settings, client, old.runtime, machine=old.kubelet.machine)
        task = asyncio.create_task(again.run())
        try:
            await asyncio.wait_for(again.synced.wait(), 10)
            await asyncio.sleep(1.0)       # a few relists and syncs
            after = await api_client.get(PODS, "keep", namespace)
        finally:
            again.stop()
            await asyncio.wait_for(task, 10)
            await client.close()
    b, a = before["status"]["containerStatuses"][0], after["status"]["containerStatuses"][0]
    assert a["containerID"] == b["containerID"]
    assert a["restartCount"] == 0
    assert after["status"]["podIP"] == before["status"]["podIP"]
    assert [v for v, _ in old.runtime.calls].count("create_sandbox") == 1


async def _phase(client, name, namespace, phase):
    pod = await client.get(PODS, name, namespace)
    return pod if pod["status"].get("phase") == phase else None


async def _async(value):
    return value


async def _is(fn, expected):
    return await fn() == expected


async def test_dead_instances_are_garbage_collected(api_server, api_client, namespace):
    async with hollow_nodes(api_server.kubeconfig, 1) as nodes:
        await nodes.wait_ready()
        kubelet = nodes[0].kubelet
        kubelet.syncer.backoff.initial_s = 0.1       # crash fast for the test
        kubelet.syncer.backoff.max_s = 0.1
        body = pod_body("churn", nodes.names[0])
        body["metadata"]["annotations"] = {"fake.tinykube.io/exit-code": "1",
                                           "fake.tinykube.io/run-seconds": "0.05"}
        await api_client.create(PODS, body, namespace)

        async def restarted_often():
            pod = await api_client.get(PODS, "churn", namespace)
            cs = (pod["status"].get("containerStatuses") or [{}])[0]
            return cs.get("restartCount", 0) >= 4
        await eventually(restarted_often, timeout=30)
        apps = [c for c in nodes[0].runtime.containers.values() if c.name == "app"]
        assert len(apps) <= 3          # current + previous (+ one being replaced)
