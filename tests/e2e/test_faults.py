"""Fault injection on the compose stack: SIGKILL each component in turn under a steady workload,
restart it, and check that nothing was lost.

The workload (tests/e2e/fault_workload.py), all through the api-server at once:
- a writer creating, updating (PUT with the resourceVersion it holds) and deleting ConfigMaps,
  recording every acknowledged write with its resourceVersion. A request whose outcome is
  unknown (connection cut, 5xx, timeout) is resolved by reading the object back: it must show
  either the state before or the state attempted, never anything else;
- a Deployment being scaled and rolled, and a pod watcher counting its live pods at every event;
- several watchers with informer semantics (list, watch from the list's resourceVersion, resume
  from the last resourceVersion seen when a stream ends, relist on 410 Gone), each recording
  every event.

Killed in turn with SIGKILL, then started again: etcd, apiserver, scheduler, controller-manager,
node-1 (a kubelet) and kube-proxy. Afterwards:
- no acknowledged write lost: every object is exactly as the writer last knew it;
- every watcher saw every write of the writer exactly once and in order within each stretch it
  watched without a 410, nothing else, and its cache ends equal to the server's state;
- the Deployment converges to its declared state and never had more than replicas + maxSurge
  live pods; no pod outlives its ReplicaSet and no container outlives its pod.
Every service is running and healthy again when the test returns, pass or fail.
"""
from __future__ import annotations

import asyncio
import subprocess
import time
import uuid

import pytest

from machinery.api import resources
from machinery.client import ApiClient, load_kubeconfig
from tests.e2e.fault_workload import (CONFIGMAPS, DEPLOYMENTS, MAX_REPLICAS, MAX_SURGE, NAMES,
                                      PODS, SELECTOR, PodCounter, Watcher, Writer, brief,
                                      check_stretch, converged, deployment, drive_deployment,
                                      retrying, same_state)
from tests.helpers import async_eventually

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

NAMESPACES = resources.lookup("", "v1", "namespaces")
REPLICASETS = resources.lookup("apps", "v1", "replicasets")

VICTIMS = ["etcd", "apiserver", "scheduler", "controller-manager", "node-1", "kube-proxy"]
WATCHERS = 3


# --- the cluster ------------------------------------------------------------------------------


def container_id(cluster, service: str) -> str:
    return cluster.compose("ps", "--all", "--quiet", service).stdout.strip()


def health(container: str) -> str:
    out = subprocess.run(["docker", "inspect", "--format",
                          "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}"
                          "{{end}}", container], capture_output=True, text=True)
    return out.stdout.strip()


async def wait_healthy(cluster, service: str, timeout: float = 120) -> None:
    cid = await asyncio.to_thread(container_id, cluster, service)

    async def healthy() -> bool:
        return await asyncio.to_thread(health, cid) == "running healthy"
    await async_eventually(healthy, timeout=timeout, interval=0.5, message=f"{service} healthy")


async def kill_and_restart(cluster, service: str) -> float:
    """SIGKILL the service's container, start it again; seconds until it is healthy."""
    began = time.monotonic()
    await asyncio.to_thread(cluster.compose, "kill", "-s", "SIGKILL", service)
    await asyncio.sleep(1)
    await asyncio.to_thread(cluster.compose, "start", service)
    await wait_healthy(cluster, service)
    return time.monotonic() - began


def restore(cluster) -> None:
    """Every service running and healthy, whatever happened."""
    cluster.compose("up", "--detach", "--wait", timeout=300)


def orphan_containers(ns: str, pod_uids: set[str]) -> list[str]:
    out = subprocess.run(["docker", "ps", "--all", "--filter",
                          f"label=io.tinykube.pod.namespace={ns}", "--format",
                          '{{.ID}} {{.Label "io.tinykube.pod.uid"}}'],
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.split()[1] not in pod_uids]


# --- the test ---------------------------------------------------------------------------------


@pytest.fixture
async def fault_client(cluster):
    config = load_kubeconfig(cluster.kubeconfig)
    config.timeout_s = 10
    client = ApiClient(config, max_retries=2)
    ns = f"faults-{uuid.uuid4().hex[:6]}"
    await client.create(NAMESPACES, {"metadata": {"name": ns}})
    try:
        yield client, ns
    finally:
        await asyncio.to_thread(restore, cluster)
        try:
            await retrying(lambda: client.delete(NAMESPACES, ns), timeout=60)
        finally:
            await client.close()


async def test_sigkill_each_component_under_load_loses_nothing(cluster, fault_client):
    client, ns = fault_client
    await client.create(DEPLOYMENTS, deployment(ns))
    writer = Writer(client, ns)
    watchers = [Watcher(client, ns, few=i == 0) for i in range(WATCHERS)]
    counter = PodCounter(client, ns)
    stop_writing, stop_watching = asyncio.Event(), asyncio.Event()
    producers = [asyncio.create_task(writer.run(stop_writing), name="writer"),
                 asyncio.create_task(drive_deployment(client, ns, stop_writing),
                                     name="deployment")]
    observers = [asyncio.create_task(counter.run(stop_watching), name="pods")] + [
        asyncio.create_task(w.run(stop_watching), name=f"watcher-{i}")
        for i, w in enumerate(watchers)]
    downtime: dict[str, float] = {}
    try:
        await asyncio.sleep(4)
        for service in VICTIMS:
            landed = len(writer.writes)
            downtime[service] = round(await kill_and_restart(cluster, service), 1)
            # the workload goes on after every restart before the next kill
            await async_eventually(lambda: len(writer.writes) >= landed + 10, timeout=60,
                                   message=f"writes landing after {service} restarted")
        await asyncio.sleep(3)
    finally:
        stop_writing.set()
        errors = await finish(producers, timeout=45)
        if not errors:
            await caught_up(client, ns, watchers)
        stop_watching.set()
        errors += await finish(observers, timeout=0)
    assert not errors, errors

    await check_writes(client, ns, writer)
    events = await check_watchers(client, ns, writer, watchers)
    await check_workload(client, ns, counter)
    print(f"\nfaults: {len(VICTIMS)} components SIGKILLed (seconds to healthy: {downtime}); "
          f"{len(writer.writes)} writes checked ({writer.ambiguous_seen} with an unknown "
          f"outcome, resolved); {events} watch events checked by {len(watchers)} watchers "
          f"({sum(w.relists for w in watchers)} relists after 410, "
          f"{sum(w.resumes for w in watchers)} resumed streams); most live pods "
          f"{counter.most} over {counter.samples} pod events; 0 lost")


async def finish(tasks: list[asyncio.Task], timeout: float) -> list[str]:
    """Wait up to `timeout` for the tasks to stop, cancel the rest; what went wrong."""
    done, pending = await asyncio.wait(tasks, timeout=timeout) if timeout else (set(), tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    errors = [f"{t.get_name()}: {t.exception()!r}" for t in done if t.exception()]
    if timeout:
        errors += [f"{t.get_name()} did not stop" for t in pending]
    return errors


async def caught_up(client: ApiClient, ns: str, watchers: list[Watcher]) -> None:
    """Give the watchers time to receive the last writes (check_watchers judges)."""
    listed = await client.list(CONFIGMAPS, ns, label_selector=SELECTOR)
    final = {o["metadata"]["name"]: (int(o["metadata"]["resourceVersion"]), o.get("data") or {})
             for o in listed["items"]}
    try:
        await async_eventually(lambda: all(
            w.cache == {n: v for n, v in final.items() if w.wants(n)} for w in watchers),
            timeout=30)
    except AssertionError:
        pass


async def check_writes(client: ApiClient, ns: str, writer: Writer) -> None:
    assert not writer.violations, writer.violations
    assert len(writer.writes) > 100, "too few writes to prove anything"
    listed = await client.list(CONFIGMAPS, ns, label_selector=SELECTOR)
    server = {o["metadata"]["name"]: o for o in listed["items"]}
    for name in NAMES:
        known = writer.known.get(name)
        assert same_state(server.get(name), known), \
            f"{name}: server has {brief(server.get(name))}, last acknowledged {brief(known)}"


async def check_watchers(client: ApiClient, ns: str, writer: Writer,
                         watchers: list[Watcher]) -> int:
    listed = await client.list(CONFIGMAPS, ns, label_selector=SELECTOR)
    final = {o["metadata"]["name"]: (int(o["metadata"]["resourceVersion"]), o.get("data") or {})
             for o in listed["items"]}
    # deletions acknowledged last have no later write: the final list bounds them
    writer._close_deletes(int(listed["metadata"]["resourceVersion"]) + 1)
    problems, events = [], 0
    for i, w in enumerate(watchers):
        want = {n: v for n, v in final.items() if w.wants(n)}
        if w.cache != want:
            problems.append(f"watcher {i}: cache {sorted(w.cache.items())} != {want}")
        writes = [x for x in writer.writes if w.wants(x.name)]
        for stretch in w.stretches:
            events += len(stretch.events)
            problems += [f"watcher {i}: {p}" for p in check_stretch(stretch, writes)]
    assert not problems, problems[:20]
    assert events > 100, "too few watch events to prove anything"
    return events


async def check_workload(client: ApiClient, ns: str, counter: PodCounter) -> None:
    assert counter.most <= MAX_REPLICAS + MAX_SURGE, \
        f"{counter.most} live pods at once; at most {MAX_REPLICAS}+{MAX_SURGE} allowed"
    await async_eventually(lambda: converged(client, ns), timeout=120, interval=1,
                           message="the Deployment converges")

    async def no_orphans():
        sets = {r["metadata"]["uid"] for r in
                (await client.list(REPLICASETS, ns))["items"]}
        pods = (await client.list(PODS, ns))["items"]
        orphan_pods = [p["metadata"]["name"] for p in pods
                       if not {o["uid"] for o in p["metadata"].get("ownerReferences") or []}
                       & sets]
        containers = await asyncio.to_thread(orphan_containers, ns,
                                             {p["metadata"]["uid"] for p in pods})
        assert not orphan_pods and not containers, (orphan_pods, containers)
        return True
    await async_eventually(no_orphans, timeout=60, interval=1,
                           message="no orphaned pods or containers")
