"""`kubectl expose TYPE NAME --port=P [--target-port] [--type] [--name]`: a Service selecting
what the object selects (a pod: its labels)."""
from __future__ import annotations

import argparse
from typing import Any

from kubectl.builder import Target
from kubectl.cli import Invocation
from kubectl.commands.common import add_filename_flags, add_output_flag, resolve_targets
from kubectl.commands.mutate import Reporter, add_dry_run, dry_run_mode, dry_run_params
from kubectl.errors import CLIError
from kubectl.generators import parse_labels


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_dry_run(parser)
    parser.add_argument("--port", default=None)
    parser.add_argument("--target-port", default=None)
    parser.add_argument("--protocol", default=None)
    parser.add_argument("--type", default=None)
    parser.add_argument("--name", default=None)
    parser.add_argument("--selector", default=None)
    parser.add_argument("-l", "--labels", default=None)
    parser.add_argument("--cluster-ip", default=None)
    parser.add_argument("--external-ip", default=None)
    parser.add_argument("--load-balancer-ip", default=None)
    parser.add_argument("--session-affinity", default=None)
    parser.add_argument("--field-manager", default="kubectl-expose")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    targets = resolve_targets(inv, args, "expose")
    mode = dry_run_mode(args)
    for target in targets:
        obj = target.obj if target.obj and args.filename else inv.client.get(target.path)
        service = build_service(target, obj, args)
        svc_target = Target(inv.discovery.for_kind("v1", "Service") or target.mapping,
                            target.namespace, service["metadata"]["name"], service)
        created = service
        if mode != "client":
            created = inv.client.request(
                "POST", svc_target.mapping.path(target.namespace), body=service,
                params={"fieldManager": args.field_manager, **dry_run_params(mode)})
        Reporter(inv, args, mode).report(svc_target, "exposed", created, typed=mode == "client")
    return 0


def _selector(kind: str, obj: dict[str, Any]) -> dict[str, str]:
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return dict((obj.get("metadata") or {}).get("labels") or {})
    if kind in ("Service", "ReplicationController"):
        return dict(spec.get("selector") or {})
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        selector = spec.get("selector") or {}
        if selector.get("matchExpressions"):
            raise CLIError("error: couldn't convert expressions - \"...\" to map-based selector "
                           "format")
        return dict(selector.get("matchLabels") or {})
    raise CLIError(f"error: cannot expose a {kind}")


def _ports(kind: str, obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec") or {}
    if kind == "Service":
        return [{"port": p["port"], "protocol": p.get("protocol", "TCP"), "name": p.get("name")}
                for p in spec.get("ports") or []]
    pod_spec = spec if kind == "Pod" else (spec.get("template") or {}).get("spec") or {}
    return [{"port": p["containerPort"], "protocol": p.get("protocol", "TCP"),
             "name": p.get("name")}
            for c in pod_spec.get("containers") or [] for p in c.get("ports") or []]


def build_service(target: Target, obj: dict[str, Any], args: argparse.Namespace
                  ) -> dict[str, Any]:
    kind = target.mapping.kind
    selector = parse_labels(args.selector) if args.selector else _selector(kind, obj)
    if args.port:
        found = [{"port": int(p), "protocol": args.protocol or "TCP", "name": None}
                 for p in str(args.port).split(",")]
    else:
        found = _ports(kind, obj)
        if not found:
            raise CLIError("error: couldn't find port via --port flag or introspection\n"
                           "See 'kubectl expose -h' for help and examples")
    ports = []
    for i, p in enumerate(found):
        entry: dict[str, Any] = {}
        if len(found) > 1:
            entry["name"] = p.get("name") or f"port-{i + 1}"
        entry["protocol"] = args.protocol or p["protocol"]
        entry["port"] = p["port"]
        target_port = args.target_port if args.target_port else p["port"]
        entry["targetPort"] = int(target_port) if str(target_port).isdigit() else target_port
        ports.append(entry)
    meta: dict[str, Any] = {"name": args.name or (obj.get("metadata") or {}).get("name")}
    if target.namespace:
        meta["namespace"] = target.namespace
    meta["creationTimestamp"] = None
    labels = parse_labels(args.labels) if args.labels else \
        (obj.get("metadata") or {}).get("labels")
    if labels:
        meta["labels"] = dict(labels)
    spec: dict[str, Any] = {"ports": ports, "selector": selector}
    if args.cluster_ip:
        spec["clusterIP"] = args.cluster_ip
    if args.type:
        spec["type"] = args.type
    if args.external_ip:
        spec["externalIPs"] = [args.external_ip]
    if args.session_affinity:
        spec["sessionAffinity"] = args.session_affinity
    return {"kind": "Service", "apiVersion": "v1", "metadata": meta, "spec": spec,
            "status": {"loadBalancer": {}}}
