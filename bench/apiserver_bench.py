"""api-server benchmark: prints figures, asserts nothing (a benchmark, not a test).

In one run, against a fresh local etcd and `python -m apiserver` in its own process:
  1. creates/s and GETs/s through the api-server at 1, 8 and 32 concurrent clients, beside the
     same operations sent straight to etcd with the same client library (aetcd), as ratios;
  2. p50/p99 latency of a mutating call (ConfigMap update) at a steady 20 req/s;
  3. the delay from a write to its event on 100 concurrent HTTP watchers (p50/p99);
  4. the api-server's resident memory, idle and with 10,000 stored pods.

Usage: python bench/apiserver_bench.py [--quick]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apiserver.storage.etcd import EtcdStore  # noqa: E402
from tests.cluster import Etcd, free_port, wait_until  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ApiProcess:
    def __init__(self, etcd_url: str):
        self.port = free_port()
        self.cert_dir = tempfile.mkdtemp(prefix="bench-pki-")
        self.url = f"https://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "apiserver", f"--etcd-servers={etcd_url}",
             f"--secure-port={self.port}", f"--cert-dir={self.cert_dir}",
             f"--external-url={self.url}", "--bind-address=127.0.0.1",
             "--advertise-address=127.0.0.1", "--log-level=WARNING"], cwd=ROOT)
        ca = Path(self.cert_dir) / "ca.crt"
        wait_until(lambda: ca.exists(), 30, "PKI")
        self.ca = str(ca)
        wait_until(lambda: httpx.get(self.url + "/readyz", verify=self.ca).status_code == 200,
                   60, "api-server")
        self.token = (Path(self.cert_dir) / "tokens.csv").read_text().split(",")[0]

    def client(self, limit: int) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, verify=self.ca, timeout=30,
                                 headers={"Authorization": f"Bearer {self.token}"},
                                 limits=httpx.Limits(max_connections=limit + 8))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


async def run_concurrent(n_clients: int, total: int, op) -> float:
    """Run `total` calls of op(i) with n_clients workers; return calls per second."""
    counter = iter(range(total))

    async def worker():
        for i in counter:
            await op(i)
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(n_clients)))
    return total / (time.perf_counter() - start)


def cm(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default"}, "data": {"k": "v" * 100}}


async def throughput(api: ApiProcess, store: EtcdStore, total: int) -> None:
    print("\n== throughput, Python clients (httpx vs aetcd; ConfigMaps, ops/s; "
          "ratio = api-server / raw etcd) ==")
    print(f"{'clients':>8} {'api create':>11} {'etcd create':>12} {'ratio':>6} "
          f"{'api get':>9} {'etcd get':>9} {'ratio':>6}")
    for n in (1, 8, 32):
        tag = f"c{n}-{int(time.time() * 1000) % 100000}"
        async with api.client(n) as http:
            async def api_create(i):
                r = await http.post("/api/v1/namespaces/default/configmaps", json=cm(f"{tag}-{i}"))
                assert r.status_code == 201, r.text

            async def api_get(i):
                r = await http.get(f"/api/v1/namespaces/default/configmaps/{tag}-{i % total}")
                assert r.status_code == 200, r.text
            api_c = await run_concurrent(n, total, api_create)
            api_g = await run_concurrent(n, total, api_get)

        async def etcd_create(i):
            body = json.dumps(cm(f"{tag}-{i}")).encode()
            await store.create(f"/bench/raw/{tag}-{i}", json.loads(body))

        async def etcd_get(i):
            await store.get(f"/bench/raw/{tag}-{i % total}")
        raw_c = await run_concurrent(n, total, etcd_create)
        raw_g = await run_concurrent(n, total, etcd_get)
        print(f"{n:>8} {api_c:>11.0f} {raw_c:>12.0f} {api_c / raw_c:>6.2f} "
              f"{api_g:>9.0f} {raw_g:>9.0f} {api_g / raw_g:>6.2f}")


def wrk_rate(api: ApiProcess, clients: int, seconds: int, path: str, script: str | None,
             tag: str) -> float:
    """Requests/s that wrk (a C load generator, so the client is not the bottleneck) gets."""
    cmd = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{seconds}s",
           "-H", f"Authorization: Bearer {api.token}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, api.url + path], capture_output=True, text=True,
                         env={**os.environ, "WRK_TAG": tag}).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"   (wrk saw {non2xx.group(1)} non-2xx answers)")
    return float(match.group(1)) if match else 0.0


async def server_throughput(api: ApiProcess, store: EtcdStore, seconds: int) -> None:
    """The api-server's own capacity, driven by wrk, beside raw etcd driven by aetcd."""
    if shutil.which("wrk") is None:
        print("\n(wrk not installed: apt-get install wrk for the server-side throughput)")
        return
    print("\n== server throughput with wrk (ops/s; ratio = api-server / raw etcd via aetcd) ==")
    print(f"{'clients':>8} {'api create':>11} {'etcd create':>12} {'ratio':>6} "
          f"{'api get':>9} {'etcd get':>9} {'ratio':>6}")
    script = str(ROOT / "bench" / "wrk_create.lua")
    async with api.client(1) as http:
        await http.post("/api/v1/namespaces/default/configmaps", json=cm("wrk-get"))
    await store.create("/bench/raw/wrk-get", cm("wrk-get"))
    for n in (1, 8, 32):
        tag = f"c{n}{int(time.time()) % 100000}"
        api_c = wrk_rate(api, n, seconds, "/api/v1/namespaces/default/configmaps", script, tag)
        api_g = wrk_rate(api, n, seconds, "/api/v1/namespaces/default/configmaps/wrk-get",
                         None, tag)
        total = max(200, int(api_c * seconds))
        raw_c = await run_concurrent(n, total, lambda i: store.create(
            f"/bench/raw/{tag}-{i}", cm(f"{tag}-{i}")))
        raw_g = await run_concurrent(n, total, lambda i: store.get("/bench/raw/wrk-get"))
        print(f"{n:>8} {api_c:>11.0f} {raw_c:>12.0f} {api_c / raw_c:>6.2f} "
              f"{api_g:>9.0f} {raw_g:>9.0f} {api_g / raw_g:>6.2f}")


async def mutating_latency(api: ApiProcess, seconds: float) -> None:
    print("\n== mutating latency at 20 req/s (PUT of a ConfigMap, ms) ==")
    async with api.client(4) as http:
        r = await http.post("/api/v1/namespaces/default/configmaps", json=cm("latency"))
        assert r.status_code == 201
        latencies: list[float] = []
        tasks = []

        async def one(i):
            t0 = time.perf_counter()
            r = await http.patch("/api/v1/namespaces/default/configmaps/latency",
                                 content=json.dumps({"data": {"i": str(i)}}),
                                 headers={"Content-Type": "application/merge-patch+json"})
            assert r.status_code == 200, r.text
            latencies.append((time.perf_counter() - t0) * 1000)
        start = time.perf_counter()
        for i in range(int(seconds * 20)):
            await asyncio.sleep(max(0.0, start + i / 20 - time.perf_counter()))
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    print(f"requests {len(latencies)}  p50 {pct(latencies, 50):.1f}  p99 {pct(latencies, 99):.1f}"
          f"  max {max(latencies):.1f}   (target: p99 < 50 ms)")


async def watch_delay(api: ApiProcess, watchers: int, writes: int) -> None:
    print(f"\n== write-to-watch delay, {watchers} HTTP watchers (ms) ==")
    delays: list[float] = []
    written: dict[str, float] = {}
    ready = asyncio.Event()
    started = 0
    async with api.client(watchers) as http:
        r = await http.get("/api/v1/namespaces/default/configmaps?limit=1")
        rv = r.json()["metadata"]["resourceVersion"]

        async def watcher():
            nonlocal started
            async with http.stream("GET", "/api/v1/namespaces/default/configmaps",
                                   params={"watch": "true", "resourceVersion": rv,
                                           "labelSelector": "bench=watch"}) as resp:
                started += 1
                if started == watchers:
                    ready.set()
                seen = 0
                async for line in resp.aiter_lines():
                    if not line:
                        continue
                    name = json.loads(line)["object"]["metadata"]["name"]
                    delays.append((time.perf_counter() - written[name]) * 1000)
                    seen += 1
                    if seen == writes:
                        return
        tasks = [asyncio.create_task(watcher()) for _ in range(watchers)]
        await asyncio.wait_for(ready.wait(), 60)
        await asyncio.sleep(0.5)
        for i in range(writes):
            obj = cm(f"watch-{i}")
            obj["metadata"]["labels"] = {"bench": "watch"}
            written[obj["metadata"]["name"]] = time.perf_counter()
            r = await http.post("/api/v1/namespaces/default/configmaps", json=obj)
            assert r.status_code == 201
            await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    print(f"events {len(delays)}  p50 {pct(delays, 50):.1f}  p99 {pct(delays, 99):.1f}  "
          f"max {max(delays):.1f}   (target: p99 < 50 ms)")


async def memory(api: ApiProcess, pods: int) -> None:
    print("\n== api-server memory (RSS, MB) ==")
    idle = rss_mb(api.proc.pid)
    pod = json.loads((ROOT / "bench" / "pod.json").read_text())
    async with api.client(16) as http:
        async def create(i):
            body = json.loads(json.dumps(pod))
            body["metadata"]["name"] = f"mem-{i}"
            r = await http.post("/api/v1/namespaces/default/pods", json=body)
            assert r.status_code == 201, r.text
        rate = await run_concurrent(16, pods, create)
        listed = await http.get("/api/v1/namespaces/default/pods?resourceVersion=0")
        assert len(listed.json()["items"]) >= pods
    loaded = rss_mb(api.proc.pid)
    print(f"idle {idle:.0f}   with {pods} pods {loaded:.0f}   ({rate:.0f} pod creates/s)")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    args = parser.parse_args()
    total, seconds, pods = (200, 5, 1000) if args.quick else (2000, 30, 10000)
    etcd = Etcd.start()
    api = ApiProcess(etcd.url)
    store = EtcdStore(etcd.url)
    await store.connect()
    try:
        print(f"tinykube api-server benchmark  (python {sys.version.split()[0]}, "
              f"{os.cpu_count()} cpus)")
        await throughput(api, store, total)
        await server_throughput(api, store, 3 if args.quick else 10)
        await mutating_latency(api, seconds)
        await watch_delay(api, 100, 50 if not args.quick else 10)
        await memory(api, pods)
    finally:
        await store.close()
        api.stop()
        etcd.stop()


if __name__ == "__main__":
    asyncio.run(main())
