"""`kubectl version [--client] [-o json|yaml]`."""
from __future__ import annotations

import argparse
import platform

from kubectl.cli import Invocation, add_bool
from kubectl.errors import CLIError
from kubectl.printers.serialize import to_json, to_yaml

CLIENT = {"major": "1", "minor": "32", "gitVersion": "v1.32.0+tkctl", "gitCommit": "",
          "gitTreeState": "clean", "buildDate": "", "goVersion": f"python{platform.python_version()}",
          "compiler": "cpython", "platform": "linux/amd64"}


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    add_bool(parser, "--client")
    parser.add_argument("-o", "--output", default=None)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    data: dict = {"clientVersion": CLIENT}
    if not args.client:
        data["serverVersion"] = inv.client.get("/version")
    if args.output == "json":
        inv.print(to_json(data, indent=2))
    elif args.output == "yaml":
        inv.out.write(to_yaml(data))
    elif args.output:
        raise CLIError("error: --output must be 'yaml' or 'json'")
    else:
        inv.print(f"Client Version: {CLIENT['gitVersion']}")
        if "serverVersion" in data:
            inv.print(f"Server Version: {data['serverVersion'].get('gitVersion', '')}")
    return 0
