"""`kubectl api-resources` and `kubectl api-versions`, from discovery."""
from __future__ import annotations

import argparse

from kubectl.cli import Invocation, add_bool
from kubectl.errors import CLIError
from kubectl.printers.tabwriter import TabWriter


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("-o", "--output", default=None)
    parser.add_argument("--api-group", default=None)
    parser.add_argument("--namespaced", default=None, nargs="?", const="true")
    add_bool(parser, "--no-headers")
    parser.add_argument("--verbs", action="append", default=[])
    parser.add_argument("--sort-by", default=None)
    parser.add_argument("--categories", action="append", default=[])
    add_bool(parser, "--cached")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if inv.command == "api-versions":
        versions = sorted({m.api_version for m in inv.discovery.mappings})
        for v in versions:
            inv.print(v)
        return 0
    if args.output not in (None, "wide", "name"):
        raise CLIError(f"error: --output {args.output} is not available")
    rows = sorted((m for m in inv.discovery.mappings if m.preferred),
                  key=lambda m: (m.group, m.resource))
    if args.api_group is not None:
        rows = [m for m in rows if m.group == args.api_group]
    if args.namespaced is not None:
        want = args.namespaced.lower() == "true"
        rows = [m for m in rows if m.namespaced == want]
    verbs = [v for value in args.verbs for v in value.split(",") if v]
    if verbs:
        rows = [m for m in rows if set(verbs) <= set(m.verbs)]
    cats = [c for value in args.categories for c in value.split(",") if c]
    if cats:
        rows = [m for m in rows if set(cats) <= set(m.categories)]
    if args.sort_by == "name":
        rows.sort(key=lambda m: m.resource)
    elif args.sort_by == "kind":
        rows.sort(key=lambda m: m.kind)
    if args.output == "name":
        for m in rows:
            inv.print(m.group_resource)
        return 0
    w = TabWriter(inv.out)
    if not args.no_headers:
        header = "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND"
        w.write(header + ("\tVERBS\tCATEGORIES\n" if args.output == "wide" else "\n"))
    for m in rows:
        line = (f"{m.resource}\t{','.join(m.short_names)}\t{m.api_version}\t"
                f"{'true' if m.namespaced else 'false'}\t{m.kind}")
        if args.output == "wide":
            line += f"\t{','.join(m.verbs)}\t{','.join(m.categories)}"
        w.write(line + "\n")
    w.flush()
    return 0
