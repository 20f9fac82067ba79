"""Create or reconcile the default RBAC policy at api-server start (idempotent).

As upstream's `rbac/bootstrap-roles` post-start hook: a missing default is created; an existing
one annotated `rbac.authorization.kubernetes.io/autoupdate: "true"` gets back what it lost
(rules and subjects are only added, never removed); "false" means the admin owns it.
"""
from __future__ import annotations

import logging
from typing import Any

from apiserver.auth import bootstrap_policy as policy
from apiserver.auth.tokens import User
from apiserver.request_info import RequestInfo
from apiserver.rest.context import ServerContext, object_key
from apiserver.rest.params import WriteParams
from apiserver.storage import KeyNotFound
from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError

log = logging.getLogger("apiserver.rbac")
Obj = dict[str, Any]
CLUSTER_ROLES = resources.lookup(policy.RBAC, "v1", "clusterroles")
CLUSTER_ROLE_BINDINGS = resources.lookup(policy.RBAC, "v1", "clusterrolebindings")
# upstream writes its defaults as the loopback client, a member of system:masters
APISERVER_USER = User("system:apiserver", "", ("system:masters", "system:authenticated"))


def reconcile_role(existing: Obj, expected: Obj) -> Obj | None:
    """What an autoupdated default role should become, or None when nothing is missing."""
    if _opted_out(existing):
        return None
    new = {**existing, "metadata": _with_default_meta(existing["metadata"], expected)}
    if "aggregationRule" in expected:
        new["aggregationRule"] = expected["aggregationRule"]   # its rules are the controller's
    else:
        rules = list(existing.get("rules") or [])
        new["rules"] = rules + [r for r in expected["rules"] if r not in rules]
    return None if new == existing else new


def reconcile_binding(existing: Obj, expected: Obj) -> Obj | None:
    if _opted_out(existing):
        return None
    subjects = list(existing.get("subjects") or [])
    new = {**existing, "metadata": _with_default_meta(existing["metadata"], expected)}
    missing = [s for s in expected["subjects"] if s not in subjects]
    if missing:
        new["subjects"] = subjects + missing
    return None if new == existing else new


def _opted_out(obj: Obj) -> bool:
    return (obj["metadata"].get("annotations") or {}).get(policy.AUTOUPDATE) == "false"


def _with_default_meta(meta: Obj, expected: Obj) -> Obj:
    want = expected["metadata"]
    return {**meta, "labels": {**(meta.get("labels") or {}), **want["labels"]},
            "annotations": {**(meta.get("annotations") or {}), **want["annotations"]}}


async def _ensure(ctx: ServerContext, writer, info, expected: Obj, reconcile) -> None:
    name = expected["metadata"]["name"]
    params = WriteParams(field_manager="kube-apiserver", user=APISERVER_USER)
    for _ in range(3):
        try:
            existing = await ctx.store.get(object_key(info, None, name))
        except KeyNotFound:
            try:
                await writer.create_object(RequestInfo(info, None, None, None),
                                           {**expected, "metadata": dict(expected["metadata"])},
                                           params)
                log.info("created default RBAC object", extra={"kind": info.kind, "object": name})
                return
            except AlreadyExists:
                continue
        wanted = reconcile(existing, expected)
        if wanted is None:
            return
        try:
            await writer.update_object(RequestInfo(info, None, name, None), existing, wanted,
                                       params, precondition_rv=None)
            log.info("reconciled default RBAC object", extra={"kind": info.kind, "object": name})
            return
        except ApiError as e:
            log.warning("default RBAC object not reconciled",
                        extra={"kind": info.kind, "object": name, "error": e.message})


async def ensure_policy(ctx: ServerContext, writer) -> None:
    """Every default ClusterRole and ClusterRoleBinding exists and has what it should."""
    for role in policy.cluster_roles():
        await _ensure(ctx, writer, CLUSTER_ROLES, role, reconcile_role)
    for binding in policy.cluster_role_bindings():
        await _ensure(ctx, writer, CLUSTER_ROLE_BINDINGS, binding, reconcile_binding)
