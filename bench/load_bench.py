"""Load soak: a steady 20 writes/s plus 50 watchers for N minutes against a fresh etcd and
`python -m apiserver` in its own process. Prints figures; asserts nothing (a benchmark).

- writes: ConfigMap creates, updates (PUT with the resourceVersion held) and deletes, sent
  open-loop at a fixed rate (a slow answer does not slow the rate down); p50/p99/max latency;
- memory: the api-server's RSS every 10 s: first, last, max, and the slope of a least-squares
  line after the first minute (warm-up), in MB per minute; flat memory means a slope near 0;
- watchers: 50 raw watch streams (resumed from their last resourceVersion when a stream ends),
  each checked to have received every write exactly once and in order.

Usage: python bench/load_bench.py [--minutes 10] [--rate 20] [--watchers 50]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machinery.api import resources  # noqa: E402
from machinery.api.errors import Gone  # noqa: E402
from machinery.client import ApiClient  # noqa: E402
from tests.cluster import Etcd, free_port, wait_until  # noqa: E402

NAMESPACES = resources.lookup("", "v1", "namespaces")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
NS = "load"
OBJECTS = 200
SAMPLE_S = 10


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def slope_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(m for _, m in samples) / n
    var = sum((t - mx) ** 2 for t, _ in samples)
    return 60 * sum((t - mx) * (m - my) for t, m in samples) / var if var else 0.0


class ApiProcess:
    """`python -m apiserver` on a free port, with its own PKI and admin kubeconfig."""

    def __init__(self, etcd_url: str):
        port = free_port()
        self.cert_dir = tempfile.mkdtemp(prefix="load-bench-pki-")
        self.url = f"https://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "apiserver", f"--etcd-servers={etcd_url}",
             f"--secure-port={port}", f"--cert-dir={self.cert_dir}",
             f"--external-url={self.url}", "--bind-address=127.0.0.1",
             "--advertise-address=127.0.0.1", "--log-level=WARNING"], cwd=ROOT)
        self.kubeconfig = Path(self.cert_dir) / "admin.kubeconfig"
        wait_until(lambda: self.kubeconfig.exists(), 60, "the api-server's PKI")

    async def ready(self) -> None:
        async with ApiClient.from_kubeconfig(str(self.kubeconfig)) as client:
            for _ in range(600):
                try:
                    await client.request("GET", "/readyz")
                    return
                except Exception:
                    await asyncio.sleep(0.1)
        raise TimeoutError("the api-server never became ready")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@dataclass
class Writer:
    client: ApiClient
    latencies: list[float] = field(default_factory=list)
    writes: list[tuple[str, str, int]] = field(default_factory=list)   # (type, name, rv)
    deletes: int = 0
    errors: list[str] = field(default_factory=list)
    live: dict[str, dict] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)

    async def one(self, rng: random.Random) -> None:
        name = f"cm-{rng.randrange(OBJECTS)}"
        if name in self.busy:              # one write per object at a time: RVs stay exact
            return
        self.busy.add(name)
        start = time.perf_counter()
        try:
            obj = self.live.get(name)
            if obj is None:
                obj = await self.client.create(CONFIGMAPS, {
                    "metadata": {"name": name, "namespace": NS}, "data": {"v": "0"}})
                self._done("ADDED", obj)
            elif rng.random() < 0.15:
                await self.client.delete(CONFIGMAPS, name, NS)
                self.live.pop(name)
                self.deletes += 1
            else:
                obj = dict(obj, data={"v": str(time.time())})
                self._done("MODIFIED", await self.client.update(CONFIGMAPS, obj))
            self.latencies.append(time.perf_counter() - start)
        except Exception as e:
            self.errors.append(f"{name}: {e!r}")
        finally:
            self.busy.discard(name)

    def _done(self, typ: str, obj: dict) -> None:
        self.live[obj["metadata"]["name"]] = obj
        self.writes.append((typ, obj["metadata"]["name"], int(obj["metadata"]["resourceVersion"])))

    async def run(self, rate: float, seconds: float) -> None:
        rng, tasks = random.Random(1), set()
        start = time.monotonic()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            task = asyncio.create_task(self.one(rng))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)


@dataclass
class Watcher:
    client: ApiClient
    rv: int
    events: list[tuple[str, str, int]] = field(default_factory=list)
    gone: int = 0
    resumes: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async for ev in self.client.watch(CONFIGMAPS, NS, resource_version=str(self.rv),
                                                  timeout_s=random.randint(120, 240)):
                    rv = int(ev.resource_version or self.rv)
                    if ev.type != "BOOKMARK":
                        self.events.append((ev.type, ev.object["metadata"]["name"], rv))
                    self.rv = rv
            except Gone:
                self.gone += 1
                return
            except Exception:
                await asyncio.sleep(0.2)
            self.resumes += 1


def check_watcher(w: Watcher, writer: Writer) -> str | None:
    rvs = [rv for _, _, rv in w.events]
    if any(b <= a for a, b in zip(rvs, rvs[1:])):
        return "events duplicated or out of order"
    got = {e for e in w.events if e[0] != "DELETED"}
    if got != set(writer.writes):
        return f"missed {len(set(writer.writes) - got)}, unexpected {len(got - set(writer.writes))}"
    deleted = sum(1 for e in w.events if e[0] == "DELETED")
    if deleted != writer.deletes:
        return f"{deleted} DELETED events for {writer.deletes} deletions"
    return None


async def sample_memory(pid: int, stop: asyncio.Event, samples: list[tuple[float, float]]):
    start = time.monotonic()
    while not stop.is_set():
        samples.append((time.monotonic() - start, rss_mb(pid)))
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_S)
        except asyncio.TimeoutError:
            pass


async def soak(api: ApiProcess, minutes: float, rate: float, n_watchers: int) -> None:
    clients = [ApiClient.from_kubeconfig(str(api.kubeconfig)) for _ in range(5)]
    main = clients[0]
    await main.create(NAMESPACES, {"metadata": {"name": NS}})
    start_rv = int((await main.list(CONFIGMAPS, NS))["metadata"]["resourceVersion"])
    watchers = [Watcher(clients[1 + i % 4], start_rv) for i in range(n_watchers)]
    stop, samples = asyncio.Event(), []
    background = [asyncio.create_task(w.run(stop)) for w in watchers]
    background.append(asyncio.create_task(sample_memory(api.proc.pid, stop, samples)))
    writer = Writer(main)
    began = time.monotonic()
    await writer.run(rate, minutes * 60)
    elapsed = time.monotonic() - began
    last_rv = max(rv for _, _, rv in writer.writes)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(w.rv < last_rv for w in watchers):
        await asyncio.sleep(0.5)
    samples.append((time.monotonic() - began, rss_mb(api.proc.pid)))
    stop.set()
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    report(writer, watchers, samples, elapsed)
    for client in clients:
        await client.close()


def report(writer: Writer, watchers: list[Watcher], samples: list[tuple[float, float]],
           elapsed: float) -> None:
    done = len(writer.latencies)
    lat = [x * 1000 for x in writer.latencies]
    print(f"writes: {done} acknowledged in {elapsed:.0f} s ({done / elapsed:.1f}/s), "
          f"{len(writer.errors)} errors{': ' + writer.errors[0] if writer.errors else ''}")
    print(f"mutating latency: p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, "
          f"max {max(lat):.1f} ms")
    mem = [m for _, m in samples]
    warm = [s for s in samples if s[0] >= 60] or samples
    tail = samples[len(samples) * 2 // 3:]
    print(f"api-server RSS: first {mem[0]:.1f} MB, last {mem[-1]:.1f} MB, max {max(mem):.1f} "
          f"MB; slope {slope_per_min(samples):+.2f} MB/min overall, "
          f"{slope_per_min(warm):+.2f} after the first minute, {slope_per_min(tail):+.2f} over "
          f"the last third ({len(samples)} samples)")
    per_minute = [f"{m:.0f}" for t, m in samples if int(t) % 60 < SAMPLE_S]
    print(f"RSS each minute (MB): {' '.join(per_minute)}; the watch cache keeps 75 s of "
          f"events per resource, so memory should level off after the first minutes")
    bad = [(i, p) for i, w in enumerate(watchers) if (p := check_watcher(w, writer))]
    events = sum(len(w.events) for w in watchers)
    print(f"watchers: {len(watchers)}, {events} events received, "
          f"{sum(w.resumes for w in watchers)} streams resumed, "
          f"{sum(w.gone for w in watchers)} got 410; "
          + ("every watcher saw every write once and in order" if not bad else
             f"{len(bad)} watchers wrong, e.g. #{bad[0][0]}: {bad[0][1]}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=20, help="writes per second")
    parser.add_argument("--watchers", type=int, default=50)
    args = parser.parse_args()
    etcd = Etcd.start()
    api = ApiProcess(etcd.url)
    try:
        asyncio.run(api.ready())
        print(f"load: {args.rate:g} writes/s, {args.watchers} watchers, {args.minutes:g} min")
        asyncio.run(soak(api, args.minutes, args.rate, args.watchers))
    finally:
        api.stop()
        etcd.stop()


if __name__ == "__main__":
    main()
