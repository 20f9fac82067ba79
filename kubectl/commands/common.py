"""Flag sets and helpers shared by several commands."""
from __future__ import annotations

import argparse
from typing import Any

from kubectl.builder import Target, targets_from_args, targets_from_files
from kubectl.cli import Invocation, add_bool
from kubectl.errors import CLIError


def add_output_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default=None)


def add_filename_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--filename", action="append", default=[])
    add_bool(parser, "-R", "--recursive")
    parser.add_argument("-k", "--kustomize", default=None, help=argparse.SUPPRESS)


def add_selector_flags(parser: argparse.ArgumentParser, all_namespaces: bool = True) -> None:
    parser.add_argument("-l", "--selector", default=None)
    parser.add_argument("--field-selector", default=None)
    if all_namespaces:
        add_bool(parser, "-A", "--all-namespaces")


def resolve_targets(inv: Invocation, args: argparse.Namespace, command: str,
                    require: bool = True) -> list[Target]:
    """Targets from -f or from resource arguments."""
    if getattr(args, "kustomize", None):
        raise CLIError("error: -k (kustomize) is not supported by tkctl")
    files = getattr(args, "filename", None) or []
    resources = getattr(args, "resources", None) or []
    if files and resources:
        raise CLIError(f"error: Unexpected args: {resources}\n"
                       f"See 'kubectl {command} -h' for help and examples")
    if files:
        return targets_from_files(inv, files, getattr(args, "recursive", False))
    if not resources:
        if not require:
            return []
        raise CLIError("error: You must provide one or more resources by argument or "
                       "filename.\nExample resource specifications include:\n"
                       "   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n"
                       "   '<resource>'")
    return targets_from_args(inv, resources, command,
                             getattr(args, "all_namespaces", False))


def list_params(args: argparse.Namespace, limit: int | None = 500) -> dict[str, Any]:
    return {"labelSelector": getattr(args, "selector", None),
            "fieldSelector": getattr(args, "field_selector", None),
            "limit": limit}


def with_type_meta(mapping: Any, obj: dict[str, Any]) -> dict[str, Any]:
    """List items arrive without apiVersion/kind; kubectl's decoder fills them in."""
    if obj.get("kind") and obj.get("apiVersion"):
        return obj
    return {"apiVersion": mapping.api_version, "kind": mapping.kind, **obj}


def list_all(inv: Invocation, path: str, params: dict[str, Any],
             accept: str = "application/json") -> dict[str, Any]:
    """Follow `continue` tokens; one List dict (or Table) with every item (or row)."""
    first: dict[str, Any] | None = None
    while True:
        page = inv.client.get(path, params=params, accept=accept)
        if first is None:
            first = page
        else:
            key = "rows" if page.get("kind") == "Table" else "items"
            first.setdefault(key, []).extend(page.get(key) or [])
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            return first
        params = {**params, "continue": token}


def print_errors(inv: Invocation, errors: list[BaseException]) -> None:
    from kubectl.errors import render
    seen: set[str] = set()
    for err in errors:
        text, _ = render(err)
        if text not in seen:
            seen.add(text)
            inv.warn(text)
