"""`kubectl config view|current-context|use-context|get-contexts|get-clusters|get-users|
set-context|delete-context|rename-context`, on the kubeconfig file itself."""
from __future__ import annotations

import argparse
import copy
import os
from pathlib import Path
from typing import Any

import yaml

from kubectl.cli import Invocation, add_bool
from kubectl.errors import CLIError
from kubectl.printers.output import GenericPrinter, split_format
from kubectl.printers.tabwriter import TabWriter

SECRET_DATA = ("certificate-authority-data", "client-certificate-data", "client-key-data")
SECRET_TEXT = ("token", "password")


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    parser.add_argument("-o", "--output", default=None)
    add_bool(parser, "--minify")
    add_bool(parser, "--raw")
    add_bool(parser, "--flatten")
    add_bool(parser, "--current")
    add_bool(parser, "--no-headers")
    parser.add_argument("--namespace-flag", dest="unused", default=None, help=argparse.SUPPRESS)


def _paths(inv: Invocation) -> list[Path]:
    if inv.options.kubeconfig:
        return [Path(inv.options.kubeconfig)]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text()) or {}


def _merged(paths: list[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "preferences": {},
                           "clusters": [], "contexts": [], "users": [], "current-context": ""}
    for path in paths:
        doc = _load(path)
        out["current-context"] = out["current-context"] or doc.get("current-context", "")
        for section in ("clusters", "contexts", "users"):
            names = {e.get("name") for e in out[section]}
            out[section].extend(e for e in doc.get(section) or [] if e.get("name") not in names)
    return out


def _write_target(inv: Invocation) -> Path:
    for path in _paths(inv):
        if path.exists():
            return path
    return _paths(inv)[0]


def _save(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, default_flow_style=False, sort_keys=False))


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if not args.words:
        raise CLIError("error: a config subcommand is required (view, use-context, ...)")
    action, rest = args.words[0], args.words[1:]
    # -n is global; `set-context --namespace` reaches us as options.namespace
    handlers = {"view": _view, "current-context": _current, "use-context": _use,
                "use": _use, "get-contexts": _get_contexts, "get-clusters": _get_clusters,
                "get-users": _get_users, "set-context": _set_context,
                "delete-context": _delete_context, "rename-context": _rename_context}
    handler = handlers.get(action)
    if handler is None:
        raise CLIError(f'error: unknown command "{action}" for "kubectl config"')
    return handler(inv, args, rest)


def _entry(entries: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((e for e in entries if e.get("name") == name), None)


def _view(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    doc = _merged(_paths(inv))
    if args.minify:
        name = inv.options.context or doc["current-context"]
        ctx = _entry(doc["contexts"], name)
        if ctx is None:
            raise CLIError(f'error: cannot locate context {name}')
        inner = ctx.get("context") or {}
        doc["contexts"] = [ctx]
        doc["clusters"] = [c for c in doc["clusters"] if c.get("name") == inner.get("cluster")]
        doc["users"] = [u for u in doc["users"] if u.get("name") == inner.get("user")]
        doc["current-context"] = name
    if not args.raw:
        doc = _redact(doc)
    fmt, arg = split_format(args.output or "yaml")
    GenericPrinter(fmt, arg).print_obj(doc, inv.out)
    return 0


def _redact(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for section, inner in (("clusters", "cluster"), ("users", "user")):
        for entry in doc[section]:
            body = entry.get(inner) or {}
            for key in SECRET_DATA:
                if body.get(key):
                    body[key] = "DATA+OMITTED"
            for key in SECRET_TEXT:
                if body.get(key):
                    body[key] = "REDACTED"
    return doc


def _current(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    name = _merged(_paths(inv))["current-context"]
    if not name:
        raise CLIError("error: current-context is not set")
    inv.print(name)
    return 0


def _use(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    if len(rest) != 1:
        raise CLIError("error: Unexpected args: " + str(rest))
    name = rest[0]
    if _entry(_merged(_paths(inv))["contexts"], name) is None:
        raise CLIError(f'error: no context exists with the name: "{name}"')
    path = _write_target(inv)
    doc = _load(path)
    doc["current-context"] = name
    _save(path, doc)
    inv.print(f'Switched to context "{name}".')
    return 0


def _get_contexts(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    doc = _merged(_paths(inv))
    contexts = sorted(doc["contexts"], key=lambda c: c.get("name", ""))
    if rest:
        contexts = [c for c in contexts if c.get("name") in rest]
        missing = [n for n in rest if n not in {c.get("name") for c in contexts}]
        if missing:
            raise CLIError(f'error: context {missing[0]} not found')
    if args.output == "name":
        for c in contexts:
            inv.print(c["name"])
        return 0
    w = TabWriter(inv.out)
    if not args.no_headers:
        w.write("CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n")
    for c in contexts:
        inner = c.get("context") or {}
        mark = "*" if c.get("name") == doc["current-context"] else ""
        w.write(f"{mark}\t{c['name']}\t{inner.get('cluster', '')}\t{inner.get('user', '')}\t"
                f"{inner.get('namespace', '')}\n")
    w.flush()
    return 0


def _names(inv: Invocation, section: str) -> None:
    inv.print("NAME")
    for entry in _merged(_paths(inv))[section]:
        inv.print(entry.get("name", ""))


def _get_clusters(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    _names(inv, "clusters")
    return 0


def _get_users(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    _names(inv, "users")
    return 0


def _set_context(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    path = _write_target(inv)
    doc = _load(path)
    if args.current:
        name = _merged(_paths(inv))["current-context"]
        if not name:
            raise CLIError("error: no current context is set")
    elif len(rest) == 1:
        name = rest[0]
    else:
        raise CLIError("error: you must specify a non-empty context name or --current")
    contexts = doc.setdefault("contexts", [])
    entry = _entry(contexts, name)
    created = entry is None
    if entry is None:
        entry = {"name": name, "context": {}}
        contexts.append(entry)
    inner = entry.setdefault("context", {})
    for key, value in (("cluster", inv.options.cluster), ("user", inv.options.user),
                       ("namespace", inv.options.namespace)):
        if value is not None:
            inner[key] = value
    _save(path, doc)
    inv.print(f'Context "{name}" {"created" if created else "modified"}.')
    return 0


def _delete_context(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    if len(rest) != 1:
        raise CLIError("error: Unexpected args: " + str(rest))
    path = _write_target(inv)
    doc = _load(path)
    before = len(doc.get("contexts") or [])
    doc["contexts"] = [c for c in doc.get("contexts") or [] if c.get("name") != rest[0]]
    if len(doc["contexts"]) == before:
        raise CLIError(f"error: cannot delete context {rest[0]}, not in {path}")
    if doc.get("current-context") == rest[0]:
        inv.warn('warning: this removed your active context, use "kubectl config use-context" '
                 "to select a different one")
    _save(path, doc)
    inv.print(f"deleted context {rest[0]} from {inv.options.kubeconfig or path}")
    return 0


def _rename_context(inv: Invocation, args: argparse.Namespace, rest: list[str]) -> int:
    if len(rest) != 2:
        raise CLIError("error: Unexpected args: " + str(rest))
    old, new = rest
    path = _write_target(inv)
    doc = _load(path)
    entry = _entry(doc.get("contexts") or [], old)
    if entry is None:
        raise CLIError(f'error: cannot rename the context "{old}", it\'s not in {path}')
    if _entry(doc.get("contexts") or [], new) is not None:
        raise CLIError(f'error: cannot rename the context "{old}", the context "{new}" already '
                       f"exists in {path}")
    entry["name"] = new
    if doc.get("current-context") == old:
        doc["current-context"] = new
    _save(path, doc)
    inv.print(f'Context "{old}" renamed to "{new}".')
    return 0
