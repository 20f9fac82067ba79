"""The default policy, its reconciliation, the Node authorizer and impersonation."""
from __future__ import annotations

import pytest

from apiserver.auth import bootstrap_policy as policy
from apiserver.auth.authorizer import Attributes, Decision
from apiserver.auth.impersonation import impersonate
from apiserver.auth.node_authorizer import NodeAuthorizer, node_name, pod_references
from apiserver.auth.policy_reconcile import reconcile_binding, reconcile_role
from apiserver.auth.rbac import rules_allow
from apiserver.auth.tokens import User
from machinery.api import resources
from machinery.api.errors import BadRequest, Forbidden
from tests.unit.test_rbac_authorizer import FakeCtx

pytestmark = pytest.mark.unit

PODS = resources.lookup("", "v1", "pods")
PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
NODE1 = User("system:node:n1", "", ("system:nodes", "system:authenticated"))


def roles() -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in policy.cluster_roles()}


def test_defaults_are_labelled_and_autoupdated():
    for obj in policy.cluster_roles() + policy.cluster_role_bindings():
        assert obj["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert obj["metadata"]["annotations"][policy.AUTOUPDATE] == "true"
    names = set(roles())
    for wanted in ("cluster-admin", "admin", "edit", "view", "system:discovery",
                   "system:basic-user", "system:public-info-viewer", "system:kube-scheduler",
                   "system:kube-controller-manager", "system:node", "system:node-proxier",
                   "system:kube-dns", "system:monitoring"):
        assert wanted in names


def test_aggregation_labels_chain_view_into_edit_into_admin():
    r = roles()
    assert r["view"]["aggregationRule"]["clusterRoleSelectors"] == [
        {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]
    assert r["view"]["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-edit"] == "true"
    assert r["edit"]["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"] == "true"
    view_rules = r["system:aggregate-to-view"]["rules"]
    assert rules_allow(view_rules, Attributes(User("v"), "list", "", "pods", "", "ns"))
    assert not rules_allow(view_rules, Attributes(User("v"), "delete", "", "pods", "", "ns"))
    assert not rules_allow(view_rules, Attributes(User("v"), "get", "", "secrets", "", "ns"))


@pytest.mark.parametrize("role, verb, group, resource, sub, allowed", [
    ("system:kube-scheduler", "create", "", "pods", "binding", True),
    ("system:kube-scheduler", "get", "", "secrets", "", False),
    ("system:node-proxier", "watch", "discovery.k8s.io", "endpointslices", "", True),
    ("system:node-proxier", "create", "", "pods", "", False),
    ("system:kube-controller-manager", "create", "apps", "replicasets", "", True),
    ("system:kube-controller-manager", "impersonate", "", "users", "", False),
    ("system:kube-dns", "watch", "", "services", "", True),
])
def test_component_roles(role, verb, group, resource, sub, allowed):
    a = Attributes(User("x"), verb, group, resource, sub, "ns")
    assert rules_allow(roles()[role]["rules"], a) is allowed


def test_subjects_of_component_bindings():
    by_name = {b["metadata"]["name"]: b["subjects"] for b in policy.cluster_role_bindings()}
    assert {"kind": "User", "apiGroup": "rbac.authorization.k8s.io",
            "name": "system:kube-scheduler"} in by_name["system:kube-scheduler"]
    assert by_name["system:node-proxier"][0]["name"] == "system:kube-proxy"
    assert by_name["cluster-admin"][0]["name"] == "system:masters"
    assert by_name["system:kube-dns"] == [{"kind": "ServiceAccount", "name": "kube-dns",
                                           "namespace": "kube-system"}]


def test_reconcile_adds_what_is_missing_and_respects_opt_out():
    expected = roles()["system:kube-dns"]
    stripped = {**expected, "rules": [], "metadata": {**expected["metadata"], "labels": {}}}
    fixed = reconcile_role(stripped, expected)
    assert fixed["rules"] == expected["rules"]
    assert fixed["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
    assert reconcile_role(expected, expected) is None
    mine = {**stripped, "metadata": {**stripped["metadata"],
                                     "annotations": {policy.AUTOUPDATE: "false"}}}
    assert reconcile_role(mine, expected) is None
    extra = {**expected, "rules": expected["rules"] + [{"verbs": ["get"], "apiGroups": [""],
                                                        "resources": ["pods"]}]}
    assert reconcile_role(extra, expected) is None       # additions by an admin stay


def test_reconcile_keeps_aggregated_rules_and_adds_subjects():
    view = roles()["view"]
    filled = {**view, "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]}
    assert reconcile_role(filled, view) is None
    binding = policy.cluster_role_bindings()[0]
    assert reconcile_binding({**binding, "subjects": []}, binding)["subjects"] == \
        binding["subjects"]


# --- the Node authorizer -------------------------------------------------------------------------

def _pod(name, node, **spec):
    return {"metadata": {"name": name, "namespace": "ns"},
            "spec": {"nodeName": node, "containers": [{"name": "c"}], **spec}}


@pytest.fixture
def node_ctx():
    ctx = FakeCtx()
    ctx.add(PODS, _pod("a", "n1", volumes=[
        {"name": "s", "secret": {"secretName": "s1"}},
        {"name": "p", "persistentVolumeClaim": {"claimName": "claim"}},
        {"name": "t", "projected": {"sources": [{"configMap": {"name": "kube-root-ca.crt"}}]}}],
        serviceAccountName="runner"))
    ctx.add(PODS, _pod("b", "n2", volumes=[{"name": "s", "secret": {"secretName": "s2"}}]))
    ctx.add(PVCS, {"metadata": {"name": "claim", "namespace": "ns"},
                   "spec": {"volumeName": "pv-1"}})
    return ctx


def _node_attrs(verb, resource, name, ns="ns", sub="", group=""):
    return Attributes(NODE1, verb, group, resource, sub, ns, name)


@pytest.mark.parametrize("a, allowed, reason", [
    (_node_attrs("get", "secrets", "s1"), True, ""),
    (_node_attrs("get", "secrets", "s2"), False,
     "no relationship found between node 'n1' and this object"),
    (_node_attrs("get", "configmaps", "kube-root-ca.crt"), True, ""),
    (_node_attrs("delete", "secrets", "s1"), False, "can only read resources of this type"),
    (_node_attrs("get", "persistentvolumes", "pv-1", ns=""), True, ""),
    (_node_attrs("create", "serviceaccounts", "runner", sub="token"), True, ""),
    (_node_attrs("create", "serviceaccounts", "default", sub="token"), False,
     "no relationship found between node 'n1' and this object"),
    (_node_attrs("update", "leases", "n1", ns="kube-node-lease", group="coordination.k8s.io"),
     True, ""),
    (_node_attrs("update", "leases", "n2", ns="kube-node-lease", group="coordination.k8s.io"),
     False, "can only access node lease with the same name as the requesting node"),
    (_node_attrs("patch", "nodes", "n1", ns="", sub="status"), True, ""),
    (_node_attrs("create", "deployments", "", group="apps"), False, ""),
])
def test_node_authorizer(node_ctx, a, allowed, reason):
    decision = NodeAuthorizer(node_ctx).decide(a)
    assert decision == Decision(allowed, reason)


def test_node_identity_needs_name_and_group(node_ctx):
    assert node_name(NODE1) == "n1"
    assert node_name(User("system:node:n1")) is None
    outsider = Attributes(User("jane"), "get", "", "secrets", "", "ns", "s1")
    assert NodeAuthorizer(node_ctx).decide(outsider) == Decision(False)


def test_pod_references_cover_env_and_pull_secrets():
    pod = _pod("x", "n1", imagePullSecrets=[{"name": "pull"}], containers=[{
        "name": "c", "envFrom": [{"configMapRef": {"name": "env-cm"}}],
        "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "env-s", "key": "k"}}}]}])
    refs = set(pod_references(pod))
    assert {("secrets", "ns", "pull"), ("configmaps", "ns", "env-cm"),
            ("secrets", "ns", "env-s"), ("serviceaccounts", "ns", "default")} <= refs


# --- impersonation -------------------------------------------------------------------------------

class Allow:
    def __init__(self, allowed: set[str]):
        self.allowed, self.asked = allowed, []

    async def authorize(self, a: Attributes) -> Decision:
        self.asked.append(a)
        return Decision(a.resource in self.allowed)


async def test_impersonating_a_user_and_groups():
    authz = Allow({"users", "groups"})
    user = await impersonate(authz, User("admin"), [(b"Impersonate-User", b"jane"),
                                                     (b"Impersonate-Group", b"devs")])
    assert user == User("jane", "", ("devs", "system:authenticated"))
    assert [(a.verb, a.resource, a.name) for a in authz.asked] == [
        ("impersonate", "users", "jane"), ("impersonate", "groups", "devs")]


async def test_impersonating_a_service_account_checks_serviceaccounts():
    authz = Allow({"serviceaccounts"})
    user = await impersonate(authz, User("admin"),
                             [(b"impersonate-user", b"system:serviceaccount:ns:bot")])
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:ns",
                           "system:authenticated")
    assert (authz.asked[0].namespace, authz.asked[0].name) == ("ns", "bot")


async def test_impersonation_refused_in_upstream_words():
    with pytest.raises(Forbidden) as e:
        await impersonate(Allow(set()), User("jane"), [(b"impersonate-user", b"root")])
    assert e.value.message == ('users "root" is forbidden: User "jane" cannot impersonate '
                               'resource "users" in API group "" at the cluster scope')
    with pytest.raises(BadRequest):
        await impersonate(Allow({"groups"}), User("a"), [(b"impersonate-group", b"g")])
