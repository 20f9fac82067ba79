"""NodeRestriction: a kubelet (`system:node:<name>`) changes only what belongs to its node.

As upstream's plugin: its own Node object (not another node's), the status of pods bound to it,
deletion of its own pods, mirror pods bound to itself, its own Lease in kube-node-lease, and
service account tokens bound to a pod on its node. Anyone else is not restricted here.
"""
from __future__ import annotations

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.common import PODS, Obj, forbidden, lookup
from apiserver.auth.node_authorizer import LEASE_NAMESPACE, node_name

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def _node_of(pod: Obj | None) -> str:
    return ((pod or {}).get("spec") or {}).get("nodeName") or ""


class NodeRestriction:
    name = "NodeRestriction"

    def handles(self, request: AdmissionRequest) -> bool:
        return node_name(request.user) is not None

    async def validate(self, request: AdmissionRequest) -> None:
        node = node_name(request.user)
        group, plural = request.info.group, request.info.plural
        if group == "" and plural == "pods":
            await self._pod(request, node)
        elif group == "" and plural == "nodes":
            self._node(request, node)
        elif group == "coordination.k8s.io" and plural == "leases":
            if request.namespace != LEASE_NAMESPACE or request.name != node:
                raise forbidden(request, "can only access node lease with the same name as the "
                                         "requesting node")
        elif group == "" and plural == "serviceaccounts" and request.subresource == "token":
            await self._token(request, node)

    async def _pod(self, request: AdmissionRequest, node: str) -> None:
        sub, op = request.subresource, request.operation
        if sub is None and op == "CREATE":
            annotations = (request.obj.get("metadata") or {}).get("annotations") or {}
            if MIRROR_ANNOTATION not in annotations:
                raise forbidden(request, f'pod does not have "{MIRROR_ANNOTATION}" annotation, '
                                         f'node "{node}" can only create mirror pods')
            if _node_of(request.obj) != node:
                raise forbidden(request, f'node "{node}" can only create pods with spec.nodeName '
                                         "set to itself")
        elif sub is None and op == "DELETE":
            if _node_of(request.old) != node:
                raise forbidden(request, f'node "{node}" can only delete pods with spec.nodeName '
                                         "set to itself")
        elif sub == "status":
            if _node_of(request.old) != node:
                raise forbidden(request, f'node "{node}" can only update pod status for pods '
                                         "with their own node name")
        elif sub == "eviction":
            pod = await lookup(request.context, PODS, request.namespace, request.name or "")
            if pod is not None and _node_of(pod) != node:
                raise forbidden(request, f'node "{node}" can only evict pods with spec.nodeName '
                                         "set to itself")
        elif op in ("CREATE", "UPDATE", "DELETE"):
            raise forbidden(request, f'node "{node}" is not allowed to modify pods')

    def _node(self, request: AdmissionRequest, node: str) -> None:
        if request.name != node:
            raise forbidden(request, f'node "{node}" is not allowed to modify node '
                                     f'"{request.name}"')
        if request.operation == "DELETE":
            raise forbidden(request, f'node "{node}" is not allowed to delete its Node object')

    async def _token(self, request: AdmissionRequest, node: str) -> None:
        ref = ((request.obj or {}).get("spec") or {}).get("boundObjectRef") or {}
        if ref.get("kind") != "Pod":
            raise forbidden(request, "node requested token not bound to a pod")
        pod = await lookup(request.context, PODS, request.namespace, ref.get("name", ""))
        if pod is None or (ref.get("uid") and pod["metadata"].get("uid") != ref.get("uid")):
            raise forbidden(request, "node requested token bound to a pod that does not exist")
        if _node_of(pod) != node:
            raise forbidden(request, "node requested token bound to a pod scheduled on a "
                                     "different node")
