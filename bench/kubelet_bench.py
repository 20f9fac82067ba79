"""kubelet benchmark: prints figures, asserts nothing (a benchmark, not a test).

In one run, against a fresh local etcd, the api-server (in this process) and `python -m kubelet`
on the Docker runtime in its own process (on its own pod network, 10.247.0.0/16):
  1. pod startup latency, pod created -> Running observed through a watch, image present,
     p50/p99 over N pods created one after the other;
  2. beside it, in the same run, `docker run -d` of the same pause + app containers (the app
     joined to the pause container's network), as a ratio;
  3. the kubelet's idle CPU with 10 running pods (share of one core over 30 s).

Usage: python bench/kubelet_bench.py [--pods 30] [--idle-s 30]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machinery.api import resources  # noqa: E402
from machinery.client import ApiClient  # noqa: E402
from tests.cluster import ApiServer, Etcd  # noqa: E402
from tests.hollow import (TEST_BRIDGE, TEST_IP_RANGE, TEST_NETWORK, TEST_SUBNET,  # noqa: E402
                          ensure_test_images)

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
NAMESPACES = resources.lookup("", "v1", "namespaces")
NODE = f"bench-{uuid.uuid4().hex[:5]}"
POD_CIDR = "10.247.3.0/24"
APP_CMD = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def start_kubelet(kubeconfig: str, root: str) -> subprocess.Popen:
    env = {**os.environ, "TINYKUBE_KUBECONFIG": kubeconfig, "TINYKUBE_NODE_NAME": NODE,
           "TINYKUBE_RUNTIME": "docker", "TINYKUBE_POD_CIDR": POD_CIDR,
           "TINYKUBE_POD_NETWORK": TEST_NETWORK, "TINYKUBE_POD_NETWORK_SUBNET": TEST_SUBNET,
           "TINYKUBE_POD_NETWORK_IP_RANGE": TEST_IP_RANGE,
           "TINYKUBE_POD_NETWORK_BRIDGE": TEST_BRIDGE, "TINYKUBE_PORT": "0",
           "TINYKUBE_HEALTHZ_PORT": "0", "TINYKUBE_ROOT_DIR": root,
           "TINYKUBE_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "kubelet"], cwd=ROOT, env=env)


def pod_body(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": NODE, "terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "app", "image": "busybox:latest",
                                     "imagePullPolicy": "IfNotPresent", "command": APP_CMD}]}}


async def wait_node_ready(client: ApiClient, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            node = await client.get(NODES, NODE)
            if any(c["type"] == "Ready" and c["status"] == "True"
                   for c in node.get("status", {}).get("conditions") or []):
                return
        except Exception:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError("the kubelet's node did not become Ready")


async def start_pod(client: ApiClient, ns: str, name: str) -> float:
    """Seconds from the create call to the Running phase seen on a watch."""
    listed = await client.list(PODS, ns)
    rv = listed["metadata"]["resourceVersion"]
    began = time.monotonic()
    await client.create(PODS, pod_body(name), ns)
    async for event in client.watch(PODS, ns, resource_version=rv,
                                    field_selector=f"metadata.name={name}", timeout_s=60):
        if event.type in ("ADDED", "MODIFIED") and \
                (event.object.get("status") or {}).get("phase") == "Running":
            return time.monotonic() - began
    raise TimeoutError(f"pod {name} not Running")


def bare_docker_start(i: int) -> float:
    """`docker run -d` of a pause container with a fixed IP, then the app joined to it."""
    began = time.monotonic()
    pause = docker("run", "-d", "--label", "io.tinykube.bench=1", "--network", TEST_NETWORK,
                   "--ip", f"10.247.4.{i + 2}", "tinykube-pause:latest")
    docker("run", "-d", "--label", "io.tinykube.bench=1", "--network", f"container:{pause}",
           "busybox:latest", *APP_CMD)
    return time.monotonic() - began


def cleanup_bare() -> None:
    ids = docker("ps", "-aq", "--filter", "label=io.tinykube.bench=1").split()
    if ids:
        docker("rm", "-f", *ids)


async def bench(n_pods: int, idle_s: float) -> None:
    ensure_test_images()
    had_network = subprocess.run(["docker", "network", "inspect", TEST_NETWORK],
                                 capture_output=True).returncode == 0
    etcd = Etcd.start()
    api = ApiServer.start(etcd.url)
    root = tempfile.mkdtemp(prefix="bench-kubelet-")
    client = ApiClient.from_kubeconfig(api.kubeconfig)
    kubelet = start_kubelet(api.kubeconfig, root)
    ns = f"bench-{uuid.uuid4().hex[:6]}"
    try:
        await wait_node_ready(client)
        await client.create(NAMESPACES, {"metadata": {"name": ns}})
        await start_pod(client, ns, "warmup")
        latencies = [await start_pod(client, ns, f"p{i}") for i in range(n_pods)]
        bare = [bare_docker_start(i) for i in range(n_pods)]
        cleanup_bare()
        p50, p99 = pct(latencies, 50), pct(latencies, 99)
        b50, b99 = pct(bare, 50), pct(bare, 99)
        print(f"pod startup (create -> Running via watch), {n_pods} pods, sequential:")
        print(f"  kubelet      p50 {p50:.3f} s   p99 {p99:.3f} s")
        print(f"  docker run   p50 {b50:.3f} s   p99 {b99:.3f} s   (pause + app, CLI)")
        print(f"  ratio        p50 {p50 / b50:.2f}x  p99 {p99 / b99:.2f}x")
        for i in range(10, n_pods):
            await client.delete(PODS, f"p{i}", ns)
        await client.delete(PODS, "warmup", ns)
        await asyncio.sleep(8)                     # deletions done, the node settles
        before, t0 = cpu_seconds(kubelet.pid), time.monotonic()
        await asyncio.sleep(idle_s)
        used = cpu_seconds(kubelet.pid) - before
        print(f"kubelet idle CPU with 10 running pods: {100 * used / (time.monotonic() - t0):.2f}"
              f"% of one core (over {idle_s:.0f} s)")
    finally:
        kubelet.terminate()
        kubelet.wait(30)
        cleanup_bare()
        ids = docker("ps", "-aq", "--filter", f"label=io.tinykube.node={NODE}").split()
        if ids:
            docker("rm", "-f", *ids)
        if not had_network:
            subprocess.run(["docker", "network", "rm", TEST_NETWORK], capture_output=True)
        await client.close()
        api.stop()
        etcd.stop()
        subprocess.run(["rm", "-rf", root])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=30)
    parser.add_argument("--idle-s", type=float, default=30.0)
    args = parser.parse_args()
    asyncio.run(bench(args.pods, args.idle_s))


if __name__ == "__main__":
    main()
