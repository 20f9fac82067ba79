"""Restart survival: the same cluster comes back, every object and running workload intact,
after `docker compose restart`, after `down` + `up` (volumes kept), and (disruptive, not in the
default run) after a restart of the Docker daemon.

Each test leaves the shared stack healthy: it ends by waiting for deploy/wait-ready.py.

The Docker daemon test restarts the machine's Docker: every container on the machine stops.
It runs only when asked:  TINYKUBE_DISRUPTIVE=1 python -m pytest tests/e2e/test_restart.py -m disruptive
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import eventually

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
IMAGE = "tinykube-echo:latest"
BARE_POD = """
apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - {name: main, image: busybox:latest, imagePullPolicy: IfNotPresent,
       command: [sh, -c, "echo started; exec sleep 1000000"]}
"""


@dataclass
class Snapshot:
    """What must survive: object uids, the Service's ClusterIP, pods by name -> uid."""
    uids: dict[str, str]
    cluster_ip: str
    pods: dict[str, str]
    containers: dict[str, str]     # pod name -> its first container's id


def kubectl_json(cluster, *args: str) -> dict:
    return json.loads(cluster.kubectl(*args, "-o", "json", check=True, timeout=30).stdout)


@pytest.fixture(scope="module")
def workload(cluster):
    """A namespace with a Deployment + Service, a bare pod and a ConfigMap, all Running."""
    ns = f"restart-{uuid.uuid4().hex[:6]}"
    k = cluster.kubectl
    k("create", "namespace", ns, check=True)
    k("create", "deployment", "web", f"--image={IMAGE}", "--replicas=2", "--port=8080",
      "-n", ns, check=True)
    k("expose", "deployment", "web", "--port=80", "--target-port=8080", "-n", ns, check=True)
    k("create", "configmap", "settings", "--from-literal=colour=blue", "-n", ns, check=True)
    k("apply", "-n", ns, "-f", "-", input=BARE_POD, check=True)
    k("rollout", "status", "deployment/web", "-n", ns, "--timeout=120s", check=True, timeout=150)
    k("wait", "--for=condition=Ready", "pod/solo", "-n", ns, "--timeout=60s", check=True,
      timeout=90)
    yield ns
    k("delete", "namespace", ns, "--wait=false")


def snapshot(cluster, ns: str) -> Snapshot:
    uids = {}
    for ref in ("namespace/" + ns, "deployment/web", "service/web", "configmap/settings",
                "pod/solo"):
        args = (ref,) if ref.startswith("namespace/") else (ref, "-n", ns)
        uids[ref] = kubectl_json(cluster, "get", *args)["metadata"]["uid"]
    svc = kubectl_json(cluster, "get", "service/web", "-n", ns)
    pods = [p for p in kubectl_json(cluster, "get", "pods", "-n", ns)["items"]
            if not p["metadata"].get("deletionTimestamp")]
    return Snapshot(uids, svc["spec"]["clusterIP"],
                    {p["metadata"]["name"]: p["metadata"]["uid"] for p in pods},
                    {p["metadata"]["name"]: (p["status"].get("containerStatuses") or [{}])[0]
                     .get("containerID", "") for p in pods})


def all_running_and_ready(cluster, ns: str, names: set[str]) -> bool:
    pods = kubectl_json(cluster, "get", "pods", "-n", ns)["items"]
    ready = {p["metadata"]["name"] for p in pods
             if p["status"].get("phase") == "Running"
             and any(c["type"] == "Ready" and c["status"] == "True"
                     for c in p["status"].get("conditions") or [])}
    return names <= ready


def serves(ip: str) -> str | None:
    """The pod name the echo Service at `ip` answers with (the machine reaches ClusterIPs)."""
    try:
        with urllib.request.urlopen(f"http://{ip}/", timeout=2) as resp:
            return json.loads(resp.read()).get("hostname")
    except OSError:
        return None


def wait_ready(cluster, timeout_s: int = 240) -> None:
    """The whole stack healthy again: services, nodes Ready, DNS (deploy/wait-ready.py)."""
    proc = subprocess.run([sys.executable, str(REPO / "deploy" / "wait-ready.py"),
                           "--project", cluster.project, "--kubeconfig", str(cluster.kubeconfig),
                           "--timeout", str(timeout_s), "--interval", "1"],
                          capture_output=True, text=True, timeout=timeout_s + 60, env={
                              **os.environ, "CI": "1"})
    assert proc.returncode == 0, f"the stack did not come back:\n{proc.stdout}\n{proc.stderr}"


def assert_intact(cluster, ns: str, before: Snapshot, *, timeout_s: float = 120) -> Snapshot:
    """Same objects (uids), same pods by name and uid, all Running and Ready, Service serving."""
    eventually(lambda: all_running_and_ready(cluster, ns, set(before.pods)), timeout=timeout_s,
               interval=1, message="every pod Running and Ready again")
    after = snapshot(cluster, ns)
    assert after.uids == before.uids
    assert after.cluster_ip == before.cluster_ip
    assert after.pods == before.pods, "pods were replaced instead of kept"
    web_pods = {n for n in before.pods if n.startswith("web-")}
    got = eventually(lambda: serves(before.cluster_ip), timeout=60, interval=0.5,
                     message="the Service answers on its ClusterIP")
    assert got in web_pods
    return after


def test_compose_restart_keeps_objects_and_running_containers(cluster, workload):
    before = snapshot(cluster, workload)
    started = time.monotonic()
    try:
        restarted = cluster.compose("restart", timeout=300, check=False)
        if restarted.returncode != 0:
            # compose restarts services in parallel and may report a container that lost a
            # race with a dependency; what matters is that the cluster comes back intact
            print(f"\ncompose restart: {restarted.stderr.strip()[-500:]}")
            cluster.compose("up", "--detach", "--wait", timeout=300)
    finally:
        wait_ready(cluster)
    after = assert_intact(cluster, workload, before)
    # pod containers are not compose services: they ran on, and the kubelets adopted them
    assert after.containers == before.containers
    print(f"\nrestart: compose restart to healthy in {time.monotonic() - started:.1f}s")


def test_down_then_up_keeps_objects_and_recreates_workloads(cluster, workload):
    before = snapshot(cluster, workload)
    started = time.monotonic()
    try:
        # what `make down` does (volumes kept): kubelets, their pod containers, the rest
        subprocess.run([str(REPO / "deploy" / "down.sh"), cluster.project], check=True,
                       capture_output=True, timeout=300)
    finally:
        cluster.compose("up", "--detach", "--wait", timeout=300)
        wait_ready(cluster)
    after = assert_intact(cluster, workload, before)
    # the containers were removed with the project: the kubelets made new ones for the same pods
    assert not set(after.containers.values()) & set(before.containers.values())
    print(f"\nrestart: down + up to pods Ready in {time.monotonic() - started:.1f}s")


def restart_docker_daemon() -> None:
    for cmd in (["systemctl", "restart", "docker"], ["service", "docker", "restart"]):
        try:
            if subprocess.run(cmd, capture_output=True, timeout=180).returncode == 0:
                break
        except FileNotFoundError:
            continue
    else:
        pytest.fail("could not restart the Docker daemon (no systemctl or service)")
    eventually(lambda: subprocess.run(["docker", "info"], capture_output=True).returncode == 0,
               timeout=120, interval=1, message="the Docker daemon answers again")


@pytest.mark.disruptive
@pytest.mark.skipif(not os.environ.get("TINYKUBE_DISRUPTIVE"),
                    reason="restarts the machine's Docker daemon; set TINYKUBE_DISRUPTIVE=1")
def test_docker_daemon_restart_brings_the_cluster_back(cluster, workload):
    before = snapshot(cluster, workload)
    try:
        restart_docker_daemon()
    finally:
        # `restart: unless-stopped` brings the services back; --wait also covers a daemon with
        # live-restore, where they never stopped
        cluster.compose("up", "--detach", "--wait", timeout=300)
        wait_ready(cluster)
    assert_intact(cluster, workload, before, timeout_s=180)
