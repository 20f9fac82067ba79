"""The cluster from a user's chair: how fast it starts and what it costs when idle.

    python bench/cluster_bench.py                 # warm start + idle (5 minutes, 20 pods)
    python bench/cluster_bench.py --cold          # first: `make up` with every image rebuilt
    python bench/cluster_bench.py --idle-minutes 1 --skip-warm

Figures, each beside its target:
- cold `make up` (--cold): the cluster taken down with its volumes, tinykube's images removed
  (the wheel cache in build/wheels is kept), then `make up` to its last line.
- warm `docker compose up -d` with the images present and a fresh cluster (volumes removed):
  time to the api-server's /readyz, to every node Ready, and to a first pod Running (the pod
  is created as soon as the api-server takes it). The same again with the volumes kept (a
  restart of an existing cluster).
- idle: 20 pause pods running, then after --idle-minutes the CPU (% of one core) and memory
  of the control plane (etcd, apiserver, scheduler, controller-manager), averaged over a few
  `docker stats --no-stream` samples; the nodes and add-ons are printed beside it.

It drives the user's project (`tinykube`, what `make up` runs) and leaves it running; the
fresh-cluster start DELETES that cluster's data (its volumes) first.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTROL_PLANE = ("etcd", "apiserver", "scheduler", "controller-manager")
IMAGES = ("tinykube:latest", "tinykube-base:bookworm", "tinykube-pause:latest",
          "tinykube-echo:latest", "busybox:latest")
TARGETS = {"api": 5.0, "pod": 10.0, "cpu": 5.0, "mem": 600.0}


def _load_wait_ready():
    spec = importlib.util.spec_from_file_location("wait_ready", REPO / "deploy" / "wait-ready.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["wait_ready"] = module      # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


wait_ready = _load_wait_ready()


def sh(*cmd: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          check=check)


def row(label: str, value: float | None, unit: str, target: float | None = None) -> None:
    shown = "   n/a" if value is None else f"{value:6.1f}"
    verdict = ""
    if target is not None and value is not None:
        verdict = f"target < {target:g} {unit}  {'ok' if value < target else 'MISSED'}"
    print(f"  {label:<44} {shown} {unit:<4} {verdict}", flush=True)


def until(predicate, timeout_s: float, interval_s: float = 0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval_s)
    return None


def api_ready() -> bool:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    try:
        with urllib.request.urlopen("https://127.0.0.1:6443/readyz", timeout=1, context=ctx) as r:
            return r.status == 200
    except OSError:
        return False


def first_pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "pause", "image": "tinykube-pause:latest",
                                     "imagePullPolicy": "IfNotPresent"}]}}


def pod_running(api, ns: str, name: str) -> bool:
    pod = api.get(f"/api/v1/namespaces/{ns}/pods/{name}")
    return bool(pod) and pod.get("status", {}).get("phase") == "Running"


def nodes_ready(api, names: list[str], since: float) -> bool:
    """Every node Ready, with a Lease renewed after `since` (epoch seconds): a restarted
    cluster's Nodes still say Ready from before until their kubelets are back."""
    for name in names:
        node = api.get(f"/api/v1/nodes/{name}") or {}
        if not any(c["type"] == "Ready" and c["status"] == "True"
                   for c in node.get("status", {}).get("conditions") or []):
            return False
        age = wait_ready.lease_age_s(api, name)
        if age is None or time.time() - age < since:
            return False
    return True


def warm_start(fresh: bool) -> None:
    label = "fresh cluster" if fresh else "existing cluster (volumes kept)"
    down = ["deploy/down.sh", "tinykube"] + (["--volumes"] if fresh else [])
    sh(*down)
    compose = wait_ready.Compose("tinykube")
    nodes = [s for s in compose.services() if s.startswith("node-")]
    started, started_epoch = time.monotonic(), time.time()
    up = subprocess.Popen(["docker", "compose", "up", "--detach"], cwd=REPO,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api_at = until(lambda: api_ready() and time.monotonic(), 120)
    api = wait_ready.Api(compose, None)
    pod = f"bench-first-{int(started_epoch)}"
    created = until(lambda: api.request("POST", "/api/v1/namespaces/default/pods",
                                        first_pod(pod)), 60, 0.1)
    nodes_at = until(lambda: nodes_ready(api, nodes, started_epoch) and time.monotonic(),
                     120, 0.1)
    pod_at = until(lambda: pod_running(api, "default", pod) and time.monotonic(),
                   120, 0.1) if created else None
    print(f"warm `docker compose up`, {label}:")
    row("to api-server ready", api_at and api_at - started, "s", TARGETS["api"])
    row("to every node Ready", nodes_at and nodes_at - started, "s")
    row("to a first pod Running", pod_at and pod_at - started, "s", TARGETS["pod"])
    up.wait(timeout=300)
    sh(sys.executable, "deploy/wait-ready.py", "--timeout", "300")
    api.request("DELETE", f"/api/v1/namespaces/default/pods/{pod}?gracePeriodSeconds=0")


def cold_start() -> None:
    sh("deploy/down.sh", "tinykube", "--volumes")
    for image in IMAGES:
        sh("docker", "image", "rm", "--force", image, check=False)
    sh("docker", "image", "prune", "--force", "--filter", "label=tinykube.content-hash",
       check=False)
    started = time.monotonic()
    proc = sh("make", "up", timeout=1800, check=False)
    print("cold `make up` (images rebuilt; build/wheels kept):")
    row("to `make up` done" + ("" if proc.returncode == 0 else " (FAILED)"),
        time.monotonic() - started, "s")
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")


def memory_mib(text: str) -> float:
    """`123.4MiB / 23.5GiB` -> 123.4."""
    m = re.match(r"([\d.]+)\s*([KMG]i?B|B)", text.split("/")[0].strip())
    if not m:
        return 0.0
    scale = {"B": 1 / 2**20, "KiB": 1 / 1024, "KB": 1 / 1024, "MiB": 1, "MB": 1,
             "GiB": 1024, "GB": 1024}[m.group(2)]
    return float(m.group(1)) * scale


def stats(samples: int) -> dict[str, tuple[float, float]]:
    """{compose service: (mean CPU % of one core, mean memory MiB)} of the tinykube project."""
    ids = {}
    for line in sh("docker", "compose", "ps", "--format", "{{.ID}} {{.Service}}").stdout.split("\n"):
        if line.strip():
            cid, service = line.split()
            ids[cid[:12]] = service
    total: dict[str, list[float]] = {s: [0.0, 0.0] for s in ids.values()}
    for _ in range(samples):
        out = sh("docker", "stats", "--no-stream", "--format", "{{json .}}", *ids).stdout
        for line in out.splitlines():
            s = json.loads(line)
            service = ids.get(s["ID"][:12])
            if service:
                total[service][0] += float(s["CPUPerc"].rstrip("%"))
                total[service][1] += memory_mib(s["MemUsage"])
    return {s: (c / samples, m / samples) for s, (c, m) in total.items()}


def idle(minutes: float, pods: int, samples: int) -> None:
    kubeconfig = REPO / "build" / "bench.kubeconfig"
    kubeconfig.parent.mkdir(exist_ok=True)
    kubeconfig.write_text(sh("docker", "compose", "exec", "-T", "apiserver", "cat",
                             wait_ready.ADMIN_KUBECONFIG).stdout)
    k = ["kubectl", "--kubeconfig", str(kubeconfig)]
    sh(*k, "create", "namespace", "bench-idle", check=False)
    sh(*k, "-n", "bench-idle", "create", "deployment", "idle", "--image=tinykube-pause:latest",
       f"--replicas={pods}", check=False)
    sh(*k, "-n", "bench-idle", "rollout", "status", "deployment/idle", "--timeout=300s",
       timeout=330)
    print(f"idle: {pods} pods Running; measuring after {minutes:g} minutes ...", flush=True)
    time.sleep(minutes * 60)
    figures = stats(samples)
    cp_cpu = sum(figures[s][0] for s in CONTROL_PLANE if s in figures)
    cp_mem = sum(figures[s][1] for s in CONTROL_PLANE if s in figures)
    print(f"idle control plane ({', '.join(CONTROL_PLANE)}), mean of {samples} samples:")
    row("CPU", cp_cpu, "%", TARGETS["cpu"])
    row("memory", cp_mem, "MiB", TARGETS["mem"])
    print("  per service (CPU %, MiB):")
    for service in sorted(figures):
        cpu, mem = figures[service]
        print(f"    {service:<22} {cpu:6.2f} % {mem:8.1f} MiB")
    rest = [s for s in figures if s not in CONTROL_PLANE]
    row("nodes and add-ons, CPU", sum(figures[s][0] for s in rest), "%")
    row("nodes and add-ons, memory", sum(figures[s][1] for s in rest), "MiB")
    sh(*k, "delete", "namespace", "bench-idle", "--wait=false", check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", action="store_true", help="also time a cold `make up`")
    parser.add_argument("--skip-warm", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    parser.add_argument("--idle-minutes", type=float, default=5)
    parser.add_argument("--pods", type=int, default=20)
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    sh("deploy/build-images.sh")      # warm figures assume the images exist
    if args.cold:
        cold_start()
    if not args.skip_warm:
        warm_start(fresh=True)
        warm_start(fresh=False)
    if not args.skip_idle:
        sh(sys.executable, "deploy/wait-ready.py", "--timeout", "300")
        idle(args.idle_minutes, args.pods, args.samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
