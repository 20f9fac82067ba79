"""`kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]`: the patch goes to the
server as given; `patched (no change)` when the object's resourceVersion did not move."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml
from machinery.api.errors import ApiError

from kubectl.cli import Invocation
from kubectl.client import PATCH_TYPES
from kubectl.commands.common import add_filename_flags, add_output_flag, print_errors, \
    resolve_targets
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    parser.add_argument("-p", "--patch", default=None)
    parser.add_argument("--patch-file", default=None)
    parser.add_argument("--type", default="strategic")
    parser.add_argument("--subresource", default=None)
    parser.add_argument("--field-manager", default="kubectl-patch")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if args.type not in ("strategic", "merge", "json"):
        raise CLIError(f"error: --type must be one of [json merge strategic], not "
                       f"\"{args.type}\"")
    text = Path(args.patch_file).read_text() if args.patch_file else args.patch
    if not text:
        raise CLIError("error: must specify --patch or --patch-file containing the contents of "
                       "the patch")
    body = _as_json(text)
    targets = resolve_targets(inv, args, "patch")
    mode = dry_run_mode(args)
    reporter = Reporter(inv, args, mode)
    errors: list[BaseException] = []
    for target in targets:
        if target.name is None:
            raise CLIError("error: resource(s) were provided, but no name was specified")
        path = target.mapping.path(target.namespace, target.name, args.subresource)
        try:
            before = inv.client.get(path)
            params = {"fieldManager": args.field_manager, **dry_run_params(mode)}
            after = before if mode == "client" else inv.client.request(
                "PATCH", path, body=body, params=params, content_type=PATCH_TYPES[args.type])
            same = _rv(before) == _rv(after) and mode == "none"
            reporter.report(target, "patched (no change)" if same else "patched", after)
        except ApiError as e:
            errors.append(e)
    print_errors(inv, errors)
    return 1 if errors else 0


def _rv(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("resourceVersion", "")


def _as_json(text: str) -> str:
    """kubectl accepts YAML patches and sends them as JSON; unparsable text goes as-is."""
    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    try:
        return json.dumps(yaml.safe_load(text))
    except yaml.YAMLError:
        return text
