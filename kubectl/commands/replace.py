"""`kubectl replace -f FILE [--force]`: PUT the whole object (or delete and re-create it)."""
from __future__ import annotations

import argparse
import time

from machinery.api.errors import ApiError

from kubectl.builder import targets_from_files
from kubectl.cli import Invocation, add_bool
from kubectl.commands.common import add_filename_flags, add_output_flag, print_errors
from kubectl.commands.delete import wait_gone
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError, with_source


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    add_bool(parser, "--force")
    parser.add_argument("--grace-period", type=int, default=-1)
    parser.add_argument("--validate", nargs="?", const="strict", default="strict")
    parser.add_argument("--field-manager", default="kubectl-replace")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if not args.filename:
        raise CLIError("error: must specify --filename to replace")
    mode = dry_run_mode(args)
    reporter = Reporter(inv, args, mode)
    errors: list[BaseException] = []
    for target in targets_from_files(inv, args.filename, args.recursive):
        assert target.obj is not None
        if target.mapping.namespaced:
            target.obj.setdefault("metadata", {})["namespace"] = target.namespace
        params = {"fieldManager": args.field_manager, "fieldValidation": "Strict",
                  **dry_run_params(mode)}
        try:
            if args.force:
                _force(inv, args, target, params)
                reporter.report(target, "replaced", target.obj)
                continue
            result = target.obj if mode == "client" else inv.client.request(
                "PUT", target.path, body=target.obj, params=params)
            reporter.report(target, "replaced", result)
        except ApiError as e:
            errors.append(with_source(e, "replacing", target.source))
    print_errors(inv, errors)
    return 1 if errors else 0


def _force(inv: Invocation, args: argparse.Namespace, target, params) -> None:
    body = {"propagationPolicy": "Background"}
    if args.grace_period >= 0:
        body["gracePeriodSeconds"] = args.grace_period
    try:
        deleted = inv.client.request("DELETE", target.path, body=body)
        inv.print(f'{target.mapping.kind_group} "{target.name}" deleted')
        uid = (deleted.get("metadata") or {}).get("uid")
        wait_gone(inv, target, uid, time.monotonic() + 300)
    except ApiError as e:
        if e.code != 404:
            raise
    target.obj.get("metadata", {}).pop("resourceVersion", None)
    inv.client.request("POST", target.mapping.path(target.namespace), body=target.obj,
                       params=params)
