"""`kubectl set image TYPE/NAME CONTAINER=IMAGE ... | *=IMAGE`: a strategic merge patch of
the pod template's containers (and init containers)."""
from __future__ import annotations

import argparse
from typing import Any

from machinery.api.errors import ApiError

from kubectl.cli import Invocation, add_bool
from kubectl.client import PATCH_TYPES
from kubectl.commands.common import (add_filename_flags, add_output_flag, print_errors,
                                     resolve_targets)
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    add_bool(parser, "--all")
    parser.add_argument("-l", "--selector", default=None)
    parser.add_argument("--field-manager", default="kubectl-set")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if not args.words or args.words[0] != "image":
        raise CLIError("error: tkctl supports `set image` only")
    words = args.words[1:]
    args.resources = [w for w in words if "=" not in w]
    images = dict(w.split("=", 1) for w in words if "=" in w)
    if not images:
        raise CLIError("error: at least one image update is required")
    targets = resolve_targets(inv, args, "set image")
    mode = dry_run_mode(args)
    reporter = Reporter(inv, args, mode)
    errors: list[BaseException] = []
    for target in targets:
        try:
            live = inv.client.get(target.path)
            patch = image_patch(live, images)
            if not patch:
                continue        # every image already set: kubectl says nothing
            result = live if mode == "client" else inv.client.request(
                "PATCH", target.path, body=patch, content_type=PATCH_TYPES["strategic"],
                params={"fieldManager": args.field_manager, **dry_run_params(mode)})
            reporter.report(target, "image updated", result)
        except ApiError as e:
            errors.append(e)
    print_errors(inv, errors)
    return 1 if errors else 0


def pod_spec_path(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("kind")
    if kind == "Pod":
        return ["spec"]
    if kind == "CronJob":
        return ["spec", "jobTemplate", "spec", "template", "spec"]
    return ["spec", "template", "spec"]


def image_patch(live: dict[str, Any], images: dict[str, str]) -> dict[str, Any]:
    path = pod_spec_path(live)
    spec: Any = live
    for key in path:
        spec = (spec or {}).get(key) or {}
    patch_spec: dict[str, Any] = {}
    matched = set()
    for field in ("initContainers", "containers"):
        changes = []
        for c in spec.get(field) or []:
            image = images.get(c["name"], images.get("*"))
            if image is not None:
                matched.add(c["name"])
                if c.get("image") != image:
                    changes.append({"name": c["name"], "image": image})
        if changes:
            patch_spec[field] = changes
    for name in images:
        if name != "*" and name not in matched:
            raise CLIError(f'error: unable to find container named "{name}"')
    patch: dict[str, Any] = patch_spec
    if not patch_spec:
        return {}
    for key in reversed(path):
        patch = {key: patch}
    return patch
