"""Kubelets on the real Docker Engine against the real api-server: pods as real containers.

Skipped (with the reason) only when Docker does not answer. Uses its own pod network
(tests/hollow.py TEST_NETWORK, 10.247.0.0/16) so a running cluster is left alone; every test
removes its node's containers by label, and the network if the test created it.
"""
from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import os
import time
import uuid

import pytest

from tests.helpers import async_eventually

from machinery.api import resources
from machinery.api.errors import NotFound
from tests.hollow import docker_available, docker_nodes, ensure_test_images

pytestmark = pytest.mark.component
PODS = resources.lookup("", "v1", "pods")
NAMESPACES = resources.lookup("", "v1", "namespaces")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
SECRETS = resources.lookup("", "v1", "secrets")
EVENTS = resources.lookup("", "v1", "events")
CIDR1, CIDR2 = "10.247.1.0/24", "10.247.2.0/24"

_why_not = docker_available()
if _why_not:
    pytest.skip(f"Docker is not available: {_why_not}", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def images():
    ensure_test_images()


async def eventually(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Until predicate() is truthy; NotFound (the object is not there yet) counts as not yet."""
    return await async_eventually(predicate, timeout, interval)


@pytest.fixture
async def namespace(api_client):
    name = f"kd-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"metadata": {"name": name}})
    yield name
    try:
        await api_client.delete(NAMESPACES, name)
    except NotFound:
        pass


def pod(name: str, node: str, containers: list[dict], **spec) -> dict:
    for c in containers:
        c.setdefault("imagePullPolicy", "IfNotPresent")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "terminationGracePeriodSeconds": 2,
                     "containers": containers, **spec}}


def sleeper(name: str = "app", script: str = "sleep 3600") -> dict:
    # `exec` so that SIGTERM reaches the process; trap so that it exits at once
    return {"name": name, "image": "busybox:latest",
            "command": ["sh", "-c", f"trap 'exit 0' TERM; {script} & wait"]}


def echo(name: str = "web", port: int = 8080) -> dict:
    """The echo server; Ready once it listens (python takes a moment to start)."""
    return {"name": name, "image": "tinykube-echo:latest", "env": [
        {"name": "PORT", "value": str(port)},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "readinessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 1}}


def condition(obj: dict, type_: str) -> dict:
    return next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == type_), {})


async def running(client, name: str, namespace: str, ready: bool = True):
    async def check():
        p = await client.get(PODS, name, namespace)
        if p["status"].get("phase") != "Running":
            return None
        if ready and condition(p, "Ready").get("status") != "True":
            return None
        return p
    return await eventually(check)


def container_id(p: dict, name: str) -> str:
    cs = next(c for c in p["status"]["containerStatuses"] if c["name"] == name)
    return cs["containerID"].split("://", 1)[1]


async def exec_out(node, p: dict, container: str, cmd: list[str]) -> tuple[int, str]:
    code, out = await node.runtime.exec_run(container_id(p, container), cmd, 10)
    return code, out.decode()


async def test_pod_lifecycle_real_ip_and_graceful_delete(api_server, api_client, namespace):
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        node = nodes[0]
        await api_client.create(PODS, pod("life", node.name, [sleeper()]), namespace)
        p = await running(api_client, "life", namespace)
        assert ipaddress.ip_address(p["status"]["podIP"]) in ipaddress.ip_network(CIDR1)
        cs = p["status"]["containerStatuses"][0]
        assert cs["containerID"].startswith("docker://") and cs["imageID"].startswith("docker://")
        assert "running" in cs["state"] and cs["restartCount"] == 0
        # the machine reaches the pod by its IP (same bridge)
        code, out = await exec_out(node, p, "app", ["hostname"])
        assert code == 0 and out.strip() == "life"
        started = time.monotonic()
        await api_client.delete(PODS, "life", namespace)

        async def gone():
            try:
                await api_client.get(PODS, "life", namespace)
            except NotFound:
                return True
            return False
        await eventually(gone)
        assert time.monotonic() - started < 5        # the app exits on SIGTERM at once
        left = await node.runtime.list_pod_containers(node.name, p["metadata"]["uid"])
        assert left == []


async def test_grace_period_then_sigkill(api_server, api_client, namespace):
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        stubborn = {"name": "app", "image": "busybox:latest",
                    "command": ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]}
        body = pod("stubborn", nodes.names[0], [stubborn], terminationGracePeriodSeconds=3)
        await api_client.create(PODS, body, namespace)
        await running(api_client, "stubborn", namespace)
        started = time.monotonic()
        await api_client.delete(PODS, "stubborn", namespace)

        async def gone():
            try:
                await api_client.get(PODS, "stubborn", namespace)
            except NotFound:
                return True
            return False
        await eventually(gone)
        took = time.monotonic() - started
        assert 2.5 <= took < 9, took


async def test_containers_share_localhost(api_server, api_client, namespace):
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        body = pod("duo", nodes.names[0], [echo(), sleeper("client")])
        await api_client.create(PODS, body, namespace)
        p = await running(api_client, "duo", namespace)
        code, out = await exec_out(nodes[0], p, "client",
                                   ["wget", "-qO-", "http://127.0.0.1:8080/x"])
        assert code == 0, out
        answer = json.loads(out)
        assert answer["pod"] == "duo" and answer["path"] == "/x"


async def test_pods_on_two_nodes_reach_each_other(api_server, api_client, namespace):
    async with docker_nodes(api_server.kubeconfig, [CIDR1, CIDR2]) as nodes:
        await nodes.wait_ready()
        await api_client.create(PODS, pod("server", nodes.names[0], [echo()]), namespace)
        await api_client.create(PODS, pod("client", nodes.names[1], [sleeper()]), namespace)
        server = await running(api_client, "server", namespace)
        client = await running(api_client, "client", namespace)
        assert ipaddress.ip_address(server["status"]["podIP"]) in ipaddress.ip_network(CIDR1)
        assert ipaddress.ip_address(client["status"]["podIP"]) in ipaddress.ip_network(CIDR2)
        code, out = await exec_out(nodes[1], client, "app", [
            "wget", "-qO-", f"http://{server['status']['podIP']}:8080/"])
        assert code == 0, out
        assert json.loads(out)["pod"] == "server"


async def test_crash_loop_back_off(api_server, api_client, namespace):
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        crash = {"name": "app", "image": "busybox:latest", "command": ["sh", "-c", "exit 3"]}
        await api_client.create(PODS, pod("crash", nodes.names[0], [crash]), namespace)

        async def backing_off():
            p = await api_client.get(PODS, "crash", namespace)
            cs = (p["status"].get("containerStatuses") or [{}])[0]
            if cs.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff":
                return p
            return None
        p = await eventually(backing_off)
        cs = p["status"]["containerStatuses"][0]
        assert cs["restartCount"] >= 1
        assert cs["lastState"]["terminated"]["exitCode"] == 3
        assert cs["lastState"]["terminated"]["reason"] == "Error"
        assert condition(p, "Ready")["reason"] == "ContainersNotReady"
        # the next restart waits out the back-off (10 s): not restarted within 5 s
        count = cs["restartCount"]
        await asyncio.sleep(5)
        p = await api_client.get(PODS, "crash", namespace)
        assert p["status"]["containerStatuses"][0]["restartCount"] == count


async def test_liveness_failure_restarts_and_readiness_gates_ready(api_server, api_client,
                                                                    namespace):
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        flaky = sleeper("app", "touch /tmp/ok; sleep 2; rm /tmp/ok; sleep 3600")
        flaky["livenessProbe"] = {"exec": {"command": ["cat", "/tmp/ok"]},
                                  "periodSeconds": 1, "failureThreshold": 2}
        web = echo()
        web["readinessProbe"] = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1}
        never = sleeper("never")
        never["readinessProbe"] = {"tcpSocket": {"port": 9999}, "periodSeconds": 1}
        await api_client.create(PODS, pod("probed", nodes.names[0], [flaky, web, never]),
                                namespace)

        async def restarted():
            p = await api_client.get(PODS, "probed", namespace)
            statuses = {c["name"]: c for c in p["status"].get("containerStatuses") or []}
            app = statuses.get("app", {})
            return p if app.get("restartCount", 0) >= 1 and statuses["web"]["ready"] else None
        p = await eventually(restarted, timeout=40)
        statuses = {c["name"]: c for c in p["status"]["containerStatuses"]}
        assert statuses["never"]["ready"] is False
        assert condition(p, "Ready")["status"] == "False"
        assert "never" in condition(p, "Ready")["message"]
        events = await api_client.list(EVENTS, namespace)
        reasons = {e["reason"] for e in events["items"]}
        assert {"Unhealthy", "Killing", "Started", "Created"} <= reasons


async def test_volumes(api_server, api_client, namespace, tmp_path):
    host_dir = str(tmp_path)
    with open(os.path.join(host_dir, "from-host"), "w") as f:
        f.write("hello from the host")
    await api_client.create(CONFIGMAPS, {"metadata": {"name": "cfg"},
                                         "data": {"greeting": "hi"}}, namespace)
    await api_client.create(SECRETS, {"metadata": {"name": "sec"}, "data": {
        "password": base64.b64encode(b"s3cret").decode()}}, namespace)
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        writer = sleeper("writer", "echo shared > /data/file; sleep 3600")
        writer["volumeMounts"] = [{"name": "scratch", "mountPath": "/data"}]
        reader = sleeper("reader")
        reader["volumeMounts"] = [
            {"name": "scratch", "mountPath": "/shared"},
            {"name": "cfg", "mountPath": "/etc/cfg"},
            {"name": "sec", "mountPath": "/etc/sec", "readOnly": True},
            {"name": "host", "mountPath": "/host"}]
        reader["env"] = [{"name": "GREETING", "valueFrom": {"configMapKeyRef": {
            "name": "cfg", "key": "greeting"}}}]
        volumes = [{"name": "scratch", "emptyDir": {}},
                   {"name": "cfg", "configMap": {"name": "cfg"}},
                   {"name": "sec", "secret": {"secretName": "sec"}},
                   {"name": "host", "hostPath": {"path": host_dir}}]
        await api_client.create(PODS, pod("vols", nodes.names[0], [writer, reader],
                                          volumes=volumes), namespace)
        p = await running(api_client, "vols", namespace)
        node = nodes[0]

        async def shared():
            code, out = await exec_out(node, p, "reader", ["cat", "/shared/file"])
            return out.strip() == "shared"
        await eventually(shared, timeout=10)
        assert (await exec_out(node, p, "reader", ["cat", "/etc/cfg/greeting"]))[1] == "hi"
        assert (await exec_out(node, p, "reader", ["cat", "/etc/sec/password"]))[1] == "s3cret"
        assert (await exec_out(node, p, "reader", ["cat", "/host/from-host"]))[1] == \
            "hello from the host"
        assert (await exec_out(node, p, "reader", ["sh", "-c", "echo $GREETING"]))[1] == "hi\n"
        await api_client.patch(CONFIGMAPS, "cfg", {"data": {"greeting": "hello"}}, "merge",
                               namespace)

        async def updated():
            return (await exec_out(node, p, "reader", ["cat", "/etc/cfg/greeting"]))[1] == "hello"
        await eventually(updated, timeout=20)
        pod_dir = node.kubelet.syncer.volumes.pod_dir(p["metadata"]["uid"])
        assert pod_dir.exists()
        await api_client.delete(PODS, "vols", namespace)
        await eventually(lambda: _async(not pod_dir.exists()), timeout=15)


async def test_missing_image_err_image_pull(api_server, api_client, namespace):
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        missing = {"name": "app", "image": "tinykube-does-not-exist:1.0"}
        await api_client.create(PODS, pod("noimg", nodes.names[0], [missing]), namespace)

        async def reason():
            p = await api_client.get(PODS, "noimg", namespace)
            cs = (p["status"].get("containerStatuses") or [{}])[0]
            return cs.get("state", {}).get("waiting", {}).get("reason")
        assert await eventually(reason) in ("ErrImagePull", "ImagePullBackOff")
        p = await api_client.get(PODS, "noimg", namespace)
        assert p["status"]["phase"] == "Pending"
        events = await api_client.list(EVENTS, namespace)
        assert any(e["reason"] == "Failed" and "tinykube-does-not-exist" in e["message"]
                   for e in events["items"])


async def test_restarted_kubelet_adopts_containers(api_server, api_client, namespace):
    from kubelet.kubelet import Kubelet
    from kubelet.runtime.docker import DockerRuntime
    from machinery.client import ApiClient
    async with docker_nodes(api_server.kubeconfig, [CIDR1]) as nodes:
        await nodes.wait_ready()
        await api_client.create(PODS, pod("adopt", nodes.names[0], [sleeper()]), namespace)
        before = await running(api_client, "adopt", namespace)
        old = nodes[0]
        await nodes.stop(old)               # the kubelet dies; its containers live on
        settings = old.kubelet.settings
        client = ApiClient.from_kubeconfig(api_server.kubeconfig)
        again = Kubelet(settings, client, DockerRuntime.from_settings(settings))
        task = asyncio.create_task(again.run())
        try:
            await asyncio.wait_for(again.synced.wait(), 15)
            await asyncio.sleep(2)          # a few relists and pod syncs
            after = await api_client.get(PODS, "adopt", namespace)
            # and it still manages the pod: deletion works
            await api_client.delete(PODS, "adopt", namespace)

            async def gone():
                try:
                    await api_client.get(PODS, "adopt", namespace)
                except NotFound:
                    return True
                return False
            await eventually(gone)
        finally:
            again.stop()
            await asyncio.wait_for(task, 15)
            await client.close()
    assert container_id(after, "app") == container_id(before, "app")
    assert after["status"]["containerStatuses"][0]["restartCount"] == 0
    assert after["status"]["podIP"] == before["status"]["podIP"]


async def _async(value):
    return value
