"""`kubectl logs POD|TYPE/NAME [-c C] [-f] [--tail N] [--previous] [--all-containers]`.

For a controller (`deployment/web`) kubectl picks one of its pods, saying
`Found N pods, using pod/<name>` when there is a choice.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from kubectl.cli import Invocation, add_bool, parse_duration_s
from kubectl.commands.describe_workloads import format_selector
from kubectl.errors import CLIError
from kubectl.resources import Mapping


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("target", nargs="*")
    parser.add_argument("-c", "--container", default=None)
    add_bool(parser, "-f", "--follow")
    add_bool(parser, "-p", "--previous")
    add_bool(parser, "--timestamps")
    add_bool(parser, "--all-containers")
    add_bool(parser, "--prefix")
    parser.add_argument("--tail", type=int, default=-1)
    parser.add_argument("--since", default=None)
    parser.add_argument("--since-time", default=None)
    parser.add_argument("--limit-bytes", type=int, default=0)
    parser.add_argument("-l", "--selector", default=None)
    parser.add_argument("--pod-running-timeout", default="20s")
    add_bool(parser, "--ignore-errors")


def pods_for(inv: Invocation, mapping: Mapping, name: str) -> list[dict[str, Any]]:
    """The pods a controller or service selects, sorted as kubectl prefers (newest active)."""
    obj = inv.client.get(mapping.path(inv.namespace, name))
    spec = obj.get("spec") or {}
    if mapping.kind == "Service":
        selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
    elif mapping.kind in ("ReplicationController",):
        selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
    else:
        selector = format_selector(spec.get("selector"))
    if mapping.kind == "CronJob" or not selector or selector == "<none>":
        raise CLIError(f"error: cannot select pods of {mapping.kind_group}/{name}")
    pods = inv.client.get(f"/api/v1/namespaces/{inv.namespace}/pods",
                          params={"labelSelector": selector}).get("items") or []
    return sorted(pods, key=_activeness)


def _activeness(pod: dict[str, Any]) -> tuple:
    """kubectl's podutils.ByLogging: assigned, Running, ready, ready for longest, most
    restarts, oldest first."""
    st = pod.get("status") or {}
    phase_rank = {"Running": 0, "Unknown": 1, "Pending": 2}.get(st.get("phase", ""), 3)
    ready = next((c for c in st.get("conditions") or []
                  if c.get("type") == "Ready" and c.get("status") == "True"), None)
    ready_since = (ready or {}).get("lastTransitionTime") or "~"
    restarts = sum(c.get("restartCount", 0) for c in st.get("containerStatuses") or [])
    created = pod["metadata"].get("creationTimestamp") or "~"
    return (not bool((pod.get("spec") or {}).get("nodeName")), phase_rank, ready is None,
            ready_since, -restarts, created)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    words = list(args.target)
    if not words and not args.selector:
        raise CLIError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                       "POD or TYPE/NAME is a required argument for the logs command\n"
                       "See 'kubectl logs -h' for help and examples")
    if args.selector:
        pods = inv.client.get(f"/api/v1/namespaces/{inv.namespace}/pods",
                              params={"labelSelector": args.selector}).get("items") or []
        if not pods:
            inv.warn(f"No resources found in {inv.namespace} namespace.")
            return 0
        for pod in pods:
            _print_pod(inv, args, pod, prefix_always=True)
        return 0
    if len(words) > 1 and not args.container:
        args.container = words[1]
    pod = _resolve(inv, words[0])
    _print_pod(inv, args, pod, prefix_always=False)
    return 0


def _resolve(inv: Invocation, word: str) -> dict[str, Any]:
    if "/" not in word:
        return inv.client.get(f"/api/v1/namespaces/{inv.namespace}/pods/{word}")
    kind, name = word.split("/", 1)
    mapping = inv.discovery.resolve(kind)
    if mapping.kind == "Pod":
        return inv.client.get(mapping.path(inv.namespace, name))
    pods = pods_for(inv, mapping, name)
    if not pods:
        raise CLIError("error: timed out waiting for the condition")
    if len(pods) > 1:
        inv.warn(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}")
    return pods[0]


def _print_pod(inv: Invocation, args: argparse.Namespace, pod: dict[str, Any],
               prefix_always: bool) -> None:
    from kubectl.commands.exec import choose_container
    spec = pod.get("spec") or {}
    if args.all_containers:
        names = [c["name"] for c in (spec.get("initContainers") or []) +
                 (spec.get("containers") or [])]
    else:
        names = [choose_container(inv, pod, args.container)]
    for name in names:
        prefix = f"[pod/{pod['metadata']['name']}/{name}] " if args.prefix else ""
        _stream(inv, args, pod, name, prefix)


def _stream(inv: Invocation, args: argparse.Namespace, pod: dict[str, Any], container: str,
            prefix: str) -> None:
    params: dict[str, Any] = {"container": container}
    if args.follow:
        params["follow"] = "true"
    if args.previous:
        params["previous"] = "true"
    if args.timestamps:
        params["timestamps"] = "true"
    if args.tail >= 0:
        params["tailLines"] = args.tail
    if args.since:
        params["sinceSeconds"] = int(parse_duration_s(args.since))
    if args.since_time:
        params["sinceTime"] = args.since_time
    if args.limit_bytes:
        params["limitBytes"] = args.limit_bytes
    path = f"/api/v1/namespaces/{pod['metadata']['namespace']}/pods/{pod['metadata']['name']}/log"
    out = sys.stdout.buffer
    pending = b""
    for chunk in inv.client.stream_bytes(path, params):
        if not prefix:
            out.write(chunk)
            out.flush()
            continue
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            out.write(prefix.encode() + line + b"\n")
        out.flush()
    if pending:
        out.write(prefix.encode() + pending)
        out.flush()
