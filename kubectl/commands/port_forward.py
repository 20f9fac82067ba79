"""`kubectl port-forward TYPE/NAME [LOCAL:]REMOTE...`: listen locally, and carry each accepted
connection over its own websocket (`v4.channel.k8s.io`, `?port=N`): data on channel 0, errors
on channel 1, each channel opening with the port number as two little-endian bytes."""
from __future__ import annotations

import argparse
import socket
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed

from kubectl.cli import Invocation
from kubectl.commands.exec import resolve_pod
from kubectl.errors import CLIError
from kubectl.streams import open_stream


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    parser.add_argument("--address", action="append", default=[])
    parser.add_argument("--pod-running-timeout", default="1m0s")


def parse_ports(specs: list[str]) -> list[tuple[int, int]]:
    out = []
    for spec in specs:
        local, _, remote = spec.partition(":") if ":" in spec else (spec, "", spec)
        try:
            out.append((int(local or 0), int(remote)))
        except ValueError as e:
            raise CLIError(f"error: Error parsing local port '{local}': {e}") from e
    return out


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if len(args.words) < 2:
        raise CLIError("error: TYPE/NAME and list of ports are required for port-forward\n"
                       "See 'kubectl port-forward -h' for help and examples")
    ports = parse_ports(args.words[1:])
    pod = resolve_pod(inv, args.words[0])
    ports = _service_ports(inv, args.words[0], pod, ports)
    phase = (pod.get("status") or {}).get("phase")
    if phase != "Running":
        raise CLIError(f"error: unable to forward port because pod is not running. Current "
                       f"status={phase}")
    addresses = args.address or ["localhost"]
    listeners = []
    for local, remote in ports:
        for host in _hosts(addresses):
            listeners.append(_listen(inv, host, local, remote, pod))
    try:
        for t in listeners:
            t.join()
    except KeyboardInterrupt:
        return 0
    return 0


def _hosts(addresses: list[str]) -> list[str]:
    out = []
    for a in addresses:
        out.extend(["127.0.0.1", "::1"] if a == "localhost" else [a])
    return out


def _service_ports(inv: Invocation, word: str, pod: dict[str, Any],
                   ports: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kind = word.split("/", 1)[0] if "/" in word else ""
    if not kind or inv.discovery.resolve(kind).kind != "Service":
        return ports
    svc = inv.client.get(f"/api/v1/namespaces/{inv.namespace}/services/{word.split('/', 1)[1]}")
    out = []
    for local, remote in ports:
        target = remote
        for p in (svc.get("spec") or {}).get("ports") or []:
            if p.get("port") == remote:
                target = _container_port(pod, p.get("targetPort", remote))
        out.append((local or remote, target))
    return out


def _container_port(pod: dict[str, Any], target: Any) -> int:
    if isinstance(target, int):
        return target
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target:
                return p["containerPort"]
    raise CLIError(f"error: unable to find a container port named {target}")


def _listen(inv: Invocation, host: str, local: int, remote: int,
            pod: dict[str, Any]) -> threading.Thread:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind((host, local))
    except OSError as e:
        if family == socket.AF_INET6:
            return threading.Thread(target=lambda: None)
        raise CLIError(f"error: unable to listen on port {local}: {e}") from e
    server.listen(16)
    bound = server.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    inv.print(f"Forwarding from {shown}:{bound} -> {remote}")
    thread = threading.Thread(target=_accept_loop, args=(inv, server, bound, remote, pod),
                              daemon=True)
    thread.start()
    return thread


def _accept_loop(inv: Invocation, server: socket.socket, local: int, remote: int,
                 pod: dict[str, Any]) -> None:
    while True:
        conn, _ = server.accept()
        inv.print(f"Handling connection for {local}")
        threading.Thread(target=_forward, args=(inv, conn, remote, pod), daemon=True).start()


def _forward(inv: Invocation, conn: socket.socket, remote: int, pod: dict[str, Any]) -> None:
    meta = pod["metadata"]
    path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/portforward"
    try:
        ws = open_stream(inv.config, path, [("ports", remote), ("port", remote)],
                         "v4.channel.k8s.io")
    except Exception as e:  # noqa: BLE001 - one failed connection must not stop forwarding
        inv.warn(f"E portforward: error upgrading connection: {e}")
        conn.close()
        return
    seen = {0: False, 1: False}

    def to_pod() -> None:
        try:
            while data := conn.recv(32 * 1024):
                ws.send(b"\x00" + data)
        except (OSError, ConnectionClosed):
            pass
        finally:
            ws.close()

    threading.Thread(target=to_pod, daemon=True).start()
    try:
        for message in ws:
            if isinstance(message, str) or not message:
                continue
            channel, data = message[0], message[1:]
            if channel in seen and not seen[channel]:
                seen[channel] = True      # the port-number preamble
                continue
            if channel == 0:
                conn.sendall(data)
            elif channel == 1 and data:
                inv.warn(f"E portforward: an error occurred forwarding {remote}: "
                         f"{data.decode(errors='replace')}")
    except (ConnectionClosed, OSError):
        pass
    finally:
        conn.close()
