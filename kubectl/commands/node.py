"""`kubectl cordon|uncordon|drain NODE`: mark a node (un)schedulable; drain also evicts its pods
(through the eviction subresource, which honours PodDisruptionBudgets) and waits until they
are gone."""
from __future__ import annotations

import argparse
import time
from typing import Any

from machinery.api.errors import ApiError

from kubectl.cli import Invocation, add_bool, parse_duration_s
from kubectl.client import PATCH_TYPES
from kubectl.commands.mutate import add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("nodes", nargs="*")
    parser.add_argument("-l", "--selector", default=None)
    add_dry_run(parser)
    add_bool(parser, "--ignore-daemonsets")
    add_bool(parser, "--delete-emptydir-data")
    add_bool(parser, "--delete-local-data", dest="delete_emptydir_data")
    add_bool(parser, "--force")
    add_bool(parser, "--disable-eviction")
    parser.add_argument("--grace-period", type=int, default=-1)
    parser.add_argument("--timeout", default="0s")
    parser.add_argument("--pod-selector", default=None)
    parser.add_argument("--skip-wait-for-delete-timeout", type=int, default=0)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    nodes = _nodes(inv, args)
    mode = dry_run_mode(args)
    code = 0
    for node in nodes:
        if inv.command == "uncordon":
            _set_unschedulable(inv, node, False, mode)
        else:
            _set_unschedulable(inv, node, True, mode)
            if inv.command == "drain":
                code = _drain(inv, args, node["metadata"]["name"], mode) or code
    return code


def _nodes(inv: Invocation, args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.selector:
        return inv.client.get("/api/v1/nodes", params={"labelSelector": args.selector}
                              ).get("items") or []
    if len(args.nodes) != 1:
        raise CLIError(f"error: USAGE: {inv.command} NODE [flags]\n"
                       f"See 'kubectl {inv.command} -h' for help and examples")
    return [inv.client.get(f"/api/v1/nodes/{args.nodes[0]}")]


def _set_unschedulable(inv: Invocation, node: dict[str, Any], value: bool, mode: str) -> None:
    name = node["metadata"]["name"]
    current = bool((node.get("spec") or {}).get("unschedulable"))
    word = "cordoned" if value else "uncordoned"
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")
    if current == value:
        inv.print(f"node/{name} already {word}{suffix}")
        return
    if mode != "client":
        inv.client.request("PATCH", f"/api/v1/nodes/{name}",
                           body={"spec": {"unschedulable": True if value else None}},
                           content_type=PATCH_TYPES["strategic"], params=dry_run_params(mode))
    inv.print(f"node/{name} {word}{suffix}")


def _classify(args: argparse.Namespace, pods: list[dict[str, Any]]
              ) -> tuple[list[dict], dict[str, list[str]], dict[str, list[str]]]:
    """(pods to evict, errors by reason, warnings by reason), as kubectl's drain filters."""
    evict, errors, warnings = [], {}, {}
    for pod in pods:
        meta = pod["metadata"]
        key = f"{meta.get('namespace')}/{meta['name']}"
        phase = (pod.get("status") or {}).get("phase")
        if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
            continue
        owner = next((r for r in meta.get("ownerReferences") or [] if r.get("controller")), None)
        finished = phase in ("Succeeded", "Failed")
        if owner and owner.get("kind") == "DaemonSet" and not finished:
            reason = "DaemonSet-managed Pods"
            (warnings if args.ignore_daemonsets else errors).setdefault(reason, []).append(key)
            continue
        if owner is None and not finished:
            reason = "Pods declare no controller"
            if not args.force:
                errors.setdefault(reason, []).append(key)
                continue
            warnings.setdefault(reason, []).append(key)
        volumes = (pod.get("spec") or {}).get("volumes") or []
        if any("emptyDir" in v for v in volumes) and not finished:
            reason = "Pods with local storage"
            if not args.delete_emptydir_data:
                errors.setdefault(reason, []).append(key)
                continue
            warnings.setdefault(reason, []).append(key)
        evict.append(pod)
    return evict, errors, warnings


_ERROR_TEXT = {
    "DaemonSet-managed Pods": "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to "
                              "ignore)",
    # (sic: kubectl v1.32 says "cannot delete" twice)
    "Pods declare no controller": "cannot delete cannot delete Pods that declare no controller "
                                  "(use --force to override)",
    "Pods with local storage": "cannot delete Pods with local storage (use "
                               "--delete-emptydir-data to override)",
}
_WARNING_TEXT = {
    "DaemonSet-managed Pods": "ignoring DaemonSet-managed Pods",
    "Pods declare no controller": "deleting Pods that declare no controller",
    "Pods with local storage": "deleting Pods with local storage",
}


def _drain(inv: Invocation, args: argparse.Namespace, node: str, mode: str) -> int:
    params = {"fieldSelector": f"spec.nodeName={node}", "labelSelector": args.pod_selector}
    pods = inv.client.get("/api/v1/pods", params=params).get("items") or []
    evict, errors, warnings = _classify(args, pods)
    if errors:
        lines = [f"{_ERROR_TEXT[r]}: {', '.join(keys)}" for r, keys in errors.items()]
        joined = lines[0] if len(lines) == 1 else f"[{', '.join(lines)}]"
        inv.warn(f'error: unable to drain node "{node}" due to error: {joined}, continuing '
                 "command...")
        inv.warn(f"There are pending nodes to be drained:\n {node}")
        for line in lines:
            inv.warn(line)
        return 1
    if warnings:
        inv.warn("Warning: " + "; ".join(f"{_WARNING_TEXT[r]}: {', '.join(keys)}"
                                         for r, keys in warnings.items()))
    use_eviction = not args.disable_eviction and _eviction_supported(inv)
    timeout = parse_duration_s(args.timeout)
    deadline = time.monotonic() + (timeout if timeout > 0 else 365 * 24 * 3600)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")
    for pod in evict:
        meta = pod["metadata"]
        if use_eviction:
            inv.print(f"evicting pod {meta['namespace']}/{meta['name']}{suffix}")
        if mode != "client":
            _remove(inv, args, pod, use_eviction, mode, deadline)
    if mode == "none":
        for pod in evict:
            if not _wait_gone(inv, pod, deadline):
                raise CLIError(f"error: unable to drain node \"{node}\" due to error: drain did "
                               f"not complete within {args.timeout}, continuing command...")
            inv.print(f"pod/{pod['metadata']['name']} {'evicted' if use_eviction else 'deleted'}")
    inv.print(f"node/{node} drained{suffix}")
    return 0


def _eviction_supported(inv: Invocation) -> bool:
    try:
        resources = inv.client.get("/api/v1").get("resources") or []
    except ApiError:
        return False
    return any(r.get("name") == "pods/eviction" for r in resources)


def _remove(inv: Invocation, args: argparse.Namespace, pod: dict[str, Any], eviction: bool,
            mode: str, deadline: float) -> None:
    meta = pod["metadata"]
    path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
    options: dict[str, Any] = {}
    if args.grace_period >= 0:
        options["gracePeriodSeconds"] = args.grace_period
    if mode == "server":
        options["dryRun"] = ["All"]
    while True:
        try:
            if eviction:
                body = {"apiVersion": "policy/v1", "kind": "Eviction",
                        "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                        "deleteOptions": options}
                inv.client.request("POST", path + "/eviction", body=body)
            else:
                inv.client.request("DELETE", path, body=options)
            return
        except ApiError as e:
            if e.code == 404:
                return
            if e.code != 429 or time.monotonic() > deadline:
                raise
            inv.warn(f'error when evicting pods/"{meta["name"]}" -n "{meta["namespace"]}" '
                     f"(will retry after 5s): {e.message}")
            time.sleep(5)


def _wait_gone(inv: Invocation, pod: dict[str, Any], deadline: float) -> bool:
    meta = pod["metadata"]
    path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
    while time.monotonic() < deadline:
        try:
            live = inv.client.get(path)
        except ApiError as e:
            if e.code == 404:
                return True
            raise
        if live["metadata"].get("uid") != meta.get("uid"):
            return True
        time.sleep(1)
    return False
