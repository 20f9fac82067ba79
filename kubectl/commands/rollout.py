"""`kubectl rollout status|history|undo|restart|pause|resume`."""
from __future__ import annotations

import argparse
import copy
import datetime
import time
from typing import Any

from machinery.api.errors import ApiError

from kubectl.builder import Target
from kubectl.cli import Invocation, add_bool, parse_duration_s
from kubectl.client import PATCH_TYPES
from kubectl.commands.common import add_filename_flags, add_output_flag, resolve_targets
from kubectl.commands.describe_pod import describe_pod_template
from kubectl.commands.rollout_status import status
from kubectl.errors import CLIError
from kubectl.printers.tabwriter import format_cells

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
SKIPPED_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration", REVISION,
                       "deployment.kubernetes.io/revision-history",
                       "deployment.kubernetes.io/desired-replicas",
                       "deployment.kubernetes.io/max-replicas",
                       "deprecated.deployment.rollback.to"}


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("words", nargs="*")
    add_filename_flags(parser)
    add_output_flag(parser)
    add_bool(parser, "-w", "--watch", default=True)
    parser.add_argument("--timeout", default="0s")
    parser.add_argument("--revision", type=int, default=0)
    parser.add_argument("--to-revision", type=int, default=0)
    parser.add_argument("-l", "--selector", default=None)
    parser.add_argument("--dry-run", default="none")


def run(inv: Invocation, args: argparse.Namespace) -> int:
    if not args.words:
        raise CLIError("error: Required resource not specified.")
    action, args.resources = args.words[0], args.words[1:]
    handler = {"status": _status, "history": _history, "undo": _undo, "restart": _restart,
               "pause": _pause, "resume": _resume}.get(action)
    if handler is None:
        raise CLIError(f'error: unknown command "{action}" for "kubectl rollout"')
    targets = resolve_targets(inv, args, f"rollout {action}")
    code = 0
    for target in targets:
        if target.name is None:
            raise CLIError("error: resource(s) were provided, but no name was specified")
        code = handler(inv, args, target) or code
    return code


def _status(inv: Invocation, args: argparse.Namespace, target: Target) -> int:
    timeout = parse_duration_s(args.timeout)
    deadline = time.monotonic() + timeout if timeout > 0 else None
    obj = inv.client.get(target.path)
    if not args.watch:
        message, _ = status(obj)
        inv.print(message)
        return 0
    params = {"fieldSelector": f"metadata.name={target.name}"}
    collection = target.mapping.path(target.namespace)
    while True:
        listing = inv.client.get(collection, params={**params, "resourceVersion": "0"})
        rv = (listing.get("metadata") or {}).get("resourceVersion")
        for item in listing.get("items") or []:
            if _report_status(inv, target, item):
                return 0
        if _watch_until_done(inv, target, collection, params, rv, deadline):
            return 0
        if deadline and time.monotonic() >= deadline:
            raise CLIError("error: timed out waiting for the condition")


def _report_status(inv: Invocation, target: Target, obj: dict[str, Any]) -> bool:
    obj = {"apiVersion": target.mapping.api_version, "kind": target.mapping.kind, **obj}
    message, done = status(obj)
    inv.print(message)
    return done


def _watch_until_done(inv: Invocation, target: Target, collection: str,
                      params: dict[str, Any], rv: str | None, deadline: float | None) -> bool:
    watch_params = {**params, "resourceVersion": rv, "allowWatchBookmarks": "true"}
    if deadline:
        remaining = max(1, int(deadline - time.monotonic()))
        watch_params["timeoutSeconds"] = remaining
    try:
        for event in inv.client.watch(collection, watch_params):
            if event["type"] in ("ADDED", "MODIFIED"):
                if _report_status(inv, target, event["object"]):
                    return True
            elif event["type"] == "DELETED":
                raise CLIError("error: object has been deleted")
            if deadline and time.monotonic() >= deadline:
                return False
    except ApiError as e:
        if e.code != 410:
            raise
    return False


# --- history and undo -------------------------------------------------------------------------

def owned_replicasets(inv: Invocation, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    uid = deployment["metadata"]["uid"]
    selector = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    params = {"labelSelector": ",".join(f"{k}={v}" for k, v in selector.items())}
    rs_path = f"/apis/apps/v1/namespaces/{deployment['metadata']['namespace']}/replicasets"
    items = inv.client.get(rs_path, params=params).get("items") or []
    return [rs for rs in items if any(ref.get("uid") == uid and ref.get("controller")
                                      for ref in (rs["metadata"].get("ownerReferences") or []))]


def _revision(obj: dict[str, Any]) -> int | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _history(inv: Invocation, args: argparse.Namespace, target: Target) -> int:
    if target.mapping.kind != "Deployment":
        raise CLIError("error: tkctl shows rollout history of deployments only")
    deployment = inv.client.get(target.path)
    by_revision = {}
    for rs in owned_replicasets(inv, deployment):
        rev = _revision(rs)
        if rev is not None:
            by_revision[rev] = rs
    inv.out.write(f"{target.mapping.kind_group}/{target.name} ")
    if args.revision:
        if args.revision not in by_revision:
            inv.print()
            raise CLIError("error: unable to find the specified revision")
        inv.print(f"with revision #{args.revision}")
        inv.print(describe_pod_template(by_revision[args.revision]["spec"]["template"]))
        return 0
    inv.print()
    if not by_revision:
        inv.print("No rollout history found.")
        return 0
    lines = ["REVISION\tCHANGE-CAUSE"]
    for rev in sorted(by_revision):
        cause = ((by_revision[rev]["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
                 or "<none>")
        lines.append(f"{rev}\t{cause}")
    inv.print(format_cells("\n".join(lines) + "\n", 0, 2))
    return 0


def _undo(inv: Invocation, args: argparse.Namespace, target: Target) -> int:
    if target.mapping.kind != "Deployment":
        raise CLIError("error: tkctl undoes rollouts of deployments only")
    deployment = inv.client.get(target.path)
    if (deployment.get("spec") or {}).get("paused"):
        raise CLIError('error: you cannot rollback a paused deployment; resume it first with '
                       "'kubectl rollout resume' and try again")
    sets = {r: rs for rs in owned_replicasets(inv, deployment)
            if (r := _revision(rs)) is not None}
    if not sets:
        raise CLIError(f'error: no rollout history found for deployment "{target.name}"')
    wanted = args.to_revision
    if wanted == 0:
        if len(sets) < 2:
            raise CLIError(f'error: no revision found for deployment "{target.name}"')
        wanted = sorted(sets)[-2]
    if wanted not in sets:
        raise CLIError(f'error: unable to find specified revision {wanted} in history')
    template = copy.deepcopy(sets[wanted]["spec"]["template"])
    (template.get("metadata") or {}).get("labels", {}).pop("pod-template-hash", None)
    if _same_template(template, deployment["spec"]["template"]):
        inv.print(f"{target.mapping.kind_group}/{target.name} skipped rollback (current "
                  f"template already matches revision {wanted})")
        return 0
    annotations = {k: v for k, v in (deployment["metadata"].get("annotations") or {}).items()
                   if k in SKIPPED_ANNOTATIONS}
    annotations.update({k: v for k, v in (sets[wanted]["metadata"].get("annotations") or {})
                        .items() if k not in SKIPPED_ANNOTATIONS})
    patch = [{"op": "replace", "path": "/spec/template", "value": template},
             {"op": "replace", "path": "/metadata/annotations", "value": annotations}]
    inv.client.request("PATCH", target.path, body=patch, content_type=PATCH_TYPES["json"])
    inv.print(f"{target.mapping.kind_group}/{target.name} rolled back")
    return 0


def _same_template(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def clean(t: dict[str, Any]) -> dict[str, Any]:
        t = copy.deepcopy(t)
        meta = t.get("metadata") or {}
        meta.pop("creationTimestamp", None)
        (meta.get("labels") or {}).pop("pod-template-hash", None)
        return t
    return clean(a) == clean(b)


# --- restart, pause, resume ------------------------------------------------------------------

def _restart(inv: Invocation, args: argparse.Namespace, target: Target) -> int:
    obj = inv.client.get(target.path)
    if (obj.get("spec") or {}).get("paused"):
        raise CLIError("error: can't restart paused deployment (run rollout resume first)")
    now = rfc3339_now()
    patch = {"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": now}}}}}
    inv.client.request("PATCH", target.path, body=patch, content_type=PATCH_TYPES["strategic"],
                       params={"fieldManager": "kubectl-rollout"})
    inv.print(f"{target.mapping.kind_group}/{target.name} restarted")
    return 0


def rfc3339_now() -> str:
    """Go's time.Now().Format(time.RFC3339): `Z` for UTC, else the offset."""
    now = datetime.datetime.now().astimezone().replace(microsecond=0)
    text = now.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _pause(inv: Invocation, args: argparse.Namespace, target: Target) -> int:
    return _set_paused(inv, target, True)


def _resume(inv: Invocation, args: argparse.Namespace, target: Target) -> int:
    return _set_paused(inv, target, False)


def _set_paused(inv: Invocation, target: Target, paused: bool) -> int:
    obj = inv.client.get(target.path)
    if target.mapping.kind != "Deployment":
        raise CLIError(f"error: {target.mapping.kind_group}/{target.name} is not supported")
    if bool((obj.get("spec") or {}).get("paused")) == paused:
        state = "already paused" if paused else "not paused"
        raise CLIError(f'error: {target.mapping.group_resource} "{target.name}" is {state}')
    patch = {"spec": {"paused": True if paused else None}}
    inv.client.request("PATCH", target.path, body=patch, content_type=PATCH_TYPES["strategic"],
                       params={"fieldManager": "kubectl-rollout"})
    inv.print(f"{target.mapping.kind_group}/{target.name} {'paused' if paused else 'resumed'}")
    return 0
