"""`kubectl describe`: a person-oriented page per object, with its events (upstream describers
for pods, deployments, replica sets, services, nodes, namespaces, config maps and secrets; a
generic field dump for everything else)."""
from __future__ import annotations

import argparse
from typing import Any, Callable

from machinery.api.errors import ApiError

from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool
from kubectl.commands.common import (add_filename_flags, add_selector_flags, list_all,
                                     print_errors, resolve_targets)
from kubectl.commands.describe_format import (PrefixWriter, annotations_multiline,
                                              describe_events, fetch_events, labels_multiline,
                                              rfc1123z)
from kubectl.commands.describe_misc import (describe_configmap, describe_namespace,
                                            describe_secret, describe_service,
                                            describe_service_account)
from kubectl.commands.describe_node import describe_node
from kubectl.commands.describe_pod import controlled_by, describe_pod, describe_pod_template
from kubectl.commands.describe_workloads import describe_deployment, describe_replicaset
from kubectl.errors import CLIError


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("resources", nargs="*")
    add_filename_flags(parser)
    add_selector_flags(parser)
    add_bool(parser, "--show-events", default=True)
    parser.add_argument("--chunk-size", type=int, default=500)


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if not args.resources and not args.filename:
        raise CLIError("You must specify the type of resource to describe. Use \"kubectl "
                       "api-resources\" for a complete list of supported resources.\n\n"
                       "error: Required resource not specified.\nSee 'kubectl describe -h' for "
                       "help and examples")
    targets = resolve_targets(inv, args, "describe")
    objects, errors = _fetch(inv, args, targets)
    first = True
    for target, obj, by_prefix in objects:
        text = describe(inv, target, obj, args.show_events)
        if by_prefix:       # kubectl's DescribeMatchingResources: each page then a newline
            inv.out.write(text + "\n")
            continue
        if not first:
            inv.out.write("\n\n")
        first = False
        inv.out.write(text)
    inv.out.flush()
    if not objects and not errors:
        inv.warn(f"No resources found in {inv.namespace} namespace."
                 if not args.all_namespaces else "No resources found")
    print_errors(inv, errors)
    return 1 if errors else 0


def _fetch(inv: Invocation, args: argparse.Namespace, targets: list[Target]
           ) -> tuple[list[tuple[Target, dict[str, Any], bool]], list[BaseException]]:
    objects, errors = [], []
    for target in targets:
        try:
            if target.name is not None:
                objects.append((target, inv.client.get(target.path), False))
                continue
            listing = list_all(inv, target.path, {"labelSelector": args.selector,
                                                  "fieldSelector": args.field_selector,
                                                  "limit": args.chunk_size or None})
            objects.extend((target, item, False) for item in listing.get("items") or [])
        except ApiError as e:
            if target.name is not None and e.code == 404 and not args.filename:
                # kubectl then tries a prefix match of the name
                matched = _by_prefix(inv, target)
                if matched:
                    objects.extend(matched)
                    continue
            errors.append(e)
    return objects, errors


def _by_prefix(inv: Invocation, target: Target) -> list[tuple[Target, dict[str, Any], bool]]:
    try:
        listing = inv.client.get(target.mapping.path(target.namespace))
    except ApiError:
        return []
    return [(target, item, True) for item in listing.get("items") or []
            if (item.get("metadata") or {}).get("name", "").startswith(target.name or "")]


def describe(inv: Invocation, target: Target, obj: dict[str, Any], show_events: bool) -> str:
    obj = {"apiVersion": target.mapping.api_version, "kind": target.mapping.kind, **obj}
    events = fetch_events(inv, obj) if show_events else None
    describer = DESCRIBERS.get((target.mapping.group, target.mapping.kind))
    if describer is None:
        return describe_generic(obj, events)
    return describer(inv, obj, events)


def describe_generic(obj: dict[str, Any], events: list | None) -> str:
    """kubectl's generic describer: metadata, then every other field as `Title Case:`."""
    w = PrefixWriter()
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    if meta.get("namespace"):
        w.write(0, f"Namespace:\t{meta['namespace']}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    skip_meta = {"name", "namespace", "labels", "annotations", "managedFields"}
    rest = {k: v for k, v in obj.items()}
    rest["metadata"] = {k: v for k, v in meta.items() if k not in skip_meta}
    _dump(w, rest, 0)
    describe_events(w, events)
    return w.render()


def _title(key: str) -> str:
    out = ""
    for i, ch in enumerate(key):
        if ch.isupper() and i and not key[i - 1].isupper():
            out += " "
        out += ch
    return out[:1].upper() + out[1:]


def _dump(w: PrefixWriter, value: dict[str, Any], level: int) -> None:
    for key in sorted(value):
        v = value[key]
        if isinstance(v, dict):
            if v:
                w.write(level, f"{_title(key)}:\n")
                _dump(w, v, level + 1)
        elif isinstance(v, list):
            if not v:
                continue
            w.write(level, f"{_title(key)}:\n")
            for item in v:
                if isinstance(item, dict):
                    _dump(w, item, level + 1)
                else:
                    w.write(level + 1, f"{item}\n")
        else:
            w.write(level, f"{_title(key)}:\t{v}\n")


DESCRIBERS: dict[tuple[str, str], Callable[[Invocation, dict, list | None], str]] = {
    ("", "Pod"): lambda inv, obj, ev: describe_pod(obj, ev),
    ("apps", "Deployment"): describe_deployment,
    ("apps", "ReplicaSet"): describe_replicaset,
    ("", "Service"): describe_service,
    ("", "Namespace"): describe_namespace,
    ("", "Node"): describe_node,
    ("", "ConfigMap"): describe_configmap,
    ("", "Secret"): describe_secret,
    ("", "ServiceAccount"): describe_service_account,
}

__all__ = ["describe", "describe_pod_template", "controlled_by", "rfc1123z"]
