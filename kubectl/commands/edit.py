"""`kubectl edit TYPE NAME`: the object in $KUBE_EDITOR / $EDITOR, then a strategic merge patch
of what changed (a JSON merge patch for kinds the server has no schema for)."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import tempfile

import yaml
from machinery.api.errors import ApiError

from kubectl.apply import DiffOptions, diff_maps
from kubectl.cli import Invocation
from kubectl.client import PATCH_TYPES
from kubectl.commands.common import add_filename_flags, add_output_flag, resolve_targets
from kubectl.commands.mutate import Reporter
from kubectl.errors import CLIError
from kubectl.openapi import OpenAPI
from kubectl.printers.output import strip_managed_fields
from kubectl.printers.serialize import to_json, to_yaml

HEADER = ("# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
          "# and an empty file will abort the edit. If an error occurs while saving this file "
          "will be\n# reopened with the relevant failures.\n#\n")


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    parser.add_argument("--field-manager", default="kubectl-edit")
    parser.add_argument("--subresource", default=None)


def _editor() -> list[str]:
    for var in ("KUBE_EDITOR", "EDITOR"):
        if os.environ.get(var):
            return shlex.split(os.environ[var])
    return ["vi"]


def run(inv: Invocation, args: argparse.Namespace) -> int:
    targets = resolve_targets(inv, args, "edit")
    openapi = OpenAPI(inv.client)
    for target in targets:
        if target.name is None:
            raise CLIError("error: edit needs a name: TYPE NAME or TYPE/NAME")
        path = target.mapping.path(target.namespace, target.name, args.subresource)
        original = strip_managed_fields(inv.client.get(path))
        as_json = args.output == "json"
        text = HEADER + (to_json(original) + "\n" if as_json else to_yaml(original))
        edited = _run_editor(text, ".json" if as_json else ".yaml")
        body = "\n".join(line for line in edited.splitlines() if not line.lstrip().startswith("#"))
        if not body.strip():
            inv.warn("Edit cancelled, saved file was empty.")
            continue
        new = yaml.safe_load(body)
        if new == original:
            inv.warn("Edit cancelled, no changes made.")
            continue
        m = target.mapping
        schema = openapi.patch_schema(m.group, m.version, m.kind)
        patch = diff_maps(original, new, schema, DiffOptions())
        if not patch:
            inv.warn("Edit cancelled, no changes made.")
            continue
        try:
            result = inv.client.request(
                "PATCH", path, body=json.dumps(patch),
                content_type=PATCH_TYPES["strategic" if schema is not None else "merge"],
                params={"fieldManager": args.field_manager, "fieldValidation": "Strict"})
        except ApiError as e:
            raise CLIError(f"error: {target.mapping.group_resource} \"{target.name}\" could not "
                           f"be patched: {e.message}") from e
        Reporter(inv, argparse.Namespace(output=None)).report(target, "edited", result)
    return 0


def _run_editor(text: str, suffix: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=suffix, prefix="tkctl-edit-",
                                     delete=False) as f:
        f.write(text)
        name = f.name
    try:
        result = subprocess.run([*_editor(), name])
        if result.returncode != 0:
            raise CLIError(f"error: there was a problem with the editor {_editor()[0]!r}")
        with open(name) as f:
            return f.read()
    finally:
        os.unlink(name)
