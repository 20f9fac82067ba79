"""Admission plugins on plain objects: ServiceAccount, DefaultTolerationSeconds, LimitRanger,
ResourceQuota, NodeRestriction and DefaultIngressClass."""
from __future__ import annotations

import copy
import json

import pytest

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins import NAMES, default_chain
from apiserver.admission.plugins.default_ingress_class import DefaultIngressClass
from apiserver.admission.plugins.default_tolerations import DefaultTolerationSeconds
from apiserver.admission.plugins.limit_ranger import LimitRanger
from apiserver.admission.plugins.node_restriction import NodeRestriction
from apiserver.admission.plugins.resource_quota import ResourceQuota, charge
from apiserver.admission.plugins.service_account import ServiceAccount
from apiserver.auth.tokens import User
from apiserver.rest.context import object_key
from apiserver.storage import KeyNotFound
from machinery import quota as q
from machinery.api import resources
from machinery.api.errors import Forbidden
from tests.unit.test_rbac_authorizer import FakeCtx

pytestmark = pytest.mark.unit

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
SAS = resources.lookup("", "v1", "serviceaccounts")
QUOTAS = resources.lookup("", "v1", "resourcequotas")
LIMITS = resources.lookup("", "v1", "limitranges")
LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")
INGRESSES = resources.lookup("networking.k8s.io", "v1", "ingresses")
CLASSES = resources.lookup("networking.k8s.io", "v1", "ingressclasses")


class FakeStore:
    """The store's get and guaranteed_update over a dict, with a resourceVersion counter."""

    def __init__(self):
        self.data, self.rv = {}, 0

    async def get(self, key):
        if key not in self.data:
            raise KeyNotFound(key)
        return copy.deepcopy(self.data[key])

    async def guaranteed_update(self, key, mutate):
        old = await self.get(key)
        new = await mutate(json.loads(json.dumps(old)))
        if new is not None:
            self.data[key] = new
        return old, new or old


@pytest.fixture
def ctx():
    c = FakeCtx()
    c.store = FakeStore()
    return c


def request(ctx, obj, info=PODS, op="CREATE", ns="ns", sub=None, old=None, user=None):
    name = ((obj or old or {}).get("metadata") or {}).get("name")
    return AdmissionRequest(op, info, ns, name, sub, obj, old, user or User("jane"),
                            False, ctx, [])


def pod(name="p", **spec):
    return {"metadata": {"name": name, "namespace": "ns"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}


def test_every_plugin_is_in_the_default_chain_and_can_be_disabled():
    assert {"ServiceAccount", "LimitRanger", "ResourceQuota", "PodSecurity", "NodeRestriction",
            "DefaultTolerationSeconds", "DefaultIngressClass"} <= set(NAMES)
    assert len(default_chain("PodSecurity,ResourceQuota").plugins) == len(NAMES) - 2
    with pytest.raises(ValueError):
        default_chain("NoSuchPlugin")


# --- ServiceAccount ------------------------------------------------------------------------------

async def test_service_account_token_volume_in_upstreams_shape(ctx):
    ctx.add(SAS, {"metadata": {"name": "default", "namespace": "ns"}})
    p = pod(initContainers=[{"name": "init", "image": "busybox"}])
    await ServiceAccount().admit(request(ctx, p))
    spec = p["spec"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    (vol,) = spec["volumes"]
    assert vol["name"].startswith("kube-api-access-") and len(vol["name"]) == 21
    assert vol["projected"] == {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt",
                                                              "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}
    for c in spec["containers"] + spec["initContainers"]:
        assert c["volumeMounts"] == [{"name": vol["name"], "readOnly": True,
                                      "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]


async def test_automount_opt_outs_and_pull_secrets(ctx):
    ctx.add(SAS, {"metadata": {"name": "bot", "namespace": "ns"},
                  "automountServiceAccountToken": False, "imagePullSecrets": [{"name": "reg"}]})
    p = pod(serviceAccountName="bot")
    await ServiceAccount().admit(request(ctx, p))
    assert "volumes" not in p["spec"]
    assert p["spec"]["imagePullSecrets"] == [{"name": "reg"}]
    p = pod(serviceAccountName="bot", automountServiceAccountToken=True)
    await ServiceAccount().admit(request(ctx, p))
    assert p["spec"]["volumes"][0]["name"].startswith("kube-api-access-")


async def test_missing_service_account(ctx):
    with pytest.raises(Forbidden) as e:
        await ServiceAccount().admit(request(ctx, pod(serviceAccountName="ghost")))
    assert e.value.message == ('pods "p" is forbidden: error looking up service account '
                               'ns/ghost: serviceaccount "ghost" not found')
    req = request(ctx, pod())
    await ServiceAccount().admit(req)          # the implicit default may not exist yet
    assert req.obj["spec"]["serviceAccountName"] == "default"
    assert "volumes" not in req.obj["spec"]


# --- DefaultTolerationSeconds --------------------------------------------------------------------

async def test_default_tolerations_unless_already_tolerated(ctx):
    p = pod(tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                          "effect": "NoExecute", "tolerationSeconds": 10}])
    await DefaultTolerationSeconds().admit(request(ctx, p))
    assert p["spec"]["tolerations"] == [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 10},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300}]


# --- LimitRanger ---------------------------------------------------------------------------------

async def test_limit_range_defaults_and_bounds(ctx):
    ctx.add(LIMITS, {"metadata": {"name": "lr", "namespace": "ns"}, "spec": {"limits": [
        {"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"},
         "max": {"cpu": "1", "memory": "1Gi"}}]}})
    p = pod()
    req = request(ctx, p)
    await LimitRanger().admit(req)
    res = p["spec"]["containers"][0]["resources"]
    assert res == {"requests": {"cpu": "100m", "memory": "1Gi"},
                   "limits": {"cpu": "500m", "memory": "1Gi"}}
    assert p["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container app; "
        "cpu, memory limit for container app")
    await LimitRanger().validate(req)
    big = pod(containers=[{"name": "app", "resources": {"limits": {"cpu": "2",
                                                                    "memory": "1Gi"}}}])
    with pytest.raises(Forbidden) as e:
        await LimitRanger().validate(request(ctx, big))
    assert e.value.message == ('pods "p" is forbidden: maximum cpu usage per Container is 1, '
                               'but limit is 2')


# --- ResourceQuota -------------------------------------------------------------------------------

def _quota(ctx, hard, used=None, name="q"):
    obj = {"metadata": {"name": name, "namespace": "ns"}, "spec": {"hard": hard}}
    if used is not None:
        obj["status"] = {"hard": hard, "used": used}
    ctx.add(QUOTAS, obj)
    ctx.store.data[object_key(QUOTAS, "ns", name)] = copy.deepcopy(obj)


async def test_quota_charges_then_refuses(ctx):
    _quota(ctx, {"pods": "2"}, {"pods": "1"})
    await ResourceQuota().validate(request(ctx, pod("a")))
    stored = ctx.store.data[object_key(QUOTAS, "ns", "q")]
    assert stored["status"] == {"hard": {"pods": "2"}, "used": {"pods": "2"}}
    with pytest.raises(Forbidden) as e:
        await ResourceQuota().validate(request(ctx, pod("b")))
    assert e.value.message == ('pods "b" is forbidden: exceeded quota: q, requested: pods=1, '
                               'used: pods=2, limited: pods=2')


async def test_quota_on_compute_resources(ctx):
    _quota(ctx, {"requests.cpu": "1", "limits.memory": "1Gi"})
    with pytest.raises(Forbidden) as e:
        await ResourceQuota().validate(request(ctx, pod()))
    assert e.value.message == ('pods "p" is forbidden: failed quota: q: must specify '
                               'limits.memory,requests.cpu')
    sized = pod(containers=[{"name": "app", "resources": {
        "requests": {"cpu": "600m"}, "limits": {"memory": "512Mi"}}}])
    await ResourceQuota().validate(request(ctx, sized))
    used = ctx.store.data[object_key(QUOTAS, "ns", "q")]["status"]["used"]
    assert used == {"requests.cpu": "600m", "limits.memory": "512Mi"}
    with pytest.raises(Forbidden) as e:
        await ResourceQuota().validate(request(ctx, copy.deepcopy(sized)))
    assert "requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1" \
        in e.value.message


def test_usage_of_objects():
    svc = {"spec": {"type": "NodePort", "ports": [{"port": 1}, {"port": 2}]}}
    assert q.usage("services", "", svc) == {"count/services": 1, "services": 1,
                                             "services.nodeports": 2}
    assert q.usage("pods", "", {"status": {"phase": "Succeeded"}}) == {}
    assert q.usage("deployments", "apps", {}) == {"count/deployments.apps": 1}
    with pytest.raises(Exception):
        charge({"metadata": {"name": "x"}, "spec": {"hard": {"pods": "0"}}}, {"pods": 1})


# --- NodeRestriction -----------------------------------------------------------------------------

NODE1 = User("system:node:n1", "", ("system:nodes",))


@pytest.mark.parametrize("info, op, sub, obj, old, message", [
    (NODES, "UPDATE", "status", {"metadata": {"name": "n2"}}, {"metadata": {"name": "n2"}},
     'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'),
    (PODS, "UPDATE", "status", pod("x"), {**pod("x"), "spec": {"nodeName": "n2"}},
     'pods "x" is forbidden: node "n1" can only update pod status for pods with their own '
     'node name'),
    (PODS, "CREATE", None, pod("x"), None,
     'pods "x" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, '
     'node "n1" can only create mirror pods'),
    (LEASES, "UPDATE", None, {"metadata": {"name": "n2"}}, {"metadata": {"name": "n2"}},
     'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same '
     'name as the requesting node'),
])
async def test_node_restriction_refusals(ctx, info, op, sub, obj, old, message):
    ns = "kube-node-lease" if info is LEASES else ("ns" if info is PODS else None)
    with pytest.raises(Forbidden) as e:
        await NodeRestriction().validate(request(ctx, obj, info, op, ns, sub, old, NODE1))
    assert e.value.message == message


async def test_node_restriction_allows_own_objects(ctx):
    plugin = NodeRestriction()
    own = {**pod("x"), "spec": {"nodeName": "n1"}}
    await plugin.validate(request(ctx, own, PODS, "UPDATE", "ns", "status", own, NODE1))
    await plugin.validate(request(ctx, None, PODS, "DELETE", "ns", None, own, NODE1))
    await plugin.validate(request(ctx, {"metadata": {"name": "n1"}}, NODES, "UPDATE", None,
                                  None, {"metadata": {"name": "n1"}}, NODE1))
    assert not plugin.handles(request(ctx, own, user=User("jane")))


# --- DefaultIngressClass -------------------------------------------------------------------------

async def test_default_ingress_class(ctx):
    for name, ts, default in (("old", "2024-01-01T00:00:00Z", "true"),
                              ("new", "2024-02-01T00:00:00Z", "true"),
                              ("other", "2024-03-01T00:00:00Z", "false")):
        ctx.add(CLASSES, {"metadata": {"name": name, "creationTimestamp": ts, "annotations": {
            "ingressclass.kubernetes.io/is-default-class": default}}})
    ing = {"metadata": {"name": "i"}, "spec": {}}
    await DefaultIngressClass().admit(request(ctx, ing, INGRESSES))
    assert ing["spec"]["ingressClassName"] == "new"
    named = {"metadata": {"name": "i"}, "spec": {"ingressClassName": "other"}}
    await DefaultIngressClass().admit(request(ctx, named, INGRESSES))
    assert named["spec"]["ingressClassName"] == "other"


# --- RBAC escalation -----------------------------------------------------------------------------

async def test_no_one_grants_what_they_do_not_hold(ctx):
    from apiserver.admission.plugins.rbac_escalation import RBACEscalation
    from apiserver.auth.modes import UnionAuthorizer
    from apiserver.auth.rbac import CLUSTER_ROLES, ROLE_BINDINGS, ROLES, RBACAuthorizer
    ctx.authorizer = UnionAuthorizer([RBACAuthorizer(ctx)])
    ctx.add(CLUSTER_ROLES, {"metadata": {"name": "lead"}, "rules": [
        {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]},
        {"verbs": ["create"], "apiGroups": ["rbac.authorization.k8s.io"],
         "resources": ["roles", "rolebindings"]}]})
    ctx.add(CLUSTER_ROLES, {"metadata": {"name": "deleter"}, "rules": [
        {"verbs": ["delete"], "apiGroups": [""], "resources": ["pods"]}]})
    ctx.add(ROLE_BINDINGS, {"metadata": {"name": "lead", "namespace": "ns"},
                            "roleRef": {"kind": "ClusterRole", "name": "lead"},
                            "subjects": [{"kind": "User", "name": "jane"}]})
    role = {"metadata": {"name": "r", "namespace": "ns"}, "rules": [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}]}
    plugin = RBACEscalation()
    req = request(ctx, role, ROLES)
    assert plugin.handles(req)
    await plugin.validate(req)
    role["rules"].append({"verbs": ["delete"], "apiGroups": [""], "resources": ["pods"]})
    with pytest.raises(Forbidden) as e:
        await plugin.validate(request(ctx, role, ROLES))
    assert e.value.message == (
        'roles.rbac.authorization.k8s.io "r" is forbidden: user "jane" (groups=[]) is '
        'attempting to grant RBAC permissions not currently held:\n'
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}')
    binding = {"metadata": {"name": "b", "namespace": "ns"},
               "roleRef": {"kind": "ClusterRole", "name": "deleter"},
               "subjects": [{"kind": "User", "name": "bob"}]}
    with pytest.raises(Forbidden):
        await plugin.validate(request(ctx, binding, ROLE_BINDINGS))
    assert not plugin.handles(request(ctx, role, ROLES, user=User("root", "", ("system:masters",))))
