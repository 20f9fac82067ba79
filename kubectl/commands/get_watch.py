"""`kubectl get -w`: print the current state, then every change the watch stream reports.

Rows keep the widths of the first table (the tab writer remembers them). A watch of a list starts
from the list's resourceVersion; a watch of one name starts from "now" and skips the synthetic
first ADDED event. The command ends when the server closes the stream (exit 0) or on Ctrl-C.
"""
from __future__ import annotations

import argparse
from typing import Any

from kubectl.builder import Target
from kubectl.cli import Invocation
from kubectl.client import TABLE_ACCEPT
from kubectl.commands.common import list_params, with_type_meta
from kubectl.errors import CLIError
from kubectl.printers.output import GenericPrinter
from kubectl.printers.table import TablePrinter
from kubectl.printers.tabwriter import TabWriter


def watch(inv: Invocation, args: argparse.Namespace, targets: list[Target], fmt: str,
          fmt_arg: str) -> int:
    if len({t.mapping for t in targets}) > 1 or len(targets) > 1:
        raise CLIError("error: watch is only supported on individual resources and resource "
                       "collections - more than 1 resource was found")
    target = targets[0]
    human = fmt in ("", "wide")
    accept = TABLE_ACCEPT if human else "application/json"
    params = list_params(args, None)
    if target.name:
        params["fieldSelector"] = f"metadata.name={target.name}"
    listing = inv.client.get(target.mapping.path(target.namespace), params=params, accept=accept)
    rv = (listing.get("metadata") or {}).get("resourceVersion", "")
    emit = _emitter(inv, args, target, fmt, fmt_arg)
    if not args.watch_only:
        emit("ADDED", listing)
    watch_params = {k: v for k, v in params.items() if k != "limit"}
    watch_params["resourceVersion"] = rv
    try:
        for event in inv.client.watch(target.mapping.path(target.namespace), watch_params, accept):
            emit(event["type"], event["object"])
    except KeyboardInterrupt:
        return 0
    return 0


def _emitter(inv: Invocation, args: argparse.Namespace, target: Target, fmt: str, fmt_arg: str):
    from kubectl.commands.get import table_options
    events = args.output_watch_events
    if fmt in ("", "wide"):
        w = TabWriter(inv.out)
        printer = TablePrinter(table_options(args, target, fmt == "wide", False))

        def emit_table(kind: str, obj: dict[str, Any]) -> None:
            if obj.get("kind") == "Status":
                w.write(f"{obj.get('status', '')}\t{obj.get('reason', '')}\t"
                        f"{obj.get('message', '')}\n")
            else:
                printer.print_table(obj, w, kind if events else "")
            w.flush()
        return emit_table

    generic = GenericPrinter(fmt, fmt_arg, args.no_headers, args.show_managed_fields)

    def emit_object(kind: str, obj: dict[str, Any]) -> None:
        items = obj.get("items") if "items" in obj else [obj]
        for item in items or []:
            item = with_type_meta(target.mapping, item)
            if events:
                generic.print_obj({"type": kind, "object": item}, inv.out)
            else:
                generic.print_obj(item, inv.out)
    return emit_object
