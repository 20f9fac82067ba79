"""The RBAC authorizer: Roles, ClusterRoles and their bindings, read from the watch caches.

A request is allowed when some rule of some role bound to the user (by name, by one of its
groups, or as a service account) covers it; RBAC never denies explicitly. Bindings are indexed
by subject and the index is rebuilt only when a binding cache has moved, so a decision costs a
few dict lookups plus the rules of the user's own roles.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from apiserver.auth.authorizer import Attributes, Decision
from apiserver.auth.tokens import User
from machinery.api import resources
from machinery.api.resources import storage_key_prefix

Obj = dict[str, Any]
GROUP = "rbac.authorization.k8s.io"
ROLES = resources.lookup(GROUP, "v1", "roles")
CLUSTER_ROLES = resources.lookup(GROUP, "v1", "clusterroles")
ROLE_BINDINGS = resources.lookup(GROUP, "v1", "rolebindings")
CLUSTER_ROLE_BINDINGS = resources.lookup(GROUP, "v1", "clusterrolebindings")
SA_PREFIX = "system:serviceaccount:"


# --- rule matching (upstream's rbac.RuleAllows) --------------------------------------------------

def _verb_matches(rule: Obj, verb: str) -> bool:
    verbs = rule.get("verbs") or ()
    return "*" in verbs or verb in verbs


def _group_matches(rule: Obj, group: str) -> bool:
    groups = rule.get("apiGroups") or ()
    return "*" in groups or group in groups


def _resource_matches(rule: Obj, resource: str, subresource: str) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for r in rule.get("resources") or ():
        if r == "*" or r == combined:
            return True
        if subresource and r == f"*/{subresource}":
            return True
    return False


def _name_matches(rule: Obj, name: str) -> bool:
    names = rule.get("resourceNames") or ()
    return not names or name in names


def _url_matches(rule: Obj, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or ():
        if url == "*" or url == path:
            return True
        if url.endswith("*") and path.startswith(url[:-1]):
            return True
    return False


def rule_allows(rule: Obj, a: Attributes) -> bool:
    if not isinstance(rule, dict) or not _verb_matches(rule, a.verb):
        return False
    if a.is_resource:
        return (_group_matches(rule, a.api_group) and
                _resource_matches(rule, a.resource, a.subresource) and
                _name_matches(rule, a.name))
    return _url_matches(rule, a.path)


def rules_allow(rules: Iterable[Obj], a: Attributes) -> bool:
    return any(rule_allows(r, a) for r in rules)


# --- subjects and the binding index --------------------------------------------------------------

def subject_keys(subject: Obj, binding_namespace: str) -> tuple[str, ...]:
    """The index keys of a binding subject: `u:<user>` or `g:<group>`."""
    kind, name = subject.get("kind"), subject.get("name") or ""
    if kind == "User":
        return (f"u:{name}",)
    if kind == "Group":
        return (f"g:{name}",)
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or binding_namespace
        return (f"u:{SA_PREFIX}{ns}:{name}",) if ns and name else ()
    return ()


def user_keys(user: User) -> list[str]:
    return [f"u:{user.name}"] + [f"g:{g}" for g in user.groups]


def _cache_mark(cache) -> tuple[int, int]:
    """Changes whenever the cache's content may have changed."""
    return id(cache.objects), cache.events[-1].rv if cache.events else cache.oldest


@dataclass
class BindingIndex:
    cluster: dict[str, list[Obj]] = field(default_factory=lambda: defaultdict(list))
    namespaced: dict[tuple[str, str], list[Obj]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, cluster_bindings: Iterable[Obj], role_bindings: Iterable[Obj]) -> "BindingIndex":
        index = cls()
        for b in cluster_bindings:
            for s in b.get("subjects") or ():
                for key in subject_keys(s, "") if isinstance(s, dict) else ():
                    index.cluster[key].append(b)
        for b in role_bindings:
            ns = b["metadata"].get("namespace", "")
            for s in b.get("subjects") or ():
                for key in subject_keys(s, ns) if isinstance(s, dict) else ():
                    index.namespaced[(ns, key)].append(b)
        return index


class RBACAuthorizer:
    """Reads the api-server's own watch caches (`ctx.cache_for(info).objects`)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self._index = BindingIndex()
        self._mark: tuple | None = None

    def _caches(self):
        return (self.ctx.cache_for(CLUSTER_ROLE_BINDINGS), self.ctx.cache_for(ROLE_BINDINGS))

    def index(self) -> BindingIndex:
        crb, rb = self._caches()
        mark = (_cache_mark(crb), _cache_mark(rb))
        if mark != self._mark:
            self._index = BindingIndex.build(crb.objects.values(), rb.objects.values())
            self._mark = mark
        return self._index

    def _role(self, kind: str, namespace: str, name: str) -> Obj | None:
        if kind == "ClusterRole":
            cache = self.ctx.cache_for(CLUSTER_ROLES)
            return cache.objects.get(f"{storage_key_prefix(CLUSTER_ROLES)}{name}")
        if kind == "Role" and namespace:
            cache = self.ctx.cache_for(ROLES)
            return cache.objects.get(f"{storage_key_prefix(ROLES)}{namespace}/{name}")
        return None

    def bound_rules(self, user: User, namespace: str) -> Iterable[tuple[list[Obj] | None, str]]:
        """(rules, role description) of every role bound to the user that applies in
        `namespace` (cluster-wide ones first); rules is None for a binding to a missing role."""
        index = self.index()
        for key in user_keys(user):
            for b in index.cluster.get(key, ()):
                yield self._rules_of(b, "")
        if namespace:
            for key in user_keys(user):
                for b in index.namespaced.get((namespace, key), ()):
                    yield self._rules_of(b, namespace)

    def _rules_of(self, binding: Obj, namespace: str) -> tuple[list[Obj] | None, str]:
        ref = binding.get("roleRef") or {}
        kind, name = ref.get("kind", ""), ref.get("name", "")
        role = self._role(kind, namespace, name)
        what = f'{kind.lower()}.{GROUP} "{name}"'
        if role is None:
            return None, what
        return role.get("rules") or [], what

    def rules_for(self, user: User, namespace: str) -> tuple[list[Obj], list[str]]:
        """Every rule that applies to the user in `namespace` (SelfSubjectRulesReview), and
        the bindings whose role is missing."""
        rules: list[Obj] = []
        missing: list[str] = []
        for found, what in self.bound_rules(user, namespace):
            if found is None:
                missing.append(f"{what} not found")
            else:
                rules.extend(r for r in found if isinstance(r, dict))
        return rules, missing

    async def authorize(self, a: Attributes) -> Decision:
        return self.decide(a)

    def decide(self, a: Attributes) -> Decision:
        missing: list[str] = []
        for rules, what in self.bound_rules(a.user, a.namespace):
            if rules is None:
                missing.append(f"{what} not found")
            elif rules_allow(rules, a):
                return Decision(True)
        # upstream reports resolution errors (a binding to a missing role) in the reason
        return Decision(False, "RBAC: " + ", ".join(dict.fromkeys(missing)) if missing else "")
