"""Scheduler benchmark: prints figures, asserts nothing (a benchmark, not a test).

A fresh local etcd, `python -m apiserver` and `python -m scheduler` each in its own process;
100 fake Node objects (created directly: 8 cpu, 32Gi, 110 pods, Ready, 4 zones), then:
  1. throughput: 1,000 pods created while no scheduler names them... then the scheduler is
     started and binds them all; pods/s from its first binding to its last (and from its start);
  2. latency: with the scheduler running, 1,000 more pods created by 8 concurrent clients;
     the time from each POST to the binding seen on a watch (p50/p99), and pods/s overall.

Usage: python bench/scheduler_bench.py [--nodes 100] [--pods 1000]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machinery.api import resources  # noqa: E402
from machinery.client import ApiClient  # noqa: E402
from tests.cluster import Etcd, free_port, wait_until  # noqa: E402

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
NAMESPACES = resources.lookup("", "v1", "namespaces")
NS = "bench"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Process:
    def __init__(self, args: list[str]):
        self.proc = subprocess.Popen([sys.executable, *args], cwd=ROOT)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_apiserver(etcd_url: str) -> tuple[Process, str]:
    port = free_port()
    cert_dir = tempfile.mkdtemp(prefix="bench-pki-")
    url = f"https://127.0.0.1:{port}"
    proc = Process(["-m", "apiserver", f"--etcd-servers={etcd_url}", f"--secure-port={port}",
                    f"--cert-dir={cert_dir}", f"--external-url={url}",
                    "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                    "--log-level=WARNING"])
    ca = Path(cert_dir) / "ca.crt"
    wait_until(lambda: ca.exists(), 30, "PKI")
    wait_until(lambda: httpx.get(url + "/readyz", verify=str(ca)).status_code == 200, 60,
               "api-server")
    kubeconfig = Path(cert_dir) / "admin.kubeconfig"
    wait_until(kubeconfig.exists, 10, "admin kubeconfig")
    return proc, str(kubeconfig)


def node(i: int) -> dict:
    alloc = {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    name = f"hollow-{i:03d}"
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  "topology.kubernetes.io/zone": f"z{i % 4}"}},
            "status": {"capacity": alloc, "allocatable": alloc,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def pod(name: str, scheduler: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "labels": {"app": "bench"}},
            "spec": {"schedulerName": scheduler,
                     "containers": [{"name": "app", "image": "pause", "resources": {
                         "requests": {"cpu": "50m", "memory": "64Mi"}}}]}}


async def create_all(client: ApiClient, bodies: list[dict], workers: int,
                     sent: dict[str, float] | None = None) -> None:
    items = iter(bodies)

    async def worker() -> None:
        for body in items:
            if sent is not None:
                sent[body["metadata"]["name"]] = time.monotonic()
            await client.create(PODS, body, NS)
    await asyncio.gather(*(worker() for _ in range(workers)))


async def watch_bindings(client: ApiClient, bound: dict[str, float], want: int,
                         rv: str) -> None:
    async for event in client.watch(PODS, NS, resource_version=rv):
        obj = event.object
        name = (obj.get("metadata") or {}).get("name")
        if (obj.get("spec") or {}).get("nodeName") and name not in bound:
            bound[name] = time.monotonic()
            if len(bound) >= want:
                return


async def bench(args: argparse.Namespace, kubeconfig: str, apiserver: Process) -> None:
    client = ApiClient.from_kubeconfig(kubeconfig)
    await client.create(NAMESPACES, {"metadata": {"name": NS}})
    started = time.monotonic()
    await asyncio.gather(*(client.create(NODES, node(i)) for i in range(args.nodes)))
    print(f"created {args.nodes} nodes in {time.monotonic() - started:.1f}s")

    # 1. throughput on a backlog
    backlog = [pod(f"backlog-{i:04d}", "default-scheduler") for i in range(args.pods)]
    await create_all(client, backlog, 8)
    rv = (await client.list(PODS, NS, limit=1))["metadata"]["resourceVersion"]
    bound: dict[str, float] = {}
    watcher = asyncio.create_task(watch_bindings(client, bound, args.pods, rv))
    started = time.monotonic()
    scheduler = Process(["-m", "scheduler", f"--kubeconfig={kubeconfig}", "--port=-1",
                         "--log-level=WARNING", "--leader-elect=false"])
    api_cpu = cpu_s(apiserver.proc.pid)
    try:
        await asyncio.wait_for(watcher, 300)
        sched_cpu, api_cpu = cpu_s(scheduler.proc.pid), cpu_s(apiserver.proc.pid) - api_cpu
        times = sorted(bound.values())
        window = times[-1] - times[0]
        print(f"backlog: {args.pods} pods bound; {args.pods / window:.0f} pods/s from first to "
              f"last binding ({window:.2f}s); {args.pods / (times[-1] - started):.0f} pods/s "
              f"including scheduler start-up ({times[-1] - started:.2f}s)")
        print(f"backlog CPU: scheduler {sched_cpu:.2f}s ({sched_cpu / args.pods * 1000:.1f} ms/pod, "
              f"start-up included), api-server {api_cpu:.2f}s "
              f"({api_cpu / args.pods * 1000:.1f} ms/pod)")

        # 2. creation-to-binding latency with the scheduler running
        sent: dict[str, float] = {}
        stream = [pod(f"stream-{i:04d}", "default-scheduler") for i in range(args.pods)]
        rv = (await client.list(PODS, NS, limit=1))["metadata"]["resourceVersion"]
        bound = {}
        watcher = asyncio.create_task(watch_bindings(client, bound, args.pods, rv))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await create_all(client, stream, 8, sent)
        created = time.monotonic() - started
        await asyncio.wait_for(watcher, 300)
        latencies = [bound[n] - sent[n] for n in sent]
        total = max(bound.values()) - started
        print(f"stream: {args.pods} pods created in {created:.2f}s ({args.pods / created:.0f}/s), "
              f"all bound after {total:.2f}s ({args.pods / total:.0f} pods/s); creation to "
              f"binding p50 {pct(latencies, 50) * 1000:.0f} ms, p99 "
              f"{pct(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    finally:
        scheduler.stop()
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--pods", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    etcd = Etcd.start()
    try:
        apiserver, kubeconfig = start_apiserver(etcd.url)
        try:
            asyncio.run(bench(args, kubeconfig, apiserver))
        finally:
            apiserver.stop()
    finally:
        etcd.stop()


if __name__ == "__main__":
    main()
