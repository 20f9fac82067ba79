"""`kubectl top node|pod`: usage from the metrics API (metrics.k8s.io), when a server has one."""
from __future__ import annotations

import argparse

from kubectl.cli import Invocation, add_bool
from kubectl.errors import CLIError
from kubectl.printers.sorting import parse_quantity
from kubectl.printers.tabwriter import TabWriter

METRICS = "/apis/metrics.k8s.io/v1beta1"


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    parser.add_argument("-l", "--selector", default=None)
    add_bool(parser, "-A", "--all-namespaces")
    add_bool(parser, "--no-headers")
    add_bool(parser, "--containers")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if not any(m.group == "metrics.k8s.io" for m in inv.discovery.mappings):
        raise CLIError("error: Metrics API not available")
    if not args.words or args.words[0] not in ("node", "nodes", "no", "pod", "pods", "po"):
        raise CLIError("error: top needs `node` or `pod`")
    kind, names = args.words[0], args.words[1:]
    params = {"labelSelector": args.selector}
    w = TabWriter(inv.out)
    if kind.startswith("no"):
        items = inv.client.get(f"{METRICS}/nodes", params=params).get("items") or []
        nodes = {n["metadata"]["name"]: n for n in
                 inv.client.get("/api/v1/nodes").get("items") or []}
        if not args.no_headers:
            w.write("NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\n")
        for m in items:
            name = m["metadata"]["name"]
            if names and name not in names:
                continue
            alloc = (nodes.get(name, {}).get("status") or {}).get("allocatable") or {}
            cpu, mem = _cpu(m["usage"].get("cpu")), _mem(m["usage"].get("memory"))
            w.write(f"{name}\t{cpu[0]}\t{_pct(cpu[1], alloc.get('cpu'))}\t{mem[0]}\t"
                    f"{_pct(mem[1], alloc.get('memory'))}\n")
    else:
        base = f"{METRICS}/pods" if args.all_namespaces else \
            f"{METRICS}/namespaces/{inv.namespace}/pods"
        items = inv.client.get(base, params=params).get("items") or []
        if not items:
            inv.warn(f"No resources found in {inv.namespace} namespace.")
            return 0
        if not args.no_headers:
            w.write(("NAMESPACE\t" if args.all_namespaces else "") +
                    "NAME\tCPU(cores)\tMEMORY(bytes)\n")
        for m in items:
            if names and m["metadata"]["name"] not in names:
                continue
            cpu = sum(_cpu(c["usage"].get("cpu"))[1] for c in m.get("containers") or [])
            mem = sum(_mem(c["usage"].get("memory"))[1] for c in m.get("containers") or [])
            prefix = f"{m['metadata']['namespace']}\t" if args.all_namespaces else ""
            w.write(f"{prefix}{m['metadata']['name']}\t{round(cpu * 1000)}m\t"
                    f"{int(mem // 2**20)}Mi\n")
    w.flush()
    return 0


def _cpu(value: str | None) -> tuple[str, float]:
    cores = float(parse_quantity(value or "0") or 0)
    return f"{round(cores * 1000)}m", cores


def _mem(value: str | None) -> tuple[str, float]:
    amount = float(parse_quantity(value or "0") or 0)
    return f"{int(amount // 2**20)}Mi", amount


def _pct(used: float, total: str | None) -> str:
    capacity = float(parse_quantity(total or "0") or 0)
    return f"{int(used / capacity * 100)}%" if capacity else "0%"
