"""`kubectl scale`: a merge patch of the scale subresource, or with `--current-replicas` a
read-check-PUT of the Scale, so a concurrent change fails with a conflict."""
from __future__ import annotations

import argparse

from machinery.api.errors import ApiError

from kubectl.cli import Invocation, add_bool
from kubectl.client import PATCH_TYPES
from kubectl.commands.common import (add_filename_flags, add_output_flag, list_all,
                                     print_errors, resolve_targets)
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.builder import Target
from kubectl.errors import CLIError


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    parser.add_argument("--replicas", type=int, default=None)
    parser.add_argument("--current-replicas", type=int, default=-1)
    parser.add_argument("--resource-version", default=None)
    parser.add_argument("-l", "--selector", default=None)
    add_bool(parser, "--all")
    add_bool(parser, "-A", "--all-namespaces")
    parser.add_argument("--timeout", default="0s")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if args.replicas is None:
        raise CLIError('error: required flag(s) "replicas" not set')
    if args.replicas < 0:
        raise CLIError("error: The --replicas=COUNT flag is required, and COUNT must be "
                       "greater than or equal to 0")
    targets = resolve_targets(inv, args, "scale")
    mode = dry_run_mode(args)
    reporter = Reporter(inv, args, mode)
    errors: list[BaseException] = []
    for target in _expand(inv, args, targets):
        try:
            result = _scale(inv, args, target, mode)
            reporter.report(target, "scaled", result)
        except ApiError as e:
            errors.append(e)
    print_errors(inv, errors)
    return 1 if errors else 0


def _expand(inv: Invocation, args: argparse.Namespace, targets: list[Target]) -> list[Target]:
    out = []
    for target in targets:
        if target.name is not None:
            out.append(target)
        elif args.all or args.selector:
            listing = list_all(inv, target.path, {"labelSelector": args.selector, "limit": 500})
            out.extend(Target(target.mapping, (i.get("metadata") or {}).get("namespace"),
                              (i.get("metadata") or {}).get("name"))
                       for i in listing.get("items") or [])
        else:
            raise CLIError("error: resource(s) were provided, but no name was specified")
    return out


def _scale(inv: Invocation, args: argparse.Namespace, target: Target, mode: str) -> dict:
    try:
        live = inv.client.get(target.path)
    except ApiError as e:
        if e.code == 404:
            raise CLIError(f"error: no objects passed to scale {e.message}") from e
        raise
    path = target.mapping.path(target.namespace, target.name, "scale")
    if mode == "client":
        return live
    if args.current_replicas >= 0 or args.resource_version:
        scale = inv.client.get(path)
        current = (scale.get("spec") or {}).get("replicas", 0)
        if args.current_replicas >= 0 and current != args.current_replicas:
            raise CLIError(f"error: Expected replicas to be {args.current_replicas}, "
                           f"was {current}")
        if args.resource_version:
            scale["metadata"]["resourceVersion"] = args.resource_version
        scale.setdefault("spec", {})["replicas"] = args.replicas
        inv.client.request("PUT", path, body=scale, params=dry_run_params(mode))
    else:
        inv.client.request("PATCH", path, body={"spec": {"replicas": args.replicas}},
                           params=dry_run_params(mode), content_type=PATCH_TYPES["merge"])
    return inv.client.get(target.path) if args.output else live
