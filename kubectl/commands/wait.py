"""`kubectl wait --for=condition=Ready|delete|jsonpath='{.a}'=value TYPE/NAME... [--timeout]`.

Each object is re-read until the condition holds (`<kind>/<name> condition met`) or the timeout
passes (`error: timed out waiting for the condition on <resource>/<name>`)."""
from __future__ import annotations

import argparse
import time
from typing import Any, Callable

from machinery.api.errors import ApiError

from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool, parse_duration_s
from kubectl.commands.common import add_filename_flags, list_all, print_errors, resolve_targets
from kubectl.errors import CLIError
from kubectl.printers.jsonpath import JSONPath, format_value

POLL_S = 0.5


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_filename_flags(parser)
    parser.add_argument("--for", dest="for_", default=None)
    parser.add_argument("--timeout", default="30s")
    parser.add_argument("-l", "--selector", default=None)
    parser.add_argument("--field-selector", default=None)
    add_bool(parser, "--all")
    add_bool(parser, "-A", "--all-namespaces")
    parser.add_argument("-o", "--output", default=None)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if not args.for_:
        raise CLIError("error: --for must be set (condition=..., delete, jsonpath=..., create)")
    check, deleting = condition(args.for_)
    timeout = parse_duration_s(args.timeout)
    deadline = time.monotonic() + (timeout if timeout >= 0 else 7 * 24 * 3600)
    targets = _expand(inv, args, resolve_targets(inv, args, "wait"), deleting)
    if not targets:
        raise CLIError("error: no matching resources found")
    errors: list[BaseException] = []
    for target in targets:
        try:
            result = _wait_one(inv, target, check, deleting, deadline)
            if result == "met":
                inv.print(f"{target.mapping.kind_group}/{target.name} condition met")
            elif result != "absent":
                errors.append(CLIError(f"error: timed out waiting for the condition on "
                                       f"{target.mapping.resource}/{target.name}"))
        except ApiError as e:
            errors.append(e)
    print_errors(inv, errors)
    return 1 if errors else 0


def _expand(inv: Invocation, args: argparse.Namespace, targets: list[Target],
            deleting: bool) -> list[Target]:
    out = []
    for target in targets:
        if target.name is not None:
            out.append(target)
            continue
        listing = list_all(inv, target.path, {"labelSelector": args.selector,
                                              "fieldSelector": args.field_selector})
        out.extend(Target(target.mapping, (i.get("metadata") or {}).get("namespace"),
                          (i.get("metadata") or {}).get("name"))
                   for i in listing.get("items") or [])
    return out


def condition(spec: str) -> tuple[Callable[[dict[str, Any]], bool], bool]:
    """(predicate on the live object, whether we wait for deletion)."""
    if spec == "delete":
        return (lambda obj: False), True
    if spec == "create":
        return (lambda obj: True), False
    if spec.startswith("condition="):
        name, _, value = spec[len("condition="):].partition("=")
        value = value or "True"
        return (lambda obj: any(
            c.get("type", "").lower() == name.lower() and
            str(c.get("status", "")).lower() == value.lower()
            for c in ((obj.get("status") or {}).get("conditions") or []))), False
    if spec.startswith("jsonpath="):
        expr = spec[len("jsonpath="):]
        path, sep, value = _split_jsonpath(expr)
        jp = JSONPath(path if path.startswith("{") else "{" + path + "}")

        def matches(obj: dict[str, Any]) -> bool:
            found = [v for g in jp.find(obj) for v in g]
            if not sep:
                return bool(found)
            return len(found) == 1 and format_value(found[0]) == value
        return matches, False
    raise CLIError(f"error: unrecognized condition: \"{spec}\"")


def _split_jsonpath(expr: str) -> tuple[str, str, str]:
    if expr.startswith("{"):
        end = expr.find("}")
        path, rest = expr[:end + 1], expr[end + 1:]
        if rest.startswith("="):
            return path, "=", rest[1:]
        return path, "", ""
    path, sep, value = expr.partition("=")
    return path, sep, value


def _wait_one(inv: Invocation, target: Target, check: Callable[[dict[str, Any]], bool],
              deleting: bool, deadline: float) -> str:
    """"met", "absent" (waiting for a deletion of something never there) or "" (timeout)."""
    first = True
    while True:
        try:
            obj = inv.client.get(target.path)
        except ApiError as e:
            if e.code == 404 and deleting:
                return "absent" if first else "met"
            if e.code != 404:
                raise
            obj = None
            if time.monotonic() >= deadline:
                raise
        first = False
        if obj is not None and not deleting and check(obj):
            return "met"
        if time.monotonic() >= deadline:
            return ""
        time.sleep(POLL_S)
