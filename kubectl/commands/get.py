"""`kubectl get`: server-side Tables for people, objects for -o yaml|json|name|jsonpath|...

Human output asks the server for `Table`s (Accept `as=Table`) and only decorates them; a sort
(`--sort-by`) asks for the full objects inside the rows (`includeObject=Object`). Errors (a
missing name) are printed after whatever was found, and make the exit code 1.
"""
from __future__ import annotations

import argparse
import functools
from typing import Any

from machinery.api.errors import ApiError

from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool
from kubectl.client import TABLE_ACCEPT
from kubectl.commands.common import (add_filename_flags, add_output_flag, add_selector_flags,
                                     list_all, list_params, print_errors, resolve_targets,
                                     with_type_meta)
from kubectl.commands.get_watch import watch
from kubectl.errors import CLIError
from kubectl.printers.custom_columns import relaxed
from kubectl.printers.jsonpath import JSONPath
from kubectl.printers.output import GenericPrinter, split_format
from kubectl.printers.sorting import sort_key_compare
from kubectl.printers.table import TableOptions, TablePrinter
from kubectl.printers.tabwriter import TabWriter


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_output_flag(parser)
    add_selector_flags(parser)
    add_filename_flags(parser)
    add_bool(parser, "-w", "--watch")
    add_bool(parser, "--watch-only")
    add_bool(parser, "--output-watch-events")
    parser.add_argument("--sort-by", default=None)
    add_bool(parser, "--show-labels")
    parser.add_argument("-L", "--label-columns", action="append", default=[])
    add_bool(parser, "--no-headers")
    add_bool(parser, "--ignore-not-found")
    add_bool(parser, "--show-kind")
    add_bool(parser, "--show-managed-fields")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--raw", default=None)
    parser.add_argument("--subresource", default=None)
    add_bool(parser, "--server-print", default=True)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if args.raw:
        inv.out.write(inv.client.request("GET", args.raw, raw=True, accept="application/json, */*"))
        return 0
    if not args.resources and not args.filename:
        raise CLIError(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a "
            "complete list of supported resources.\n\nerror: Required resource not specified.\n"
            "Use \"kubectl explain <resource>\" for a detailed description of that resource "
            "(e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples")
    targets = resolve_targets(inv, args, "get")
    fmt, fmt_arg = split_format(args.output)
    if args.watch or args.watch_only:
        return watch(inv, args, targets, fmt, fmt_arg)
    if fmt in ("", "wide"):
        return _print_tables(inv, args, targets, wide=fmt == "wide")
    return _print_objects(inv, args, targets, fmt, fmt_arg)


# --- tables ----------------------------------------------------------------------------------

def fetch_table(inv: Invocation, args: argparse.Namespace, target: Target) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.sort_by:
        params["includeObject"] = "Object"
    if target.name:
        return inv.client.get(target.path, params=params, accept=TABLE_ACCEPT)
    limit = None if args.sort_by else (args.chunk_size or None)
    return list_all(inv, target.path, {**list_params(args, limit), **params}, TABLE_ACCEPT)


def _print_tables(inv: Invocation, args: argparse.Namespace, targets: list[Target],
                  wide: bool) -> int:
    infos: list[tuple[Target, dict[str, Any]]] = []
    errors: list[BaseException] = []
    for target in targets:
        try:
            infos.append((target, fetch_table(inv, args, target)))
        except ApiError as e:
            if not (args.ignore_not_found and e.code == 404):
                errors.append(e)
    with_kind = args.show_kind or len({t.mapping for t, _ in infos}) > 1
    written = _write_tables(inv, args, infos, wide, with_kind)
    if not written and not errors and not args.ignore_not_found:
        all_namespaced = not args.all_namespaces and all(t.mapping.namespaced for t, _ in infos)
        inv.warn(f"No resources found in {inv.namespace} namespace." if all_namespaced
                 else "No resources found")
    print_errors(inv, errors)
    return 1 if errors else 0


class _TrackingOut:
    """Counts what reaches the terminal, and puts a blank line between tables (kubectl's
    separatorWriter)."""

    def __init__(self, out: Any):
        self.out, self.written, self.ready = out, 0, False

    def write(self, text: str) -> None:
        if text and self.ready:
            self.out.write("\n")
            self.ready = False
        self.written += len(text)
        self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def _write_tables(inv: Invocation, args: argparse.Namespace,
                  infos: list[tuple[Target, dict[str, Any]]], wide: bool,
                  with_kind: bool) -> int:
    tracking = _TrackingOut(inv.out)
    w = TabWriter(tracking)
    printer: TablePrinter | None = None
    last = None
    for target, table in infos:
        if printer is None or target.mapping != last:
            w.flush()
            w.forget_widths()
            if last is not None and not args.no_headers and tracking.written > 0:
                tracking.ready = True
            printer = TablePrinter(table_options(args, target, wide, with_kind))
            last = target.mapping
        if args.sort_by:
            table = sort_table(table, args.sort_by)
        printer.print_table(table, w)
    w.flush()
    return tracking.written


def table_options(args: argparse.Namespace, target: Target, wide: bool,
                  with_kind: bool) -> TableOptions:
    labels = [part for value in args.label_columns for part in value.split(",") if part]
    return TableOptions(
        wide=wide, no_headers=args.no_headers,
        with_namespace=bool(args.all_namespaces) and target.mapping.namespaced,
        kind=target.mapping.kind_group if with_kind else "",
        show_labels=args.show_labels, label_columns=labels)


def sort_table(table: dict[str, Any], sort_by: str) -> dict[str, Any]:
    jp = JSONPath(relaxed(sort_by))
    rows = list(table.get("rows") or [])
    keyed = [(_first(jp, row.get("object") or {}), row) for row in rows]
    keyed.sort(key=functools.cmp_to_key(lambda a, b: sort_key_compare(a[0], b[0])))
    return {**table, "rows": [row for _, row in keyed]}


def _first(jp: JSONPath, obj: dict[str, Any]) -> Any:
    values = [v for group in jp.find(obj) for v in group]
    return values[0] if values else None


# --- objects ---------------------------------------------------------------------------------

def _print_objects(inv: Invocation, args: argparse.Namespace, targets: list[Target],
                   fmt: str, fmt_arg: str) -> int:
    items: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    for target in targets:
        try:
            if target.name:
                items.append(with_type_meta(target.mapping, inv.client.get(target.path)))
            else:
                page = list_all(inv, target.path, list_params(args, args.chunk_size or None))
                items.extend(with_type_meta(target.mapping, i) for i in page.get("items") or [])
        except ApiError as e:
            if not (args.ignore_not_found and e.code == 404):
                errors.append(e)
    if args.sort_by:
        jp = JSONPath(relaxed(args.sort_by))
        items.sort(key=functools.cmp_to_key(
            lambda a, b: sort_key_compare(_first(jp, a), _first(jp, b))))
    # one named object prints as itself; anything else as a `kind: List` (kubectl's
    # printGeneric), except that nothing at all is printed for a single missing name
    single = len(targets) == 1 and targets[0].name is not None
    printer = GenericPrinter(fmt, fmt_arg, args.no_headers, args.show_managed_fields)
    if single and len(items) == 1:
        printer.print_obj(items[0], inv.out)
    elif not single and (items or not args.ignore_not_found):
        doc = {"apiVersion": "v1", "items": items, "kind": "List",
               "metadata": {"resourceVersion": ""}}
        printer.print_obj(doc, inv.out)
    print_errors(inv, errors)
    return 1 if errors else 0
