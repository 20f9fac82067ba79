"""`kubectl exec POD [-c C] [-i] [-t] -- COMMAND...` (and the attach used by `run -it`).

stdin is copied in a thread (channel 0, then `[255, 0]` at EOF); with a terminal, stdin goes raw
and the window size is sent on channel 4 at start and on every SIGWINCH. The exit status comes
on channel 3: a non-zero exit prints `command terminated with exit code N` and exits N.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
from typing import Any, Iterator

from websockets.exceptions import ConnectionClosed

from kubectl.cli import Invocation, add_bool
from kubectl.errors import CLIError
from kubectl.streams import CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, exit_code_of, \
    open_stream

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("target", nargs="*")
    parser.add_argument("-c", "--container", default=None)
    add_bool(parser, "-i", "--stdin")
    add_bool(parser, "-t", "--tty")
    add_bool(parser, "-q", "--quiet")
    parser.add_argument("--pod-running-timeout", default="1m0s")
    parser.add_argument("-f", "--filename", default=None)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    words = list(args.target)
    command = args.command_args or []
    if not words:
        raise CLIError("error: pod, type/name or --filename must be specified")
    if not command and len(words) > 1:
        command = words[1:]
    if not command:
        raise CLIError("error: you must specify at least one command for the container")
    pod = resolve_pod(inv, words[0])
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise CLIError(f"error: cannot exec into a container in a completed pod; current phase "
                       f"is {phase}")
    container = choose_container(inv, pod, args.container, args.quiet)
    params = [("command", c) for c in command] + [("container", container)]
    if args.stdin:
        params.append(("stdin", "true"))
    params += [("stdout", "true"), ("stderr", "false" if args.tty else "true")]
    if args.tty:
        params.append(("tty", "true"))
    if args.tty and not args.stdin:
        inv.warn("Unable to use a TTY - input is not a terminal or the right kind of file") \
            if not sys.stdin.isatty() else None
    path = f"/api/v1/namespaces/{pod['metadata']['namespace']}/pods/" \
           f"{pod['metadata']['name']}/exec"
    code = stream_session(inv, path, params, args.stdin, args.tty)
    if code:
        inv.warn(f"command terminated with exit code {code}")
    return code


def resolve_pod(inv: Invocation, word: str) -> dict[str, Any]:
    """A pod name, `pod/x`, or a controller (`deploy/web`) whose first pod is used."""
    from kubectl.commands.logs import pods_for
    if "/" not in word:
        return inv.client.get(f"/api/v1/namespaces/{inv.namespace}/pods/{word}")
    kind, name = word.split("/", 1)
    mapping = inv.discovery.resolve(kind)
    if mapping.kind == "Pod":
        return inv.client.get(mapping.path(inv.namespace, name))
    pods = pods_for(inv, mapping, name)
    if not pods:
        raise CLIError(f"error: no pods found for {mapping.kind_group}/{name}")
    return pods[0]


def choose_container(inv: Invocation, pod: dict[str, Any], wanted: str | None,
                     quiet: bool = False) -> str:
    containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
    if wanted:
        return wanted
    annotated = ((pod.get("metadata") or {}).get("annotations") or {}).get(
        DEFAULT_CONTAINER_ANNOTATION)
    if annotated and annotated in containers:
        return annotated
    if len(containers) > 1 and not quiet:
        inv.warn(f'Defaulted container "{containers[0]}" out of: {", ".join(containers)}')
    return containers[0] if containers else ""


def stream_session(inv: Invocation, path: str, params: list[tuple[str, Any]], stdin: bool,
                   tty: bool) -> int:
    ws = open_stream(inv.config, path, params, "v5.channel.k8s.io")
    with ws, _raw_terminal(tty and stdin and sys.stdin.isatty()):
        if tty:
            _send_size(ws)
            _watch_resizes(ws)
        if stdin:
            threading.Thread(target=_pump_stdin, args=(ws,), daemon=True).start()
        return _receive(ws, tty)


def _receive(ws: Any, tty: bool) -> int:
    out, err = sys.stdout.buffer, sys.stderr.buffer
    code = 0
    try:
        for message in ws:
            if isinstance(message, str) or not message:
                continue
            channel, data = message[0], message[1:]
            if channel == STDOUT:
                out.write(data)
                out.flush()
            elif channel == STDERR:
                err.write(data)
                err.flush()
            elif channel == ERROR and data:
                status = json.loads(data)
                code = exit_code_of(status)
                if code and status.get("reason") != "NonZeroExitCode":
                    raise CLIError(f"error: {status.get('message', 'exec failed')}")
    except ConnectionClosed:
        pass
    return code


def _pump_stdin(ws: Any) -> None:
    fd = sys.stdin.fileno()
    try:
        while True:
            data = os.read(fd, 32 * 1024)
            if not data:
                break
            ws.send(bytes([STDIN]) + data)
        ws.send(bytes([CLOSE, STDIN]))
    except (ConnectionClosed, OSError):
        pass


def _send_size(ws: Any) -> None:
    size = shutil.get_terminal_size((80, 24))
    with contextlib.suppress(ConnectionClosed):
        ws.send(bytes([RESIZE]) + json.dumps({"Width": size.columns,
                                              "Height": size.lines}).encode())


def _watch_resizes(ws: Any) -> None:
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGWINCH"):
        signal.signal(signal.SIGWINCH, lambda *_: _send_size(ws))


@contextlib.contextmanager
def _raw_terminal(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    import termios
    import tty as tty_mod
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty_mod.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
