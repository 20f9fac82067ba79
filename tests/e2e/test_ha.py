"""The HA control plane (docker-compose.ha.yml): while a writer keeps writing through the load
balancer, SIGKILL one etcd member, one api-server, the leading scheduler and the leading
controller-manager, and leave them down. The cluster must keep serving: no acknowledged write
lost, the standbys take the leases over, and a Deployment changed after the kills converges.

The module switches the shared e2e stack to the HA files (same project, so the same PKI and
kubeconfig; the HA etcd has volumes of its own) and back to the default stack afterwards, with
the default stack's etcd data as it was. It prints the figures: writes, the longest pause in
acknowledged writes after each kill, and how long the leases took to move.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError
from machinery.client import ApiClient, TransportError, load_kubeconfig
from tests.e2e.conftest import PROJECT, compose_logs
from tests.helpers import async_eventually

pytestmark = [pytest.mark.e2e, pytest.mark.ha]

REPO = Path(__file__).resolve().parents[2]
HA_FILES = "docker-compose.yml:docker-compose.ha.yml"
HA_VOLUMES = ("etcd-ha-1", "etcd-ha-2", "etcd-ha-3", "etcd-pki-ha")
NAMESPACES = resources.lookup("", "v1", "namespaces")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")

WRITERS = 3

Obj = dict[str, Any]


# --- the stack ----------------------------------------------------------------------------------


def run(*cmd: str, files: str | None = None, timeout: float = 360) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COMPOSE_FILE"}
    if files:
        env["COMPOSE_FILE"] = files
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
                           f"{compose_logs(['docker', 'compose', '-p', PROJECT], env)}")
    return proc.stdout


def bring_up(project: str, kubeconfig: Path, files: str | None) -> None:
    run("docker", "compose", "-p", project, "up", "--detach", "--wait", files=files)
    run(sys.executable, "deploy/wait-ready.py", "--project", project, "--kubeconfig",
        str(kubeconfig), "--timeout", "240", files=files)


@dataclass
class HaStack:
    project: str
    started_in_s: float

    def containers(self) -> dict[str, str]:
        """container id -> compose service, for the running containers of the project."""
        out = run("docker", "ps", "--no-trunc", "--filter",
                  f"label=com.docker.compose.project={self.project}", "--format",
                  '{{.ID}} {{.Label "com.docker.compose.service"}}')
        return dict(line.split() for line in out.splitlines() if line.strip())

    def container_of(self, service: str) -> str:
        return next(cid for cid, svc in self.containers().items() if svc == service)

    def kill(self, container: str) -> None:
        run("docker", "kill", "--signal", "KILL", container)


@pytest.fixture(scope="module")
def ha(cluster):
    began = time.monotonic()
    run("deploy/down.sh", cluster.project)           # the default stack's volumes stay
    try:
        bring_up(cluster.project, cluster.kubeconfig, HA_FILES)
        yield HaStack(cluster.project, time.monotonic() - began)
    finally:
        run("deploy/down.sh", cluster.project)       # HA-only services go as orphans
        run("docker", "volume", "rm", "--force",
            *(f"{cluster.project}_{v}" for v in HA_VOLUMES))
        bring_up(cluster.project, cluster.kubeconfig, None)


# --- the writer ---------------------------------------------------------------------------------


def ambiguous(error: Exception) -> bool:
    return isinstance(error, (TransportError, asyncio.TimeoutError)) or (
        isinstance(error, ApiError) and (error.code >= 500 or error.code == 429))


@dataclass
class Writer:
    """Creates ConfigMaps through the balancer, one after another in each of its loops. An
    acknowledged create must survive; one whose answer was lost may or may not have landed,
    but never with other data."""
    client: ApiClient
    ns: str
    acked: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    ack_times: list[float] = field(default_factory=list)
    errors: int = 0

    async def run(self, stop: asyncio.Event, prefix: str) -> None:
        n = 0
        while not stop.is_set():
            name, value = f"{prefix}-{n:05d}", f"value-{n}-{uuid.uuid4().hex[:6]}"
            n += 1
            try:
                await asyncio.wait_for(self.client.create(CONFIGMAPS, {
                    "metadata": {"name": name, "namespace": self.ns, "labels": {"ha": "writer"}},
                    "data": {"v": value}}), 10)
            except AlreadyExists:          # cannot happen for a fresh name: a retry landed
                self.unknown[name] = value
            except Exception as e:
                if not ambiguous(e):
                    raise
                self.unknown[name] = value
                self.errors += 1
                await asyncio.sleep(0.1)
                continue
            self.acked[name] = value
            self.ack_times.append(time.monotonic())

    def longest_pause_after(self, moment: float) -> float:
        """The longest gap between acknowledged writes in the 15 s after `moment`."""
        times = [moment] + sorted(t for t in self.ack_times if moment < t < moment + 15)
        return max((b - a for a, b in zip(times, times[1:])), default=15.0)


# --- helpers --------------------------------------------------------------------------------------


async def retrying(call, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await call()
        except Exception as e:
            if not ambiguous(e) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def holder(client: ApiClient, lease: str) -> str:
    obj = await retrying(lambda: client.get(LEASES, lease, "kube-system"))
    return obj["spec"].get("holderIdentity") or ""


def container_of_holder(stack: HaStack, identity: str) -> tuple[str, str]:
    """A Lease holder is `<hostname>_<uuid>`; a container's hostname is its short id."""
    host = identity.split("_", 1)[0]
    return next((cid, svc) for cid, svc in stack.containers().items() if cid.startswith(host))


def deployment(ns: str) -> Obj:
    labels = {"app": "ha-web"}
    return {"metadata": {"name": "web", "namespace": ns},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "terminationGracePeriodSeconds": 1,
                         "containers": [{"name": "main", "image": "tinykube-pause:latest",
                                         "imagePullPolicy": "IfNotPresent"}]}}}}


async def converged(client: ApiClient, ns: str, replicas: int, generation: int) -> bool:
    d = await client.get(DEPLOYMENTS, "web", ns)
    s = d.get("status") or {}
    return (s.get("observedGeneration", 0) >= generation and s.get("replicas") == replicas
            and s.get("updatedReplicas") == replicas and s.get("readyReplicas") == replicas)


# --- the test -------------------------------------------------------------------------------------


async def test_losing_one_of_each_keeps_serving_without_losing_a_write(ha, cluster):
    config = load_kubeconfig(cluster.kubeconfig)
    config.timeout_s = 5
    client = ApiClient(config, max_retries=0)
    ns = f"ha-{uuid.uuid4().hex[:6]}"
    stop = asyncio.Event()
    writing = None
    try:
        await retrying(lambda: client.create(NAMESPACES, {"metadata": {"name": ns}}))
        created = await retrying(lambda: client.create(DEPLOYMENTS, deployment(ns)))
        await async_eventually(lambda: converged(client, ns, 2, created["metadata"]["generation"]),
                               timeout=90, interval=1, message="web converged before the faults")
        writer = Writer(client, ns)
        # Three loops: one request stuck on a dead member does not stop the others.
        writing = asyncio.gather(*(writer.run(stop, f"w{i}") for i in range(WRITERS)))
        await asyncio.sleep(3)

        figures = {}
        # The api-servers' first etcd endpoint, then one api-server.
        for service in ("etcd", "apiserver-1"):
            at = time.monotonic()
            ha.kill(ha.container_of(service))
            await asyncio.sleep(6)
            figures[f"{service} killed: longest write pause (s)"] = \
                round(writer.longest_pause_after(at), 2)
        # The leading scheduler and controller-manager, at once.
        leaders = {lease: await holder(client, lease)
                   for lease in ("kube-scheduler", "kube-controller-manager")}
        killed_at = time.monotonic()
        for identity in leaders.values():
            ha.kill(container_of_holder(ha, identity)[0])

        # The Deployment changed after the kills converges: the standbys took over.
        current = await retrying(lambda: client.get(DEPLOYMENTS, "web", ns))
        current["spec"]["replicas"] = 3
        current["spec"]["template"]["metadata"]["annotations"] = {"rolled": "after-kills"}
        updated = await retrying(lambda: client.update(DEPLOYMENTS, current))
        for lease, old in leaders.items():
            new = await async_eventually(
                lambda lease=lease, old=old: _changed(client, lease, old), timeout=60,
                interval=0.5, message=f"{lease} taken over")
            figures[f"{lease} leader moved after (s)"] = round(time.monotonic() - killed_at, 1)
            container_of_holder(ha, new)          # the new holder is a running standby
        await async_eventually(
            lambda: converged(client, ns, 3, updated["metadata"]["generation"]), timeout=120,
            interval=1, message="web converged after the kills")

        stop.set()
        await writing
        stored = {cm["metadata"]["name"]: cm["data"]["v"] for cm in (await retrying(
            lambda: client.list_all(CONFIGMAPS, ns, label_selector="ha=writer")))["items"]}
        lost = {n: v for n, v in writer.acked.items() if stored.get(n) != v}
        corrupt = {n: stored[n] for n, v in writer.unknown.items() if n in stored and
                   stored[n] != v}
        figures.update({"acknowledged writes": len(writer.acked),
                        "unanswered writes": len(writer.unknown), "lost": len(lost),
                        "stack switched to HA in (s)": round(ha.started_in_s, 1)})
        print("HA figures:", figures)
        assert not lost, f"acknowledged writes lost: {sorted(lost)[:10]}"
        assert not corrupt, f"writes stored with other data: {corrupt}"
        assert set(stored) <= set(writer.acked) | set(writer.unknown)
        assert len(writer.acked) > 50
    finally:
        stop.set()
        if writing is not None:
            await asyncio.gather(writing, return_exceptions=True)
        await client.close()


async def _changed(client: ApiClient, lease: str, old: str) -> str | None:
    now = await holder(client, lease)
    return now if now and now != old else None


def test_backup_and_restore_of_the_three_members(ha, cluster, tmp_path):
    """make backup / make restore on the HA cluster: the three members restored as one cluster
    (the killed members of the test above come back with it)."""
    k = cluster.kubectl
    ns = f"ha-restore-{uuid.uuid4().hex[:6]}"
    k("create", "namespace", ns, check=True)
    k("create", "configmap", "before", "--from-literal=v=1", "-n", ns, check=True)
    snapshot = run("deploy/backup.sh", "-p", ha.project, "-o", str(tmp_path)).strip()
    k("create", "configmap", "after", "--from-literal=v=2", "-n", ns, check=True)
    run("deploy/restore.sh", "-p", ha.project, snapshot, files=HA_FILES)
    run(sys.executable, "deploy/wait-ready.py", "--project", ha.project, "--kubeconfig",
        str(cluster.kubeconfig), "--timeout", "240", files=HA_FILES)
    assert k("get", "configmap", "before", "-n", ns).returncode == 0
    assert k("get", "configmap", "after", "-n", ns).returncode != 0
    running = set(ha.containers().values())
    assert {"etcd", "etcd-2", "etcd-3", "apiserver-1", "apiserver-2"} <= running
    members = run("docker", "exec", ha.container_of("etcd-2"), "etcdctl",
                  "--endpoints=https://127.0.0.1:2379", "--cacert=/etc/etcd/pki/ca.crt",
                  "--cert=/etc/etcd/pki/healthcheck-client.crt",
                  "--key=/etc/etcd/pki/healthcheck-client.key", "member", "list")
    assert len(members.strip().splitlines()) == 3, members
    k("create", "configmap", "post-restore", "--from-literal=v=3", "-n", ns, check=True)
