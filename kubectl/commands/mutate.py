"""Helpers for commands that write objects: dry-run flags, the success line, -o output."""
from __future__ import annotations

import argparse
from typing import Any

from kubectl.builder import Target
from kubectl.cli import Invocation
from kubectl.errors import CLIError
from kubectl.printers.output import GenericPrinter, split_format


def add_dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", nargs="?", const="unchanged", default="none")


def dry_run_mode(args: argparse.Namespace) -> str:
    """"none", "client" or "server" (kubectl's --dry-run; bare --dry-run means client)."""
    value = getattr(args, "dry_run", "none") or "none"
    if value in ("unchanged", "true"):
        return "client"
    if value == "false":
        return "none"
    if value not in ("none", "client", "server"):
        raise CLIError(f'error: Invalid dry-run value ({value}). Must be "none", "server", or '
                       '"client".')
    return value


def dry_run_params(mode: str) -> dict[str, Any]:
    return {"dryRun": "All"} if mode == "server" else {}


def suffix(mode: str) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")


class Reporter:
    """Prints `kind.group/name verb`, or the object when -o is given."""

    def __init__(self, inv: Invocation, args: argparse.Namespace, mode: str = "none"):
        self.inv = inv
        self.mode = mode
        fmt, arg = split_format(getattr(args, "output", None))
        self.fmt = fmt
        self.printer = GenericPrinter(fmt, arg) if fmt and fmt != "wide" else None

    def report(self, target: Target, verb: str, obj: dict[str, Any] | None = None,
               name: str | None = None, typed: bool = False) -> None:
        name = name or target.name or ((obj or {}).get("metadata") or {}).get("name", "")
        if self.printer is not None and self.fmt != "name" and obj is not None:
            if not obj.get("kind"):
                obj = {"apiVersion": target.mapping.api_version, "kind": target.mapping.kind,
                       **obj}
            self.printer.print_obj(obj, self.inv.out, typed)
        elif self.fmt == "name":
            self.inv.print(f"{target.mapping.kind_group}/{name}")
        else:
            self.inv.print(f"{target.mapping.kind_group}/{name} {verb}{suffix(self.mode)}")
