"""`kubectl delete`: by name, by -f, by -l or --all; then wait until the objects are gone.

kubectl prints `deployment.apps "web" deleted` once the DELETE is accepted, and (with the
default --wait) blocks until each object has disappeared, which for a pod on a node takes its
graceful termination. An object replaced by a new one with the same name (another uid) counts
as gone.
"""
from __future__ import annotations

import argparse
import time
from typing import Any

from machinery.api.errors import ApiError

from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool, parse_duration_s
from kubectl.commands.common import (add_filename_flags, add_output_flag, list_all,
                                     print_errors, resolve_targets)
from kubectl.commands.mutate import add_dry_run, dry_run_mode, dry_run_params, suffix
from kubectl.errors import CLIError, with_source

IMMEDIATE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running "
                     "resource has been terminated. The resource may continue to run on the "
                     "cluster indefinitely.")


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    parser.add_argument("-l", "--selector", default=None)
    parser.add_argument("--field-selector", default=None)
    add_bool(parser, "-A", "--all-namespaces")
    add_bool(parser, "--all")
    add_bool(parser, "--ignore-not-found")
    add_bool(parser, "--force")
    add_bool(parser, "--now")
    add_bool(parser, "--wait", default=True)
    parser.add_argument("--grace-period", type=int, default=-1)
    parser.add_argument("--cascade", nargs="?", const="background", default="background")
    parser.add_argument("--timeout", default="0s")
    add_bool(parser, "-i", "--interactive")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    targets = resolve_targets(inv, args, "delete")
    grace = _grace_period(args)
    collections = [t for t in targets if t.name is None]
    if collections and not (args.all or args.selector or args.field_selector or args.filename):
        raise CLIError("error: resource(s) were provided, but no name was specified")
    if args.all and (args.selector or args.field_selector):
        raise CLIError("error: setting 'all' parameter but found a non empty selector. ")
    mode = dry_run_mode(args)
    if grace == 0 and args.force:
        inv.warn(IMMEDIATE_WARNING)
    elif args.force and grace != 0:
        raise CLIError("error: --force and --grace-period greater than 0 cannot be specified "
                       "together") if grace > 0 else CLIError(
            "error: --force needs --grace-period=0 (tkctl does not guess it)")
    errors: list[BaseException] = []
    deleted: list[tuple[Target, dict[str, Any]]] = []
    found_any = False
    for target in _expand(inv, args, targets, errors):
        found_any = True
        try:
            result = _delete_one(inv, args, target, grace, mode)
            deleted.append((target, result))
            _report(inv, args, target, mode, forced=grace == 0 and args.force)
        except ApiError as e:
            if args.ignore_not_found and e.code == 404:
                continue
            errors.append(with_source(e, "deleting", target.source))
    if not found_any and not errors and collections:
        inv.print("No resources found")     # kubectl delete says it on stdout
    if args.wait and mode == "none" and grace != 0 and deleted:
        _wait_all(inv, args, deleted, errors)
    print_errors(inv, errors)
    return 1 if errors else 0


def _grace_period(args: argparse.Namespace) -> int:
    if args.now:
        return 1
    if args.force and args.grace_period < 0:
        return 0
    return args.grace_period


def _expand(inv: Invocation, args: argparse.Namespace, targets: list[Target],
            errors: list[BaseException]) -> list[Target]:
    out: list[Target] = []
    for target in targets:
        if target.name is not None:
            out.append(target)
            continue
        params = {"labelSelector": args.selector, "fieldSelector": args.field_selector,
                  "limit": 500}
        try:
            listing = list_all(inv, target.path, params)
        except ApiError as e:
            errors.append(e)
            continue
        for item in listing.get("items") or []:
            meta = item.get("metadata") or {}
            out.append(Target(target.mapping, meta.get("namespace") or target.namespace,
                              meta.get("name")))
    return out


def _delete_one(inv: Invocation, args: argparse.Namespace, target: Target, grace: int,
                mode: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if grace >= 0:
        body["gracePeriodSeconds"] = grace
    body["propagationPolicy"] = {"background": "Background", "foreground": "Foreground",
                                 "orphan": "Orphan", "true": "Background",
                                 "false": "Orphan"}.get(args.cascade.lower(), "Background")
    if mode == "server":
        body["dryRun"] = ["All"]
    if mode == "client":
        return inv.client.get(target.path)
    return inv.client.request("DELETE", target.path, body=body, params=dry_run_params(mode))


def _report(inv: Invocation, args: argparse.Namespace, target: Target, mode: str,
            forced: bool) -> None:
    if args.output == "name":
        inv.print(f"{target.mapping.kind_group}/{target.name}")
    else:
        verb = "force deleted" if forced else "deleted"
        inv.print(f'{target.mapping.kind_group} "{target.name}" {verb}{suffix(mode)}')


def _wait_all(inv: Invocation, args: argparse.Namespace,
              deleted: list[tuple[Target, dict[str, Any]]], errors: list[BaseException]) -> None:
    timeout = parse_duration_s(args.timeout) if args.timeout else 0
    deadline = time.monotonic() + (timeout if timeout > 0 else 7 * 24 * 3600)
    for target, result in deleted:
        uid = (result.get("metadata") or {}).get("uid") if result.get("kind") != "Status" else None
        if not wait_gone(inv, target, uid, deadline):
            errors.append(CLIError(f"error: timed out waiting for the condition on "
                                   f"{target.mapping.resource}/{target.name}"))


def wait_gone(inv: Invocation, target: Target, uid: str | None, deadline: float) -> bool:
    """Poll until the object is 404 (or has another uid); False at the deadline."""
    delay = 0.05
    while time.monotonic() < deadline:
        try:
            live = inv.client.get(target.path)
        except ApiError as e:
            if e.code == 404:
                return True
            raise
        if uid and (live.get("metadata") or {}).get("uid") != uid:
            return True
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
    return False
