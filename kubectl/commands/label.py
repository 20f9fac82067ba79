"""`kubectl label` and `kubectl annotate`: `key=value` sets, `key-` removes.

The change is a JSON merge patch of `metadata.labels` (or annotations) with field manager
`kubectl-label` / `kubectl-annotate`; `--resource-version` pins the write to that version.
"""
from __future__ import annotations

import argparse
import copy
import json
import re
from typing import Any

from machinery.api.errors import ApiError

from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool
from kubectl.client import PATCH_TYPES
from kubectl.commands.common import (add_filename_flags, add_output_flag, list_all,
                                     print_errors, resolve_targets)
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError

_SPEC = re.compile(r"^[^=]+=.*$|^[^=]+-$")


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    add_bool(parser, "--overwrite")
    add_bool(parser, "--all")
    add_bool(parser, "-A", "--all-namespaces")
    add_bool(parser, "--list")
    add_bool(parser, "--local")
    parser.add_argument("-l", "--selector", default=None)
    parser.add_argument("--field-selector", default=None)
    parser.add_argument("--resource-version", default=None)
    parser.add_argument("--field-manager", default=None)


def split_specs(words: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """(resource words, key->value to set, keys to remove)."""
    resources, sets, removes = [], {}, []
    for word in words:
        if "=" in word:
            key, value = word.split("=", 1)
            sets[key] = value
        elif word.endswith("-") and not resources == [] and "/" not in word[:-1] and \
                _SPEC.match(word):
            removes.append(word[:-1])
        else:
            resources.append(word)
    return resources, sets, removes


def run(inv: Invocation, args: argparse.Namespace) -> int:
    field = "labels" if inv.command == "label" else "annotations"
    noun = "label" if field == "labels" else "annotation"
    args.resources, sets, removes = split_specs(args.words)
    if not sets and not removes and not args.list:
        raise CLIError(f"error: at least one {noun} update is required")
    targets = resolve_targets(inv, args, inv.command)
    mode = dry_run_mode(args)
    reporter = Reporter(inv, args, mode)
    errors: list[BaseException] = []
    for target in _expand(inv, args, targets, errors):
        try:
            _update(inv, args, target, field, sets, removes, mode, reporter)
        except ApiError as e:
            errors.append(e)
    print_errors(inv, errors)
    return 1 if errors else 0


def _expand(inv: Invocation, args: argparse.Namespace, targets: list[Target],
            errors: list[BaseException]) -> list[Target]:
    out = []
    for target in targets:
        if target.name is not None:
            out.append(target)
            continue
        if not (args.all or args.selector or args.field_selector):
            raise CLIError("error: resource(s) were provided, but no name was specified")
        try:
            listing = list_all(inv, target.path, {"labelSelector": args.selector,
                                                  "fieldSelector": args.field_selector,
                                                  "limit": 500})
        except ApiError as e:
            errors.append(e)
            continue
        for item in listing.get("items") or []:
            meta = item.get("metadata") or {}
            out.append(Target(target.mapping, meta.get("namespace"), meta.get("name")))
    return out


def _update(inv: Invocation, args: argparse.Namespace, target: Target, field: str,
            sets: dict[str, str], removes: list[str], mode: str, reporter: Reporter) -> None:
    live = target.obj if args.local and target.obj else inv.client.get(target.path)
    current = dict((live.get("metadata") or {}).get(field) or {})
    if args.list:
        for key, value in current.items():
            inv.print(f"{key}={value}")
        return
    noun = "label" if field == "labels" else "annotation"
    for key, value in sets.items():
        if key in current and current[key] != value and not args.overwrite:
            raise CLIError(f"error: '{key}' already has a value ({current[key]}), and "
                           "--overwrite is false")
    updated = dict(current)
    for key in removes:
        if key not in updated:
            inv.print(f'{noun} "{key}" not found.')
        updated.pop(key, None)
    updated.update(sets)
    after = copy.deepcopy(live)
    after.setdefault("metadata", {})[field] = updated
    verb = _change_message(live, after, args.overwrite, field)
    patch_fields: dict[str, Any] = {k: v for k, v in updated.items() if current.get(k) != v}
    patch_fields.update({k: None for k in current if k not in updated})
    result = live
    if (patch_fields or args.resource_version) and mode != "client":
        meta: dict[str, Any] = {field: patch_fields}
        if args.resource_version:
            meta["resourceVersion"] = args.resource_version
        manager = args.field_manager or f"kubectl-{inv.command}"
        result = inv.client.request("PATCH", target.path, body={"metadata": meta},
                                    params={"fieldManager": manager, **dry_run_params(mode)},
                                    content_type=PATCH_TYPES["merge"])
    reporter.report(target, verb, result if mode != "client" else after)


def _change_message(before: dict[str, Any], after: dict[str, Any], overwrite: bool,
                    field: str) -> str:
    """kubectl's wording: not labeled / labeled / unlabeled (annotations: always annotated)."""
    if field == "annotations":
        return "annotated"
    old, new = json.dumps(before), json.dumps(after)
    if before == after:
        return "not labeled"
    if not overwrite and len(new) < len(old):
        return "unlabeled"
    return "labeled"
