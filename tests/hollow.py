"""Hollow nodes for tests: real kubelets on the fake runtime, in-process, against a real api-server.

    from tests.hollow import hollow_nodes

    async with hollow_nodes(api_server.kubeconfig, count=3, cpu="2", memory="4Gi") as nodes:
        await nodes.wait_ready()
        ... create pods, bind them to nodes.names[0] ...   # they go Running with fake IPs

Each node registers a Node (capacity from the arguments), renews its Lease, runs the pods bound
to it (containers "run" until deleted; see kubelet/runtime/fake.py for the annotations that make
them exit) and completes graceful deletions. On exit the kubelets stop and, unless
`keep_nodes=True`, their Node and Lease objects are deleted. Node names get a random suffix so
tests sharing the session's api-server do not collide.
"""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import AsyncIterator

from kubelet.kubelet import Kubelet
from kubelet.machine import MachineInfo
from kubelet.runtime.fake import FakeRuntime
from kubelet.settings import KubeletSettings
from machinery.api import resources
from machinery.api.errors import NotFound
from machinery.client import ApiClient

NODES = resources.lookup("", "v1", "nodes")
LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")

HOLLOW_MACHINE = MachineInfo(cpus=4, memory_bytes=8 * 2**30, kernel_version="6.1.0-hollow",
                             os_image="tinykube hollow node", architecture="amd64",
                             machine_id="hollow", boot_id="hollow", system_uuid="hollow")


@dataclass
class HollowNode:
    kubelet: Kubelet
    runtime: FakeRuntime
    client: ApiClient
    task: asyncio.Task

    @property
    def name(self) -> str:
        return self.kubelet.settings.node_name


@dataclass
class HollowNodes:
    client: ApiClient
    nodes: list[HollowNode] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.nodes]

    def __getitem__(self, index: int) -> HollowNode:
        return self.nodes[index]

    def by_name(self, name: str) -> HollowNode:
        return next(n for n in self.nodes if n.name == name)

    async def wait_ready(self, timeout_s: float = 20.0) -> None:
        """Until every node is registered with Ready=True and has synced its pods."""
        deadline = time.monotonic() + timeout_s
        for node in self.nodes:
            while not await _is_ready(self.client, node):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"hollow node {node.name} not Ready in {timeout_s}s")
                await asyncio.sleep(0.1)

    async def stop(self, node: HollowNode) -> None:
        """Stop one kubelet (its Node stays: the node lifecycle controller's business)."""
        node.kubelet.stop()
        await asyncio.wait_for(node.task, 30)    # it finishes in-flight writes (a loaded CI)
        await node.client.close()


async def _is_ready(client: ApiClient, node: HollowNode) -> bool:
    if node.task.done():
        node.task.result()            # surface a crashed kubelet
    if not node.kubelet.synced.is_set():
        return False
    try:
        obj = await client.get(NODES, node.name)
    except NotFound:
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def hollow_settings(name: str, kubeconfig: str, root: str, *, pod_cidr: str | None,
                    cpu: str, memory: str, pods: int, labels: dict[str, str] | None,
                    taints: str, fast: bool, lease_duration_s: int = 40) -> KubeletSettings:
    return KubeletSettings(
        kubeconfig=kubeconfig, node_name=name, runtime="fake", pod_cidr=pod_cidr or "",
        capacity_cpu=cpu, capacity_memory=memory, capacity_pods=pods,
        node_labels=",".join(f"{k}={v}" for k, v in (labels or {}).items()),
        register_with_taints=taints, port=0, healthz_port=0, root_dir=f"{root}/{name}",
        node_ip="10.0.0.1", relist_s=0.2 if fast else 1.0,
        node_status_update_s=1.0 if fast else 10.0, lease_duration_s=lease_duration_s)


@contextlib.asynccontextmanager
async def hollow_nodes(kubeconfig: str, count: int = 1, *, prefix: str = "hollow",
                       cpu: str = "4", memory: str = "8Gi", pods: int = 110,
                       labels: dict[str, str] | None = None, taints: str = "",
                       static_pod_cidrs: bool = True, cidr_base: int = 100,
                       fast: bool = True, keep_nodes: bool = False,
                       lease_duration_s: int = 40) -> AsyncIterator[HollowNodes]:
    """`count` hollow kubelets named `<prefix>-<random>-<i>`.

    static_pod_cidrs: each node gets 10.<cidr_base + i // 256>.<i % 256>.0/24 by flag; False
    waits for the controller-manager's node IPAM to set spec.podCIDR (pods stay Pending
    until it does). fast: relist every 0.2 s and node status every 1 s (snappy tests).
    lease_duration_s: the Lease is renewed every quarter of it (upstream: 40 s)."""
    suffix = uuid.uuid4().hex[:5]
    root = tempfile.mkdtemp(prefix="tinykube-hollow-")
    admin = ApiClient.from_kubeconfig(kubeconfig)
    cluster = HollowNodes(admin)
    try:
        for i in range(count):
            name = f"{prefix}-{suffix}-{i}"
            cidr = f"10.{cidr_base + i // 256}.{i % 256}.0/24" if static_pod_cidrs else None
            settings = hollow_settings(name, kubeconfig, root, pod_cidr=cidr, cpu=cpu,
                                       memory=memory, pods=pods, labels=labels, taints=taints,
                                       fast=fast, lease_duration_s=lease_duration_s)
            client = ApiClient.from_kubeconfig(kubeconfig)
            runtime = FakeRuntime()
            kubelet = Kubelet(settings, client, runtime, machine=HOLLOW_MACHINE)
            task = asyncio.create_task(kubelet.run(), name=f"hollow-{name}")
            cluster.nodes.append(HollowNode(kubelet, runtime, client, task))
        yield cluster
    finally:
        for node in cluster.nodes:
            if not node.task.done():
                node.kubelet.stop()
        await asyncio.gather(*(n.task for n in cluster.nodes), return_exceptions=True)
        for node in cluster.nodes:
            await node.client.close()
            if not keep_nodes:
                await _delete_quietly(admin, NODES, node.name, None)
                await _delete_quietly(admin, LEASES, node.name, "kube-node-lease")
        await admin.close()
        shutil.rmtree(root, ignore_errors=True)


async def _delete_quietly(client: ApiClient, info, name: str, namespace: str | None) -> None:
    with contextlib.suppress(NotFound):
        await client.delete(info, name, namespace)


# --- real nodes: the same in-process kubelets on the Docker runtime ------------------------------

TEST_NETWORK = "tinykube-test-pods"      # not the cluster's: a running `make up` is left alone
TEST_SUBNET, TEST_IP_RANGE, TEST_BRIDGE = "10.247.0.0/16", "10.247.0.0/24", "tktest0"


def docker_available() -> str | None:
    """None if Docker answers on its socket, else why not (a reason to skip)."""
    import os
    import subprocess
    if not os.path.exists("/var/run/docker.sock"):
        return "no Docker socket at /var/run/docker.sock"
    try:
        subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], check=True,
                       capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as e:
        return f"Docker does not answer: {e}"
    return None


def ensure_test_images(images=("tinykube-pause:latest", "busybox:latest",
                               "tinykube-echo:latest")) -> None:
    """Build the images with deploy/build-images.sh if one is missing (no registry needed)."""
    import pathlib
    import subprocess
    missing = [i for i in images if subprocess.run(["docker", "image", "inspect", i],
                                                   capture_output=True).returncode != 0]
    if missing:
        script = pathlib.Path(__file__).resolve().parents[1] / "deploy" / "build-images.sh"
        subprocess.run(["bash", str(script)], check=True, timeout=1200)


@contextlib.asynccontextmanager
async def docker_nodes(kubeconfig: str, pod_cidrs: list[str], *, prefix: str = "dk",
                       relist_s: float = 0.5) -> AsyncIterator[HollowNodes]:
    """Kubelets on the real Docker runtime, one per podCIDR, on the test pod network.

    On exit: the kubelets stop, every container labelled with their node names is removed,
    the Node/Lease objects are deleted, and the network is removed if this call created it."""
    from kubelet.runtime.docker import DockerRuntime
    from kubelet.runtime.docker_api import DockerApi
    suffix = uuid.uuid4().hex[:5]
    root = tempfile.mkdtemp(prefix="tinykube-kubelet-")
    admin = ApiClient.from_kubeconfig(kubeconfig)
    cluster = HollowNodes(admin)
    created_network = False
    try:
        for i, cidr in enumerate(pod_cidrs):
            name = f"{prefix}-{suffix}-{i + 1}"
            settings = KubeletSettings(
                kubeconfig=kubeconfig, node_name=name, runtime="docker", pod_cidr=cidr,
                port=0, healthz_port=0, root_dir=f"{root}/{name}", relist_s=relist_s,
                node_status_update_s=1.0, pod_network=TEST_NETWORK,
                pod_network_subnet=TEST_SUBNET, pod_network_ip_range=TEST_IP_RANGE,
                pod_network_bridge=TEST_BRIDGE)
            runtime = DockerRuntime.from_settings(settings)
            await runtime.start()
            created_network = created_network or runtime.network_created
            client = ApiClient.from_kubeconfig(kubeconfig)
            kubelet = Kubelet(settings, client, runtime)
            task = asyncio.create_task(kubelet.run(), name=f"kubelet-{name}")
            cluster.nodes.append(HollowNode(kubelet, runtime, client, task))   # type: ignore
        yield cluster
    finally:
        for node in cluster.nodes:
            if not node.task.done():
                node.kubelet.stop()
        await asyncio.gather(*(n.task for n in cluster.nodes), return_exceptions=True)
        api = DockerApi()
        try:
            for node in cluster.nodes:
                await node.client.close()
                await remove_node_containers(api, node.name)
                await _delete_quietly(admin, NODES, node.name, None)
                await _delete_quietly(admin, LEASES, node.name, "kube-node-lease")
            if created_network:
                with contextlib.suppress(Exception):
                    await api.request("DELETE", f"/networks/{TEST_NETWORK}")
        finally:
            await api.close()
            await admin.close()
            shutil.rmtree(root, ignore_errors=True)


async def remove_node_containers(api, node: str) -> None:
    listed = await api.request("GET", "/containers/json", params={
        "all": True, "filters": {"label": [f"io.tinykube.node={node}"]}})
    for item in listed:
        with contextlib.suppress(Exception):
            await api.request("DELETE", f"/containers/{item['Id']}",
                              params={"force": True, "v": True})
