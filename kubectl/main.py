"""The `tkctl` entry point: kubectl's syntax, one module per command group.

Parsing is two-phase, because kubectl lets global flags and a command's own flags appear anywhere
(`tkctl -n x get pods -o wide`, `tkctl get pods -n x`): first find the command word, then parse
everything with that command's parser (its flags plus the global ones), interleaved with the
positionals. Words after `--` (exec, run) are passed through untouched.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from kubectl.cli import Invocation, add_global_flags
from kubectl.errors import render

# command word -> module under kubectl.commands; each module has configure(parser, name) and
# run(invocation, args) -> exit code
COMMANDS: dict[str, str] = {
    "get": "get", "describe": "describe", "create": "create", "apply": "apply",
    "delete": "delete", "edit": "edit", "patch": "patch", "replace": "replace",
    "label": "label", "annotate": "label", "scale": "scale", "set": "set_image",
    "rollout": "rollout", "expose": "expose", "run": "run", "logs": "logs", "exec": "exec",
    "port-forward": "port_forward", "cordon": "node", "uncordon": "node", "drain": "node",
    "explain": "explain", "api-resources": "api_resources", "api-versions": "api_resources",
    "version": "version", "config": "config", "wait": "wait", "top": "top",
}
# global flags that take a value, so the command word is not mistaken for one
_GLOBAL_VALUE_FLAGS = {"--kubeconfig", "--context", "--cluster", "--user", "-n", "--namespace",
                       "--cache-dir", "--request-timeout", "-v", "--v", "-s", "--server",
                       "--token"}


def _normalise(argv: Sequence[str]) -> tuple[list[str], list[str] | None]:
    """Split off `-- words`, and turn `-o=yaml` into `-o yaml` (pflag accepts both)."""
    argv = list(argv)
    rest = None
    if "--" in argv:
        i = argv.index("--")
        argv, rest = argv[:i], argv[i + 1:]
    out: list[str] = []
    for arg in argv:
        if len(arg) > 2 and arg[0] == "-" and arg[1] != "-" and arg[2] == "=":
            out.extend([arg[:2], arg[3:]])
        else:
            out.append(arg)
    return out, rest


def _command_index(argv: list[str]) -> int | None:
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            skip = arg in _GLOBAL_VALUE_FLAGS
            continue
        return i
    return None


def build_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    module = importlib.import_module(f"kubectl.commands.{COMMANDS[name]}")
    parser = argparse.ArgumentParser(prog=f"tkctl {name}", add_help=True)
    add_global_flags(parser)
    module.configure(parser, name)
    return parser, module


def main(argv: Sequence[str] | None = None) -> int:
    argv, rest = _normalise(sys.argv[1:] if argv is None else argv)
    index = _command_index(argv)
    if index is None:
        stream = sys.stdout if not argv or argv[0] in ("-h", "--help") else sys.stderr
        stream.write("tkctl controls a Kubernetes cluster (kubectl-compatible).\n\n"
                     f"Commands: {', '.join(sorted(COMMANDS))}\n")
        return 0 if not argv or argv[0] in ("-h", "--help") else 1
    word = argv.pop(index)
    if word not in COMMANDS:
        sys.stderr.write(f'error: unknown command "{word}" for "kubectl"\n')
        return 1
    parser, module = build_parser(word)
    args = parser.parse_intermixed_args(argv)
    args.command_args = rest
    invocation = Invocation(args, word)
    try:
        code = module.run(invocation, args)
    except KeyboardInterrupt:
        code = 130
    except Exception as e:  # noqa: BLE001 - every failure becomes kubectl's error line
        text, code = render(e)
        sys.stdout.write(getattr(e, "prefix_output", ""))
        sys.stdout.flush()
        sys.stderr.write(text.rstrip("\n") + "\n")
    finally:
        invocation.close()
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
