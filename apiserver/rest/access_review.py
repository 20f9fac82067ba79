"""authorization.k8s.io/v1 reviews: asked with a create, answered at once, never stored.

SubjectAccessReview (any user, cluster-wide), LocalSubjectAccessReview (any user, in the URL's
namespace), SelfSubjectAccessReview (the caller; what `kubectl auth can-i` sends) and
SelfSubjectRulesReview (the caller's rules in a namespace; `kubectl auth can-i --list`).
"""
from __future__ import annotations

from typing import Any

from apiserver.rest.context import meta_of
from apiserver.auth.authorizer import Attributes, Authorizer
from apiserver.auth.modes import PRIVILEGED_GROUP, UnionAuthorizer
from apiserver.auth.rbac import RBACAuthorizer
from apiserver.auth.tokens import User
from apiserver.request_info import RequestInfo
from machinery.api.errors import BadRequest, Invalid, cause

Obj = dict[str, Any]
GROUP = "authorization.k8s.io"


def _attributes(user: User, spec: Obj, kind: str) -> Attributes:
    res, non = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if (res is None) == (non is None):
        raise Invalid.fields(kind, "", [cause(
            "spec.resourceAttributes", "Invalid value: \"null\": exactly one of "
            "nonResourceAttributes or resourceAttributes must be specified", "FieldValueInvalid")],
            GROUP)
    if res is not None:
        if not isinstance(res, dict):
            raise BadRequest("spec.resourceAttributes must be an object")
        return Attributes(user, res.get("verb") or "", res.get("group") or "",
                          res.get("resource") or "", res.get("subresource") or "",
                          res.get("namespace") or "", res.get("name") or "")
    if not isinstance(non, dict):
        raise BadRequest("spec.nonResourceAttributes must be an object")
    return Attributes(user, non.get("verb") or "", path=non.get("path") or "")


def _subject(spec: Obj, kind: str) -> User:
    user, groups = spec.get("user") or "", spec.get("groups") or []
    if not user and not groups:
        raise Invalid.fields(kind, "", [cause(
            "spec.user", 'Invalid value: "": at least one of user or group must be specified',
            "FieldValueInvalid")], GROUP)
    return User(str(user), str(spec.get("uid") or ""), tuple(str(g) for g in groups))


def _rbac(authorizer: Authorizer) -> RBACAuthorizer | None:
    members = authorizer.members if isinstance(authorizer, UnionAuthorizer) else [authorizer]
    return next((m for m in members if isinstance(m, RBACAuthorizer)), None)


async def _review(authorizer: Authorizer, attrs: Attributes) -> Obj:
    decision = await authorizer.authorize(attrs)
    status: Obj = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    return status


def _rules_status(authorizer: Authorizer, user: User, namespace: str) -> Obj:
    rbac = _rbac(authorizer)
    if PRIVILEGED_GROUP in user.groups:
        return {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": False}
    if rbac is None:            # AlwaysAllow and friends cannot list what they allow
        return {"resourceRules": [], "nonResourceRules": [], "incomplete": True}
    rules, missing = rbac.rules_for(user, namespace)
    status: Obj = {
        "resourceRules": [{k: r[k] for k in ("verbs", "apiGroups", "resources", "resourceNames")
                           if r.get(k)} for r in rules if r.get("resources")],
        "nonResourceRules": [{"verbs": r["verbs"], "nonResourceURLs": r["nonResourceURLs"]}
                             for r in rules if r.get("nonResourceURLs")],
        # the Node authorizer cannot list what it allows
        "incomplete": user.name.startswith("system:node:")}
    if missing:
        status["evaluationError"] = "; ".join(missing)
    return status


async def create_review(ctx, ri: RequestInfo, body: Any, caller: User) -> Obj:
    """The review with its `status` filled in (the response to the create)."""
    kind = ri.info.kind
    if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
        raise BadRequest(f"the body of the request must be a {kind} object with a spec")
    if body.get("kind") not in (None, "", kind):
        raise BadRequest(f"the object provided is unrecognized (must be of type {kind})")
    spec = body["spec"]
    if kind == "SelfSubjectRulesReview":
        status = _rules_status(ctx.authorizer, caller, str(spec.get("namespace") or ""))
    else:
        user = caller if kind == "SelfSubjectAccessReview" else _subject(spec, kind)
        attrs = _attributes(user, spec, kind)
        if kind == "LocalSubjectAccessReview" and attrs.namespace != (ri.namespace or ""):
            raise BadRequest(f"spec.resourceAttributes.namespace must match metadata.namespace: "
                             f"{attrs.namespace!r} != {ri.namespace!r}")
        status = await _review(ctx.authorizer, attrs)
    meta = dict(meta_of(body))
    meta.setdefault("creationTimestamp", None)
    if ri.namespace:
        meta["namespace"] = ri.namespace
    return {"kind": kind, "apiVersion": f"{GROUP}/v1", "metadata": meta, "spec": spec,
            "status": status}
