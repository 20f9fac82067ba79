"""controller-manager benchmark: prints figures, asserts nothing (a benchmark, not a test).

Three processes, as in a cluster: a fresh local etcd, `python -m apiserver`, and
`python -m controller_manager` (leader election on, all its controllers); this script plays
the nodes with the tests' fake kubelet (pods bound to a fake node, then Running and Ready after
`--ready-delay-s`). For each run it creates a Deployment of N replicas and reports:
  - the time until the ReplicaSet exists, until all N pods exist, until the Deployment reports
    all N available (the issue's target: < 5 s for 100 replicas);
  - the time for a rolling update of the same Deployment (25%/25%) to finish;
  - the time for a background delete to remove the Deployment, its ReplicaSets and pods.

Usage: python bench/controller_bench.py [--replicas 100] [--runs 3] [--ready-delay-s 0]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machinery.api import resources  # noqa: E402
from machinery.client import ApiClient  # noqa: E402
from tests.cluster import Etcd, free_port, wait_until  # noqa: E402
from tests.component.fake_kubelet import FakeKubelet  # noqa: E402

PODS = resources.lookup("", "v1", "pods")
NAMESPACES = resources.lookup("", "v1", "namespaces")
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
REPLICASETS = resources.lookup("apps", "v1", "replicasets")


class Process:
    def __init__(self, args: list[str], env: dict[str, str] | None = None):
        self.proc = subprocess.Popen([sys.executable, *args], cwd=ROOT,
                                     env={**os.environ, **(env or {})})

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_apiserver(etcd_url: str) -> tuple[Process, str]:
    port, cert_dir = free_port(), tempfile.mkdtemp(prefix="bench-pki-")
    url = f"https://127.0.0.1:{port}"
    proc = Process(["-m", "apiserver", f"--etcd-servers={etcd_url}", f"--secure-port={port}",
                    f"--cert-dir={cert_dir}", f"--external-url={url}",
                    "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                    "--log-level=WARNING"])
    kubeconfig = Path(cert_dir) / "admin.kubeconfig"
    ca = Path(cert_dir) / "ca.crt"
    wait_until(lambda: kubeconfig.exists() and ca.exists(), 60, "PKI")
    wait_until(lambda: httpx.get(url + "/readyz", verify=str(ca)).status_code == 200, 60,
               "api-server")
    return proc, str(kubeconfig)


def deployment(replicas: int, image: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "bench"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "bench"}},
                     "template": {"metadata": {"labels": {"app": "bench"}},
                                  "spec": {"containers": [{"name": "c", "image": image}]}}}}


async def wait_for(predicate, timeout_s: float = 120, interval_s: float = 0.02) -> float:
    """Seconds until the async predicate holds."""
    start = time.monotonic()
    while not await predicate():
        if time.monotonic() - start > timeout_s:
            raise TimeoutError("benchmark step timed out")
        await asyncio.sleep(interval_s)
    return time.monotonic() - start


async def one_run(client: ApiClient, replicas: int, ready_delay_s: float) -> dict[str, float]:
    ns = f"bench-{uuid.uuid4().hex[:6]}"
    await client.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                     "metadata": {"name": ns}})
    kubelet = await FakeKubelet(client, ns, ready_delay_s=ready_delay_s,
                                stop_delay_s=0).start()
    kubelet.controller.workers = 16
    figures: dict[str, float] = {}
    try:
        start = time.monotonic()
        await client.create(DEPLOYMENTS, deployment(replicas, "app:v1"), ns)

        async def rs_exists():
            return bool((await client.list(REPLICASETS, ns))["items"])

        async def pods_exist():
            return len((await client.list(PODS, ns))["items"]) >= replicas

        async def rolled(image: str):
            d = await client.get(DEPLOYMENTS, "bench", ns)
            s = d.get("status") or {}
            return (d["spec"]["template"]["spec"]["containers"][0]["image"] == image
                    and s.get("observedGeneration") == d["metadata"]["generation"]
                    and s.get("updatedReplicas") == replicas == s.get("availableReplicas")
                    and s.get("replicas") == replicas)

        figures["replicaset created"] = await wait_for(rs_exists)
        await wait_for(pods_exist)
        figures["all pods created"] = time.monotonic() - start
        await wait_for(lambda: rolled("app:v1"))
        figures["deployment available"] = time.monotonic() - start

        patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "app:v2"}]}}}}
        start = time.monotonic()
        await client.patch(DEPLOYMENTS, "bench", patch, "strategic", ns)
        figures["rolling update"] = await wait_for(lambda: rolled("app:v2"))

        await client.delete(DEPLOYMENTS, "bench", ns, propagation_policy="Background")

        async def all_gone():
            return not (await client.list(REPLICASETS, ns))["items"] and \
                not (await client.list(PODS, ns))["items"]
        figures["background delete collected"] = await wait_for(all_gone)
    finally:
        await client.delete(NAMESPACES, ns)
        await kubelet.close()
    return figures


async def main_async(args: argparse.Namespace, kubeconfig: str) -> None:
    client = ApiClient.from_kubeconfig(kubeconfig)
    try:
        async def leading():
            try:
                lease = await client.get(resources.lookup("coordination.k8s.io", "v1", "leases"),
                                         "kube-controller-manager", "kube-system")
                return bool(lease["spec"].get("holderIdentity"))
            except Exception:   # noqa: BLE001 - not there yet
                return False
        await wait_for(leading, 60, 0.2)
        runs = [await one_run(client, args.replicas, args.ready_delay_s)
                for _ in range(args.runs)]
    finally:
        await client.close()
    print(f"controller-manager benchmark: Deployment of {args.replicas} replicas, "
          f"{args.runs} runs, fake kubelet ready delay {args.ready_delay_s}s")
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"  {key:30s} median {statistics.median(values):6.2f} s   "
              f"min {min(values):6.2f} s   max {max(values):6.2f} s")
    target = statistics.median(r["deployment available"] for r in runs)
    print(f"  target: all {args.replicas} available < 5 s -> "
          f"{'met' if target < 5 else 'NOT met'} ({target:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ready-delay-s", type=float, default=0.0)
    args = parser.parse_args()
    etcd = Etcd.start()
    api, kubeconfig = start_apiserver(etcd.url)
    cm = Process(["-m", "controller_manager", f"--kubeconfig={kubeconfig}",
                  f"--port={free_port()}", "--bind-address=127.0.0.1", "--log-level=WARNING"])
    try:
        asyncio.run(main_async(args, kubeconfig))
    finally:
        cm.stop()
        api.stop()
        etcd.stop()


if __name__ == "__main__":
    main()
