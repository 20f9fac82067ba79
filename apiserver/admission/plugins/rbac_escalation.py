"""RBAC escalation prevention: nobody grants permissions they do not hold.

As upstream's RBAC storage: creating or updating a Role or ClusterRole needs every one of its
rules to be covered by the writer's own rules (in that namespace, or cluster-wide for a
ClusterRole), unless the writer may `escalate` on roles/clusterroles; creating or updating a
binding needs the same of the role it references, unless the writer may `bind` it.
Members of system:masters hold everything.
"""
from __future__ import annotations

from typing import Iterable

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import Obj, forbidden
from apiserver.auth.authorizer import Attributes
from apiserver.auth.modes import PRIVILEGED_GROUP, UnionAuthorizer
from apiserver.auth.rbac import CLUSTER_ROLES, GROUP, ROLES, RBACAuthorizer, rule_allows
from apiserver.auth.tokens import ANONYMOUS
from apiserver.rest.context import object_key

ROLE_KINDS = {"roles": "Role", "clusterroles": "ClusterRole"}
BINDING_KINDS = ("rolebindings", "clusterrolebindings")


def atomic(rule: Obj) -> Iterable[Attributes]:
    """A rule as the single requests it allows (user filled in later)."""
    for verb in rule.get("verbs") or []:
        for url in rule.get("nonResourceURLs") or []:
            yield Attributes(ANONYMOUS, verb, path=url)
        for group in rule.get("apiGroups") or []:
            for resource in rule.get("resources") or []:
                res, _, sub = resource.partition("/")
                for name in rule.get("resourceNames") or [""]:
                    yield Attributes(ANONYMOUS, verb, group, res, sub, name=name)


def uncovered(owned: list[Obj], wanted: list[Obj]) -> list[Obj]:
    """The wanted rules some part of which no owned rule allows."""
    return [r for r in wanted if isinstance(r, dict) and
            not all(any(rule_allows(o, a) for o in owned) for a in atomic(r))]


def _format(rule: Obj) -> str:
    parts = []
    for key, label in (("apiGroups", "APIGroups"), ("resources", "Resources"),
                       ("resourceNames", "ResourceNames"), ("nonResourceURLs", "NonResourceURLs"),
                       ("verbs", "Verbs")):
        if rule.get(key):
            values = " ".join(f'"{v}"' for v in rule[key])
            parts.append(f"{label}:[{values}]")
    return "{" + ", ".join(parts) + "}"


class RBACEscalation:
    name = "RBACEscalation"

    def handles(self, request: AdmissionRequest) -> bool:
        return request.info.group == GROUP and request.operation in ("CREATE", "UPDATE") and \
            request.obj is not None and PRIVILEGED_GROUP not in request.user.groups and \
            request.info.plural in (*ROLE_KINDS, *BINDING_KINDS)

    def _rbac(self, request: AdmissionRequest) -> RBACAuthorizer | None:
        authz = request.context.authorizer
        members = authz.members if isinstance(authz, UnionAuthorizer) else [authz]
        return next((m for m in members if isinstance(m, RBACAuthorizer)), None)

    async def _may(self, request: AdmissionRequest, verb: str, plural: str, name: str) -> bool:
        attrs = Attributes(request.user, verb, GROUP, plural, "", request.namespace or "", name)
        return (await request.context.authorizer.authorize(attrs)).allowed

    async def validate(self, request: AdmissionRequest) -> None:
        rbac = self._rbac(request)
        if rbac is None:                 # RBAC is off: nothing to escalate
            return
        if request.info.plural in ROLE_KINDS:
            if await self._may(request, "escalate", request.info.plural, request.name or ""):
                return
            wanted = request.obj.get("rules") or []
        else:
            ref = request.obj.get("roleRef") or {}
            plural = "clusterroles" if ref.get("kind") == "ClusterRole" else "roles"
            if await self._may(request, "bind", plural, ref.get("name", "")):
                return
            info = CLUSTER_ROLES if plural == "clusterroles" else ROLES
            ns = None if plural == "clusterroles" else request.namespace
            role = request.context.cache_for(info).objects.get(
                object_key(info, ns, ref.get("name", "")))
            wanted = (role or {}).get("rules") or []
        owned, _ = rbac.rules_for(request.user, request.namespace or "")
        missing = uncovered(owned, wanted)
        if missing:
            groups = " ".join(f'"{g}"' for g in request.user.groups)
            raise forbidden(request, f'user "{request.user.name}" (groups=[{groups}]) is '
                                     "attempting to grant RBAC permissions not currently held:\n"
                                     + "\n".join(_format(r) for r in missing))
