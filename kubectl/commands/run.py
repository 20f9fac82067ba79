"""`kubectl run NAME --image=IMAGE [-- ARGS]`: one pod (labels `run=NAME`); with `-i`/`-t` it
attaches to the pod once it runs, and `--rm` deletes it afterwards."""
from __future__ import annotations

import argparse
import time

from machinery.api.errors import ApiError

from kubectl import generators as gen
from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool
from kubectl.commands.common import add_output_flag
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    add_output_flag(parser)
    add_dry_run(parser)
    parser.add_argument("--image", default=None)
    parser.add_argument("-l", "--labels", default=None)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--port", type=int, default=-1)
    add_bool(parser, "--command")
    parser.add_argument("--restart", default="Always")
    parser.add_argument("--image-pull-policy", default=None)
    add_bool(parser, "-i", "--stdin")
    add_bool(parser, "-t", "--tty")
    add_bool(parser, "--rm")
    add_bool(parser, "--attach")
    add_bool(parser, "-q", "--quiet")
    parser.add_argument("--annotations", action="append", default=[])
    parser.add_argument("--field-manager", default="kubectl-run")
    parser.add_argument("--pod-running-timeout", default="1m0s")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if len(args.words) != 1:
        raise CLIError("error: NAME is required for run\nSee 'kubectl run -h' for help and "
                       "examples")
    if not args.image:
        raise CLIError('error: required flag(s) "image" not set')
    name = args.words[0]
    pod = gen.pod(name, args.image, gen.parse_labels(args.labels), args.env,
                  args.port if args.port >= 0 else None, args.command_args, args.command,
                  args.restart, args.image_pull_policy)
    if args.annotations:
        pod["metadata"]["annotations"] = dict(a.split("=", 1) for a in args.annotations)
    mode = dry_run_mode(args)
    if inv.explicit_namespace:
        pod = gen.set_namespace(pod, inv.namespace)
    mapping = inv.discovery.resolve("pods")
    target = Target(mapping, inv.namespace, name, pod)
    created = pod
    if mode != "client":
        created = inv.client.request("POST", mapping.path(inv.namespace), body=pod,
                                     params={"fieldManager": args.field_manager,
                                             **dry_run_params(mode)})
    if not (args.stdin or args.tty or args.attach) or mode != "none":
        Reporter(inv, args, mode).report(target, "created", created, typed=mode == "client")
        return 0
    return _attach(inv, args, target)


def _attach(inv: Invocation, args: argparse.Namespace, target: Target) -> int:
    from kubectl.commands.exec import stream_session
    deadline = time.monotonic() + 60
    while True:
        pod = inv.client.get(target.path)
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Running", "Succeeded", "Failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if not args.quiet and args.tty:
        inv.warn("If you don't see a command prompt, try pressing enter.")
    params = [("container", target.name), ("stdout", "true"),
              ("stderr", "false" if args.tty else "true")]
    if args.stdin:
        params.append(("stdin", "true"))
    if args.tty:
        params.append(("tty", "true"))
    code = stream_session(inv, target.path + "/attach", params, args.stdin, args.tty)
    if args.rm:
        try:
            inv.client.request("DELETE", target.path, body={"propagationPolicy": "Background"})
            if not args.quiet:
                inv.print(f'pod "{target.name}" deleted')
        except ApiError:
            pass
    return code
