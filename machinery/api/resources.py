"""The catalog of every resource the api-server serves: one row per group/version/resource.

Discovery, routing, OpenAPI, tables and clients all read this table, so a kind is added in one
place. Subresources are listed by name with the kind they answer with.
"""
from __future__ import annotations

from dataclasses import dataclass, field

CRUD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Subresource:
    name: str
    kind: str
    group: str | None = None      # None: same group/version as the parent resource
    version: str | None = None
    verbs: tuple[str, ...] = ("get", "patch", "update")


@dataclass(frozen=True)
class ResourceInfo:
    group: str                    # "" for the core group
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    verbs: tuple[str, ...] = CRUD_VERBS
    # storage_version: where the object is kept in etcd; another version of the same resource
    # (v1beta1 Ingress) is converted to and from it.
    storage_version: str | None = None

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, or `pods` for the core group."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def is_storage_version(self) -> bool:
        return self.storage_version in (None, self.version)

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)


STATUS = Subresource("status", "")            # kind "" = the parent's own kind
SCALE = Subresource("scale", "Scale", "autoscaling", "v1")


def _status(kind: str) -> Subresource:
    return Subresource("status", kind)


def _r(group, version, kind, plural, namespaced, short=(), cats=(), subs=(), verbs=CRUD_VERBS,
       storage_version=None) -> ResourceInfo:
    subs = tuple(_status(kind) if s is STATUS else s for s in subs)
    return ResourceInfo(group, version, kind, plural, namespaced, tuple(short), tuple(cats),
                        subs, tuple(verbs), storage_version)


_POD_SUBRESOURCES = (
    STATUS,
    Subresource("binding", "Binding", verbs=("create",)),
    Subresource("eviction", "Eviction", "policy", "v1", verbs=("create",)),
    Subresource("log", "Pod", verbs=("get",)),
    Subresource("exec", "PodExecOptions", verbs=("create", "get")),
    Subresource("attach", "PodAttachOptions", verbs=("create", "get")),
    Subresource("portforward", "PodPortForwardOptions", verbs=("create", "get")),
    Subresource("ephemeralcontainers", "Pod", verbs=("get", "patch", "update")),
)

RESOURCES: tuple[ResourceInfo, ...] = (
    # core/v1, in upstream's discovery order where kubectl output depends on it (get all)
    _r("", "v1", "Binding", "bindings", True, verbs=("create",)),
    _r("", "v1", "ConfigMap", "configmaps", True, ["cm"]),
    _r("", "v1", "Endpoints", "endpoints", True, ["ep"]),
    _r("", "v1", "Event", "events", True, ["ev"]),
    _r("", "v1", "LimitRange", "limitranges", True, ["limits"]),
    _r("", "v1", "Namespace", "namespaces", False, ["ns"], subs=[STATUS,
       Subresource("finalize", "Namespace", verbs=("update",))],
       verbs=("create", "delete", "get", "list", "patch", "update", "watch")),
    _r("", "v1", "Node", "nodes", False, ["no"], subs=[STATUS,
       Subresource("proxy", "NodeProxyOptions", verbs=("create", "delete", "get", "patch", "update"))]),
    _r("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ["pvc"], subs=[STATUS]),
    _r("", "v1", "PersistentVolume", "persistentvolumes", False, ["pv"], subs=[STATUS]),
    _r("", "v1", "Pod", "pods", True, ["po"], ["all"], _POD_SUBRESOURCES),
    _r("", "v1", "PodTemplate", "podtemplates", True),
    _r("", "v1", "ReplicationController", "replicationcontrollers", True, ["rc"], ["all"],
       [SCALE, STATUS]),
    _r("", "v1", "ResourceQuota", "resourcequotas", True, ["quota"], subs=[STATUS]),
    _r("", "v1", "Secret", "secrets", True),
    _r("", "v1", "ServiceAccount", "serviceaccounts", True, ["sa"], subs=[
       Subresource("token", "TokenRequest", "authentication.k8s.io", "v1", verbs=("create",))]),
    _r("", "v1", "Service", "services", True, ["svc"], ["all"], [STATUS,
       Subresource("proxy", "ServiceProxyOptions", verbs=("create", "delete", "get", "patch", "update"))],
       verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    # apps/v1
    _r("apps", "v1", "ControllerRevision", "controllerrevisions", True),
    _r("apps", "v1", "DaemonSet", "daemonsets", True, ["ds"], ["all"], [STATUS]),
    _r("apps", "v1", "Deployment", "deployments", True, ["deploy"], ["all"], [SCALE, STATUS]),
    _r("apps", "v1", "ReplicaSet", "replicasets", True, ["rs"], ["all"], [SCALE, STATUS]),
    _r("apps", "v1", "StatefulSet", "statefulsets", True, ["sts"], ["all"], [SCALE, STATUS]),
    # authorization.k8s.io/v1: access reviews are answered, never stored
    _r("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews",
       True, verbs=("create",)),
    _r("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
       False, verbs=("create",)),
    _r("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
       False, verbs=("create",)),
    _r("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", False,
       verbs=("create",)),
    # autoscaling: v2 is stored; v1 (CPU target only, what `kubectl autoscale` posts) converts
    _r("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ["hpa"],
       ["all"], [STATUS]),
    _r("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ["hpa"],
       ["all"], [STATUS], storage_version="v2"),
    # batch/v1
    _r("batch", "v1", "CronJob", "cronjobs", True, ["cj"], ["all"], [STATUS]),
    _r("batch", "v1", "Job", "jobs", True, cats=["all"], subs=[STATUS]),
    # coordination.k8s.io/v1
    _r("coordination.k8s.io", "v1", "Lease", "leases", True),
    # discovery.k8s.io/v1
    _r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    # events.k8s.io/v1 (the same objects as core events, in the newer shape)
    _r("events.k8s.io", "v1", "Event", "events", True, ["ev"]),
    # networking.k8s.io
    _r("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False),
    _r("networking.k8s.io", "v1", "Ingress", "ingresses", True, ["ing"], subs=[STATUS]),
    _r("networking.k8s.io", "v1beta1", "Ingress", "ingresses", True, ["ing"], subs=[STATUS],
       storage_version="v1"),
    # policy/v1
    _r("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ["pdb"], subs=[STATUS]),
    # rbac.authorization.k8s.io/v1
    _r("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    _r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    _r("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    # storage.k8s.io/v1
    _r("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ["sc"]),
)

# Group order and preferred version, as upstream lists them in /apis.
GROUP_VERSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("apps", ("v1",)),
    ("events.k8s.io", ("v1",)),
    ("authorization.k8s.io", ("v1",)),
    ("autoscaling", ("v2", "v1")),
    ("batch", ("v1",)),
    ("networking.k8s.io", ("v1", "v1beta1")),
    ("policy", ("v1",)),
    ("rbac.authorization.k8s.io", ("v1",)),
    ("storage.k8s.io", ("v1",)),
    ("coordination.k8s.io", ("v1",)),
    ("discovery.k8s.io", ("v1",)),
)


def by_group_version(group: str, version: str) -> list[ResourceInfo]:
    return [r for r in RESOURCES if r.group == group and r.version == version]


def lookup(group: str, version: str, plural: str) -> ResourceInfo | None:
    return next((r for r in RESOURCES
                 if r.group == group and r.version == version and r.plural == plural), None)


def for_kind(api_version: str, kind: str) -> ResourceInfo | None:
    group, _, version = api_version.rpartition("/")
    return next((r for r in RESOURCES
                 if r.group == group and r.version == version and r.kind == kind), None)


def storage_key_prefix(info: ResourceInfo) -> str:
    """`/registry/<group>/<resource>/`: where every version of a resource is kept.

    Core events and events.k8s.io events are one resource, stored once, as upstream does.
    """
    group = info.group
    if info.plural == "events" and group == "events.k8s.io":
        group = ""
    return f"/registry/{group or 'core'}/{info.plural}/"
