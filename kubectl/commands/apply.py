"""`kubectl apply -f`: create what is missing, three-way patch what exists (`apply.py`), or
hand the manifest to the server with `--server-side`."""
from __future__ import annotations

import argparse
import copy
from typing import Any

from machinery.api.errors import ApiError

from kubectl.apply import LAST_APPLIED, last_applied, three_way_patch, with_last_applied
from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool
from kubectl.client import PATCH_TYPES
from kubectl.commands.common import add_filename_flags, add_output_flag, print_errors
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.builder import targets_from_files
from kubectl.errors import CLIError, with_source
from kubectl.openapi import OpenAPI

MAX_CONFLICT_RETRIES = 5


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("subcommand", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    add_bool(parser, "--server-side")
    add_bool(parser, "--force-conflicts")
    parser.add_argument("--field-manager", default=None)
    parser.add_argument("--validate", nargs="?", const="strict", default="strict")
    add_bool(parser, "--overwrite", default=True)
    add_bool(parser, "--prune")
    parser.add_argument("-l", "--selector", default=None)
    add_bool(parser, "--force")
    parser.add_argument("--grace-period", type=int, default=-1)
    add_bool(parser, "--wait")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if args.subcommand:
        raise CLIError(f"error: unknown command {args.subcommand[0]!r} for \"kubectl apply\"")
    if not args.filename:
        raise CLIError("error: must specify one of -f and -k")
    if args.prune:
        raise CLIError("error: --prune is not supported by tkctl yet")
    targets = targets_from_files(inv, args.filename, args.recursive)
    mode = dry_run_mode(args)
    reporter = Reporter(inv, args, mode)
    openapi = OpenAPI(inv.client)
    errors: list[BaseException] = []
    for target in targets:
        _fill_namespace(target)
        try:
            if args.server_side:
                _server_side(inv, args, target, mode, reporter)
            else:
                _client_side(inv, args, target, mode, reporter, openapi)
        except ApiError as e:
            errors.append(e)
    print_errors(inv, errors)
    return 1 if errors else 0


def _fill_namespace(target: Target) -> None:
    assert target.obj is not None
    if target.mapping.namespaced:
        target.obj.setdefault("metadata", {})["namespace"] = target.namespace


def _client_side(inv: Invocation, args: argparse.Namespace, target: Target, mode: str,
                 reporter: Reporter, openapi: OpenAPI) -> None:
    assert target.obj is not None
    modified = with_last_applied(target.obj)
    path = target.mapping.path(target.namespace, target.name)
    for attempt in range(MAX_CONFLICT_RETRIES):
        try:
            live = inv.client.get(path)
        except ApiError as e:
            if e.code != 404:
                raise
            _create(inv, target, modified, mode, reporter)
            return
        try:
            _patch(inv, args, target, modified, live, mode, reporter, openapi)
            return
        except ApiError as e:
            if e.code != 409 or attempt == MAX_CONFLICT_RETRIES - 1:
                raise with_source(e, "applying patch", target.source) if e.code != 409 else e


def _create(inv: Invocation, target: Target, modified: dict[str, Any], mode: str,
            reporter: Reporter) -> None:
    created = modified
    if mode != "client":
        params = {"fieldManager": "kubectl-client-side-apply", "fieldValidation": "Strict",
                  **dry_run_params(mode)}
        try:
            created = inv.client.request("POST", target.mapping.path(target.namespace),
                                         params=params, body=modified)
        except ApiError as e:
            raise with_source(e, "creating", target.source)
    reporter.report(target, "created", created)


def _patch(inv: Invocation, args: argparse.Namespace, target: Target, modified: dict[str, Any],
           live: dict[str, Any], mode: str, reporter: Reporter, openapi: OpenAPI) -> None:
    original = last_applied(live)
    if original is None:
        inv.warn(f"Warning: resource {target.mapping.group_resource}/{target.name} is missing "
                 f"the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl "
                 "apply should only be used on resources created declaratively by either "
                 "kubectl create --save-config or kubectl apply. The missing annotation will "
                 "be patched automatically.")
    m = target.mapping
    schema = openapi.patch_schema(m.group, m.version, m.kind)
    patch = three_way_patch(original, modified, live, schema)
    if not patch:
        reporter.report(target, "unchanged", live)
        return
    patched = live
    if mode != "client":
        params = {"fieldManager": "kubectl-client-side-apply", "fieldValidation": "Strict",
                  **dry_run_params(mode)}
        content_type = PATCH_TYPES["strategic" if schema is not None else "merge"]
        patched = inv.client.request("PATCH", target.mapping.path(target.namespace, target.name),
                                     params=params, body=patch, content_type=content_type)
    reporter.report(target, "configured", patched)


def _server_side(inv: Invocation, args: argparse.Namespace, target: Target, mode: str,
                 reporter: Reporter) -> None:
    assert target.obj is not None
    manager = args.field_manager or "kubectl"
    params = {"fieldManager": manager, "fieldValidation": "Strict",
              "force": "true" if args.force_conflicts else "false", **dry_run_params(mode)}
    path = target.mapping.path(target.namespace, target.name)
    try:
        result = inv.client.request("PATCH", path, params=params, body=copy.deepcopy(target.obj),
                                    content_type=PATCH_TYPES["apply"])
    except ApiError as e:
        if e.code == 409 and e.reason == "Conflict" and not args.force_conflicts:
            e.message = (f"Apply failed with conflicts: {e.message}\nPlease review the fields "
                         "above--they currently have other managers. Here\nare the ways you can "
                         "resolve this warning:\n* If you intend to manage all of these fields, "
                         "please re-run the apply\n  command with the `--force-conflicts` flag.")
        raise with_source(e, "patching", target.source) if e.code != 409 else e
    annotation = ((result.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if annotation and mode == "none":
        body = {"apiVersion": target.mapping.api_version, "kind": target.mapping.kind,
                "metadata": {"name": target.name, "annotations": {LAST_APPLIED: annotation}}}
        if target.mapping.namespaced:
            body["metadata"]["namespace"] = target.namespace
        inv.client.request("PATCH", path, params={"fieldManager": "kubectl-last-applied",
                                                  "force": "false"},
                           body=body, content_type=PATCH_TYPES["apply"])
    reporter.report(target, "serverside-applied", result)
