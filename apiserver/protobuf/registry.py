"""Every message the decoder knows, and which top-level kind each envelope names.

The envelope says `apiVersion` and `kind`; KINDS maps that pair to the message describing the
object in `raw`. DeleteOptions is registered in every group-version upstream (client-go encodes
it with the version of the client that sends the DELETE), so it is accepted under any apiVersion.
"""
from __future__ import annotations

from apiserver.protobuf import tables_core, tables_groups, tables_meta, tables_pod
from apiserver.protobuf.schema import Message, check_references, parse_messages


def _load() -> dict[str, Message]:
    messages: dict[str, Message] = {}
    for module in (tables_meta, tables_pod, tables_core, tables_groups):
        for package, text in module.TABLES.items():
            messages.update(parse_messages(package, text))
    check_references(messages)
    return messages


MESSAGES: dict[str, Message] = _load()

# package of the tables -> (apiVersion, top-level kinds in it)
_ROOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "core": ("v1", ("Namespace", "ConfigMap", "Secret", "Service", "ServiceAccount", "Pod", "Node",
                    "Binding", "Endpoints", "PersistentVolumeClaim", "LimitRange", "ResourceQuota",
                    "PodTemplate", "ReplicationController", "Event")),
    "apps": ("apps/v1", ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
                         "ControllerRevision")),
    "batch": ("batch/v1", ("Job", "CronJob")),
    "policy": ("policy/v1", ("Eviction", "PodDisruptionBudget")),
    "networking": ("networking.k8s.io/v1", ("Ingress", "IngressClass", "NetworkPolicy")),
    "scheduling": ("scheduling.k8s.io/v1", ("PriorityClass",)),
    "rbac": ("rbac.authorization.k8s.io/v1", ("Role", "ClusterRole", "RoleBinding",
                                               "ClusterRoleBinding")),
    "coordination": ("coordination.k8s.io/v1", ("Lease",)),
    "autoscaling": ("autoscaling/v1", ("Scale", "HorizontalPodAutoscaler")),
    "authorization": ("authorization.k8s.io/v1", ("SubjectAccessReview",
                                                   "LocalSubjectAccessReview",
                                                   "SelfSubjectAccessReview",
                                                   "SelfSubjectRulesReview")),
    "authentication": ("authentication.k8s.io/v1", ("TokenRequest",)),
}

KINDS: dict[tuple[str, str], str] = {
    (api_version, kind): f"{package}.{kind}"
    for package, (api_version, kinds) in _ROOTS.items() for kind in kinds
}
# policy/v1beta1 Eviction has the same fields; older clients still send it.
KINDS[("policy/v1beta1", "Eviction")] = "policy.Eviction"

_ANY_VERSION = {"DeleteOptions": "meta.DeleteOptions"}


def message_for(api_version: str, kind: str) -> str | None:
    """The message name for an envelope's type, or None when the kind is not known."""
    return KINDS.get((api_version, kind)) or _ANY_VERSION.get(kind)
