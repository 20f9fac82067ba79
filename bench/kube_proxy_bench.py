"""kube-proxy benchmark: render and iptables-restore times, full vs partial sync.

    python bench/kube_proxy_bench.py [--services 1000] [--endpoints 10] [--changes 20]

Builds N Services (NodePort, one port) with M ready endpoints each, then measures:
- render(): a full render, and a partial re-render after one Service's endpoints changed;
- a full sync into a REAL iptables (iptables-save + iptables-restore --noflush of every
  chain, in batches), and a verifying sync (the periodic one: save + the top-level chains),
  run in a private network namespace created here and deleted at the end (the machine's tables
  are not touched);
- partial syncs: one Service's endpoints change, render + diff + restore of that Service only.
Prints one line per figure. Needs root (ip netns, iptables).
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kube_proxy.chains import ChainNames  # noqa: E402
from kube_proxy.iptables import Iptables  # noqa: E402
from kube_proxy.proxier import apply_rules  # noqa: E402
from kube_proxy.rules import RenderSettings, render  # noqa: E402
from kube_proxy.ruleset import diff  # noqa: E402

SETTINGS = RenderSettings()


def world(services: int, endpoints: int) -> tuple[list[dict], list[dict]]:
    svcs, slices = [], []
    for i in range(services):
        name = f"svc-{i}"
        svcs.append({"metadata": {"namespace": "bench", "name": name}, "spec": {
            "type": "NodePort", "clusterIP": f"10.96.{i // 250}.{i % 250 + 1}",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP",
                       "nodePort": 30000 + i}]}})
        slices.append(endpoint_slice(name, i, endpoints, generation=0))
    return svcs, slices


def endpoint_slice(name: str, i: int, endpoints: int, generation: int) -> dict:
    base = 10 + generation % 100
    return {"metadata": {"namespace": "bench", "name": f"{name}-x",
                         "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [f"10.244.{i // 250 + 1}.{(base + j) % 250 + 1}"],
                           "conditions": {"ready": True}} for j in range(endpoints)]}


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def bench_iptables(svcs, slices, args) -> None:
    netns = f"tkp-bench-{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    try:
        ipt = Iptables(ChainNames(), ["ip", "netns", "exec", netns])
        full_rules = render(svcs, slices, SETTINGS)
        text = full_rules.restore_text()
        print(f"restore input: {len(text.splitlines())} lines, {len(text) / 1e6:.1f} MB")
        fulls = []
        for _ in range(3):
            start = time.perf_counter()
            await apply_rules(ipt, full_rules, None, max_lines=args.max_lines)
            fulls.append(time.perf_counter() - start)
        print(f"full sync (save + every chain rewritten), {args.services} services: "
              f"median {ms(statistics.median(fulls))}, first {ms(fulls[0])}")
        verifies = []
        for _ in range(3):
            start = time.perf_counter()
            await apply_rules(ipt, full_rules, full_rules, verify=True, max_lines=args.max_lines)
            verifies.append(time.perf_counter() - start)
        print(f"verifying sync (every --sync-period-s: save + top-level chains): "
              f"median {ms(statistics.median(verifies))}")
        start = time.perf_counter()
        await ipt.save("nat")
        print(f"iptables-save -t nat of that table: {ms(time.perf_counter() - start)}")
        batches = full_rules.restore_batches(max_lines=args.max_lines)
        start = time.perf_counter()
        for batch in batches:
            await ipt.restore(batch)
        print(f"iptables-restore alone, full rule set in {len(batches)} batches: "
              f"{ms(time.perf_counter() - start)}")
        if args.single_batch:
            start = time.perf_counter()
            await ipt.restore(text)
            print(f"iptables-restore alone, full rule set in ONE input (upstream's way): "
                  f"{ms(time.perf_counter() - start)}")

        applied, partial, total = full_rules, [], []
        for n in range(args.changes):
            start = time.perf_counter()
            i = (n * 37) % args.services
            slices[i] = endpoint_slice(f"svc-{i}", i, args.endpoints, generation=n + 1)
            new = render(svcs, slices, SETTINGS, previous=applied, changed={f"bench/svc-{i}"})
            t_render = time.perf_counter()
            await apply_rules(ipt, new, applied, max_lines=args.max_lines)
            end = time.perf_counter()
            partial.append(end - t_render)
            total.append(end - start)
            applied = new
        print(f"partial sync restore (1 service changed): p50 {ms(pct(partial, .5))}, "
              f"p99 {ms(pct(partial, .99))}")
        print(f"partial sync render+diff+restore: p50 {ms(pct(total, .5))}, "
              f"p99 {ms(pct(total, .99))}")
        removed = await ipt.cleanup()
        print(f"cleanup removed {removed} chains")
    finally:
        subprocess.run(["ip", "netns", "del", netns], check=False)


def bench_render(svcs, slices, args) -> None:
    fulls = [timed(render, svcs, slices, SETTINGS)[1] for _ in range(3)]
    rules = render(svcs, slices, SETTINGS)
    counts = rules.rule_count()
    print(f"services {args.services} x endpoints {args.endpoints}: nat rules {counts['nat']}, "
          f"filter rules {counts['filter']}, chains {len(rules.service_chains())}")
    print(f"render full: median {ms(statistics.median(fulls))}")
    changed = list(slices)
    changed[7] = endpoint_slice("svc-7", 7, args.endpoints, generation=1)
    new, t_partial = timed(render, svcs, changed, SETTINGS, previous=rules,
                           changed={"bench/svc-7"})
    plan, t_diff = timed(diff, rules, new)
    _, t_text_full = timed(new.restore_text)
    partial_text, t_text_partial = timed(new.restore_text, plan.changed, plan.stale_chains)
    print(f"render partial (1 service): {ms(t_partial)}; diff: {ms(t_diff)}")
    print(f"restore text: full {ms(t_text_full)}, partial {ms(t_text_partial)} "
          f"({len(partial_text.splitlines())} lines)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--max-lines", type=int, default=3000,
                        help="lines per iptables-restore input (apply_rules' max_lines)")
    parser.add_argument("--single-batch", action="store_true",
                        help="also time one unbatched restore (slow with iptables-nft)")
    args = parser.parse_args()
    svcs, slices = world(args.services, args.endpoints)
    bench_render(svcs, slices, args)
    asyncio.run(bench_iptables(svcs, slices, args))


if __name__ == "__main__":
    main()
