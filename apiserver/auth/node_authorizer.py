"""The Node authorizer: what a kubelet (`system:node:<name>` in `system:nodes`) may do.

As upstream's: a kubelet may read a Secret, ConfigMap, PersistentVolumeClaim or
PersistentVolume, and request a token for a ServiceAccount, only when a pod bound to its node
uses it; Leases only in kube-node-lease; everything else it may do is `node_rules()` of the
bootstrap policy, narrowed to its own objects by the NodeRestriction admission plugin. Requests
from anyone else get no opinion (RBAC decides). The pod -> object relations are rebuilt from the
api-server's pod and claim caches whenever those have moved.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from apiserver.auth.authorizer import Attributes, Decision
from apiserver.auth.bootstrap_policy import node_rules
from apiserver.auth.rbac import _cache_mark, rules_allow
from apiserver.auth.tokens import User
from machinery.api import resources

Obj = dict[str, Any]
NODES_GROUP = "system:nodes"
NODE_PREFIX = "system:node:"
LEASE_NAMESPACE = "kube-node-lease"
PODS = resources.lookup("", "v1", "pods")
PVCS = resources.lookup("", "v1", "persistentvolumeclaims")
Ref = tuple[str, str, str]          # (resource, namespace, name); namespace "" for PVs


def node_name(user: User) -> str | None:
    """The node a user speaks for, as upstream's NodeIdentifier: both the name and the group."""
    if user.name.startswith(NODE_PREFIX) and NODES_GROUP in user.groups:
        return user.name[len(NODE_PREFIX):] or None
    return None


def pod_references(pod: Obj) -> Iterable[Ref]:
    """Every secret, configmap, claim and service account a pod uses."""
    ns = pod["metadata"].get("namespace", "")
    spec = pod.get("spec") or {}
    yield "serviceaccounts", ns, spec.get("serviceAccountName") or "default"
    for s in spec.get("imagePullSecrets") or ():
        yield "secrets", ns, (s or {}).get("name", "")
    for v in spec.get("volumes") or ():
        yield from _volume_refs(ns, pod["metadata"].get("name", ""), v or {})
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []) + \
            (spec.get("ephemeralContainers") or []):
        yield from _env_refs(ns, c or {})


def _volume_refs(ns: str, pod_name: str, v: Obj) -> Iterable[Ref]:
    if "secret" in v:
        yield "secrets", ns, (v["secret"] or {}).get("secretName", "")
    if "configMap" in v:
        yield "configmaps", ns, (v["configMap"] or {}).get("name", "")
    if "persistentVolumeClaim" in v:
        yield "persistentvolumeclaims", ns, (v["persistentVolumeClaim"] or {}).get("claimName", "")
    if "ephemeral" in v:
        yield "persistentvolumeclaims", ns, f"{pod_name}-{v.get('name', '')}"
    for src in ((v.get("projected") or {}).get("sources") or ()):
        if "secret" in (src or {}):
            yield "secrets", ns, (src["secret"] or {}).get("name", "")
        if "configMap" in (src or {}):
            yield "configmaps", ns, (src["configMap"] or {}).get("name", "")


def _env_refs(ns: str, c: Obj) -> Iterable[Ref]:
    for e in c.get("envFrom") or ():
        if (e or {}).get("secretRef"):
            yield "secrets", ns, e["secretRef"].get("name", "")
        if (e or {}).get("configMapRef"):
            yield "configmaps", ns, e["configMapRef"].get("name", "")
    for e in c.get("env") or ():
        source = (e or {}).get("valueFrom") or {}
        if source.get("secretKeyRef"):
            yield "secrets", ns, source["secretKeyRef"].get("name", "")
        if source.get("configMapKeyRef"):
            yield "configmaps", ns, source["configMapKeyRef"].get("name", "")


class NodeGraph:
    """node name -> the objects its pods reference (PVs through their bound claims)."""

    def __init__(self, pods: Iterable[Obj], claims: dict[tuple[str, str], Obj]):
        self.refs: dict[str, set[Ref]] = defaultdict(set)
        for pod in pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if not node:
                continue
            for ref in pod_references(pod):
                self.refs[node].add(ref)
                if ref[0] == "persistentvolumeclaims":
                    volume = ((claims.get(ref[1:]) or {}).get("spec") or {}).get("volumeName")
                    if volume:
                        self.refs[node].add(("persistentvolumes", "", volume))

    def related(self, node: str, ref: Ref) -> bool:
        return ref in self.refs.get(node, ())


class NodeAuthorizer:
    def __init__(self, ctx):
        self.ctx = ctx
        self._rules = node_rules()
        self._graph: NodeGraph | None = None
        self._mark: tuple | None = None

    def graph(self) -> NodeGraph:
        pods, pvcs = self.ctx.cache_for(PODS), self.ctx.cache_for(PVCS)
        mark = (_cache_mark(pods), _cache_mark(pvcs))
        if mark != self._mark or self._graph is None:
            claims = {(c["metadata"].get("namespace", ""), c["metadata"]["name"]): c
                      for c in pvcs.objects.values()}
            self._graph = NodeGraph(pods.objects.values(), claims)
            self._mark = mark
        return self._graph

    async def authorize(self, a: Attributes) -> Decision:
        return self.decide(a)

    def decide(self, a: Attributes) -> Decision:
        node = node_name(a.user)
        if node is None:
            return Decision(False)
        if a.is_resource and a.api_group == "":
            if a.resource in ("secrets", "configmaps"):
                return self._read_namespaced(node, a)
            if a.resource in ("persistentvolumeclaims", "persistentvolumes") and \
                    not a.subresource:
                return self._get(node, a)
            if a.resource == "serviceaccounts" and a.subresource == "token":
                return self._token(node, a)
        if a.is_resource and a.api_group == "coordination.k8s.io" and a.resource == "leases":
            return self._lease(node, a)
        if rules_allow(self._rules, a):
            return Decision(True)
        return Decision(False)

    def _related(self, node: str, a: Attributes) -> Decision:
        if not a.name:
            return Decision(False, "No Object name found")
        if self.graph().related(node, (a.resource, a.namespace, a.name)):
            return Decision(True)
        return Decision(False, f"no relationship found between node '{node}' and this object")

    def _read_namespaced(self, node: str, a: Attributes) -> Decision:
        if a.verb not in ("get", "list", "watch"):
            return Decision(False, "can only read resources of this type")
        if a.subresource:
            return Decision(False, "cannot read subresource")
        if not a.namespace:
            return Decision(False, "can only read namespaced object of this type")
        return self._related(node, a)

    def _get(self, node: str, a: Attributes) -> Decision:
        if a.verb != "get":
            return Decision(False, "can only get individual resources of this type")
        return self._related(node, a)

    def _token(self, node: str, a: Attributes) -> Decision:
        if a.verb != "create" or not a.name:
            return Decision(False, "can only create tokens for individual service accounts")
        return self._related(node, a)

    def _lease(self, node: str, a: Attributes) -> Decision:
        if a.verb not in ("get", "create", "update", "patch", "delete"):
            return Decision(False, "can only get, create, update, patch, or delete a node lease")
        if a.namespace != LEASE_NAMESPACE:
            return Decision(False, f"can only access leases in the {LEASE_NAMESPACE} namespace")
        if a.verb != "create" and a.name != node:
            return Decision(False, "can only access node lease with the same name as the "
                                   "requesting node")
        return Decision(True)
