"""Install the cluster's admin kubeconfig where kubectl looks for it, as kind does.

    python deploy/kubeconfig.py install ADMIN_KUBECONFIG [--kubeconfig PATH]

merges the clusters, users and contexts of ADMIN_KUBECONFIG (all named `tinykube`)
into PATH (default: the first file of $KUBECONFIG, else ~/.kube/config), replacing
entries of the same name and keeping every other one, and makes its context the
current one. The file is written atomically with mode 0600, since it holds
credentials.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Mapping

import yaml

Config = dict[str, Any]
SECTIONS = ("clusters", "users", "contexts")


def empty_config() -> Config:
    return {"apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [], "users": [], "contexts": [], "current-context": ""}


def merge(existing: Mapping[str, Any], incoming: Mapping[str, Any]) -> Config:
    """`existing` with `incoming`'s named entries replacing or joining its own.

    The current context becomes `incoming`'s; neither argument is modified.
    """
    merged = {**empty_config(), **copy.deepcopy(dict(existing))}
    for section in SECTIONS:
        new_entries = copy.deepcopy(incoming.get(section) or [])
        new_names = {entry["name"] for entry in new_entries}
        kept = [e for e in merged.get(section) or [] if e.get("name") not in new_names]
        merged[section] = kept + new_entries
    if incoming.get("current-context"):
        merged["current-context"] = incoming["current-context"]
    return merged


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where kubectl reads (and `kubectl config` writes) first: $KUBECONFIG's first file."""
    for entry in environ.get("KUBECONFIG", "").split(os.pathsep):
        if entry:
            return Path(entry).expanduser()
    return Path.home() / ".kube" / "config"


def load(path: Path) -> Config:
    """The kubeconfig at `path`; an empty one if the file is missing or empty."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return empty_config()
    data = yaml.safe_load(text)
    if data is None:
        return empty_config()
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a kubeconfig (a YAML mapping)")
    return data


def write(path: Path, config: Mapping[str, Any]) -> None:
    """Replace `path` atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            yaml.safe_dump(dict(config), out, default_flow_style=False, sort_keys=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def install(source: Path, target: Path) -> str:
    """Merge the kubeconfig `source` into `target`; returns the context now current."""
    incoming = load(source)
    if not incoming.get("current-context"):
        raise ValueError(f"{source} names no current-context")
    write(target, merge(load(target), incoming))
    return incoming["current-context"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    install_cmd = commands.add_parser("install", help="merge a kubeconfig and make it current")
    install_cmd.add_argument("source", type=Path)
    install_cmd.add_argument("--kubeconfig", type=Path, default=None,
                             help="the file to write (default: $KUBECONFIG's first, else ~/.kube/config)")
    args = parser.parse_args(argv)
    target = args.kubeconfig or default_path()
    try:
        context = install(args.source, target)
    except (OSError, ValueError, yaml.YAMLError) as err:
        print(f"kubeconfig: {err}", file=sys.stderr)
        return 1
    print(f"kubeconfig: context {context!r} written to {target} and made current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
