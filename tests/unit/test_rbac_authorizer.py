"""RBAC: rule matching, the binding index, and the union with system:masters."""
from __future__ import annotations

import collections
from types import SimpleNamespace

import pytest

from apiserver.auth.authorizer import Attributes, forbidden_message
from apiserver.auth.modes import UnionAuthorizer, build_authorizer, parse_modes
from apiserver.auth.rbac import (CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, ROLE_BINDINGS, ROLES,
                                 RBACAuthorizer, rule_allows)
from apiserver.auth.tokens import User
from machinery.api.resources import storage_key_prefix

pytestmark = pytest.mark.unit

JANE = User("jane", "", ("devs", "system:authenticated"))


class FakeCache:
    def __init__(self):
        self.objects, self.events, self.oldest = {}, collections.deque(), 0

    def put(self, key: str, obj: dict) -> None:
        self.objects[key] = obj
        self.oldest += 1          # marks a change, as a new event would


class FakeCtx:
    def __init__(self):
        self.caches = collections.defaultdict(FakeCache)

    def cache_for(self, info):
        return self.caches[storage_key_prefix(info)]

    def add(self, info, obj: dict) -> None:
        meta = obj["metadata"]
        ns = meta.get("namespace")
        key = storage_key_prefix(info) + (f"{ns}/{meta['name']}" if ns else meta["name"])
        self.cache_for(info).put(key, obj)


def rule(verbs, groups=("",), resources=("pods",), names=()):
    return {"verbs": list(verbs), "apiGroups": list(groups), "resources": list(resources),
            "resourceNames": list(names)}


def attrs(verb, resource="pods", sub="", ns="default", name="", group="", user=JANE, path=""):
    return Attributes(user, verb, group, resource, sub, ns, name, path)


@pytest.mark.parametrize("r, a, allowed", [
    (rule(["get"]), attrs("get"), True),
    (rule(["get"]), attrs("list"), False),
    (rule(["*"]), attrs("deletecollection"), True),
    (rule(["get"], groups=["apps"]), attrs("get"), False),
    (rule(["get"], groups=["*"], resources=["*"]), attrs("get", "deployments", group="apps"), True),
    (rule(["get"]), attrs("get", sub="log"), False),                     # pods != pods/log
    (rule(["get"], resources=["pods/log"]), attrs("get", sub="log"), True),
    (rule(["get"], resources=["*/scale"]), attrs("get", "deployments", "scale"), True),
    (rule(["get"], resources=["*/scale"]), attrs("get", "deployments"), False),
    (rule(["get"], names=["a"]), attrs("get", name="a"), True),
    (rule(["get"], names=["a"]), attrs("get", name="b"), False),
    (rule(["list"], names=["a"]), attrs("list"), False),                 # names never match a list
])
def test_rule_matching(r, a, allowed):
    assert rule_allows(r, a) is allowed


@pytest.mark.parametrize("urls, path, allowed", [
    (["/healthz"], "/healthz", True), (["/apis/*"], "/apis/apps/v1", True),
    (["/apis/*"], "/api", False), (["*"], "/anything", True), (["/version"], "/version/", False),
])
def test_non_resource_urls(urls, path, allowed):
    r = {"verbs": ["get"], "nonResourceURLs": urls}
    assert rule_allows(r, Attributes(JANE, "get", path=path)) is allowed
    assert not rule_allows(r, Attributes(JANE, "post", path=path))


def _role(info, name, rules, ns=None):
    meta = {"name": name, **({"namespace": ns} if ns else {})}
    return info, {"metadata": meta, "rules": rules}


def _binding(info, name, role_kind, role, subjects, ns=None):
    meta = {"name": name, **({"namespace": ns} if ns else {})}
    return info, {"metadata": meta, "roleRef": {"kind": role_kind, "name": role,
                                                "apiGroup": "rbac.authorization.k8s.io"},
                  "subjects": subjects}


@pytest.fixture
def ctx():
    c = FakeCtx()
    for info, obj in [
        _role(CLUSTER_ROLES, "reader", [rule(["get", "list"])]),
        _role(ROLES, "cm-writer", [rule(["create"], resources=["configmaps"])], "team"),
        _binding(CLUSTER_ROLE_BINDINGS, "devs-read", "ClusterRole", "reader",
                 [{"kind": "Group", "name": "devs"}]),
        _binding(ROLE_BINDINGS, "jane-cm", "Role", "cm-writer",
                 [{"kind": "User", "name": "jane"}], "team"),
        _binding(ROLE_BINDINGS, "sa-read", "ClusterRole", "reader",
                 [{"kind": "ServiceAccount", "name": "bot"}], "team"),
        _binding(ROLE_BINDINGS, "dangling", "Role", "missing",
                 [{"kind": "User", "name": "jane"}], "other"),
    ]:
        c.add(info, obj)
    return c


def test_bindings_by_group_user_and_service_account(ctx):
    rbac = RBACAuthorizer(ctx)
    assert rbac.decide(attrs("list", ns="anywhere")).allowed             # group, cluster-wide
    assert rbac.decide(attrs("create", "configmaps", ns="team")).allowed  # user, namespaced
    assert not rbac.decide(attrs("create", "configmaps", ns="default")).allowed
    bot = User("system:serviceaccount:team:bot", "", ("system:serviceaccounts",))
    assert rbac.decide(attrs("get", ns="team", user=bot)).allowed        # SA subject, binding ns
    assert not rbac.decide(attrs("get", ns="default", user=bot)).allowed


def test_a_binding_to_a_missing_role_is_reported(ctx):
    decision = RBACAuthorizer(ctx).decide(attrs("delete", ns="other"))
    assert not decision.allowed
    assert decision.reason == \
        'RBAC: role.rbac.authorization.k8s.io "missing" not found'


def test_the_index_follows_cache_changes(ctx):
    rbac = RBACAuthorizer(ctx)
    bob = User("bob", "", ("system:authenticated",))
    assert not rbac.decide(attrs("get", user=bob)).allowed
    ctx.add(*_binding(CLUSTER_ROLE_BINDINGS, "bob", "ClusterRole", "reader",
                      [{"kind": "User", "name": "bob"}]))
    assert rbac.decide(attrs("get", user=bob)).allowed


def test_rules_for_lists_cluster_and_namespace_rules(ctx):
    rules, missing = RBACAuthorizer(ctx).rules_for(JANE, "team")
    assert rule(["get", "list"]) in rules
    assert rule(["create"], resources=["configmaps"]) in rules
    assert missing == []


async def test_system_masters_always_pass_and_reasons_are_joined(ctx):
    union = UnionAuthorizer([RBACAuthorizer(ctx)])
    admin = User("root", "", ("system:masters",))
    assert (await union.authorize(attrs("delete", "nodes", ns="", user=admin))).allowed
    denied = await union.authorize(attrs("delete", ns="other"))
    assert not denied.allowed and denied.reason.startswith("RBAC: ")


def test_modes_parse_and_build():
    assert parse_modes("Node, RBAC") == ["Node", "RBAC"]
    with pytest.raises(ValueError):
        parse_modes("ABAC")
    allow = build_authorizer("AlwaysAllow", SimpleNamespace())
    assert type(allow).__name__ == "AllowAll"


def test_forbidden_message_is_upstreams():
    assert forbidden_message(attrs("list")) == ('pods is forbidden: User "jane" cannot list '
                                                'resource "pods" in API group "" in the '
                                                'namespace "default"')
    assert forbidden_message(attrs("get", "deployments", "scale", name="web", group="apps")) == (
        'deployments.apps "web" is forbidden: User "jane" cannot get resource '
        '"deployments/scale" in API group "apps" in the namespace "default"')
    assert forbidden_message(Attributes(JANE, "get", path="/metrics")) == \
        'forbidden: User "jane" cannot get path "/metrics"'
