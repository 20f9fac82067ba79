"""How each field of each built-in kind patches and is owned: the `patchStrategy` /
`patchMergeKey` struct tags and the `+listType` / `+listMapKey` / `+structType` markers of
k8s.io/api, encoded as a table.

A field is addressed by its *field path*: the field names from the object root with list
elements skipped (`spec.template.spec.containers.ports`). Shared structures (PodSpec,
Container, ObjectMeta) are written once and mounted under each kind that embeds them. Fields
missing from the table behave as upstream's untagged fields: maps merge, lists are replaced
(strategic merge patch) or atomic (server-side apply). Unknown kinds get an empty table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class FieldMeta:
    # strategic merge patch: "merge" (lists merge on merge_key; primitive lists union) or
    # "replace" (maps are replaced whole); retain_keys: the field also carries `retainKeys`.
    patch_strategy: str = ""
    merge_key: str = ""
    retain_keys: bool = False
    # server-side apply: lists are "map" (items keyed by map_keys), "set" or "atomic".
    list_type: str = "atomic"
    map_keys: tuple[str, ...] = ()
    key_defaults: tuple[tuple[str, Any], ...] = ()
    atomic: bool = False            # a map/struct owned as a whole (+structType/+mapType=atomic)
    element_atomic: bool = False    # the items of a map list are owned whole (atomic structs)

    def key_default(self, name: str) -> Any:
        return dict(self.key_defaults).get(name)


DEFAULT = FieldMeta()
ATOMIC = FieldMeta(atomic=True)
REPLACE_ATOMIC = FieldMeta(patch_strategy="replace", atomic=True)
MERGE_SET = FieldMeta(patch_strategy="merge", list_type="set")


def keyed(merge_key: str, *map_keys: str, smp: bool = True, retain: bool = False,
          defaults: dict[str, Any] | None = None, element_atomic: bool = False) -> FieldMeta:
    """A list merged on `merge_key` by SMP and owned per item keyed by `map_keys` by SSA."""
    return FieldMeta(patch_strategy="merge" if smp else "", merge_key=merge_key if smp else "",
                     retain_keys=retain, list_type="map", map_keys=map_keys or (merge_key,),
                     key_defaults=tuple((defaults or {}).items()),
                     element_atomic=element_atomic)


def smp_only(merge_key: str) -> FieldMeta:
    """Merged on a key by SMP but atomic for SSA (e.g. PodStatus.hostIPs, JobStatus.conditions)."""
    return FieldMeta(patch_strategy="merge", merge_key=merge_key)


Table = dict[str, FieldMeta]
CONDITIONS: Table = {"conditions": keyed("type")}
TCP = {"protocol": "TCP"}


def mount(prefix: str, table: Table) -> Table:
    return {f"{prefix}.{path}" if prefix else path: meta for path, meta in table.items()}


OBJECT_META: Table = {
    "ownerReferences": keyed("uid", element_atomic=True),   # OwnerReference: structType=atomic
    "finalizers": MERGE_SET,
}

_ENV_VALUE_FROM: Table = {
    f"valueFrom.{ref}": ATOMIC
    for ref in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
}

CONTAINER: Table = {
    "ports": keyed("containerPort", "containerPort", "protocol", defaults=TCP),
    "env": keyed("name"),
    **mount("env", _ENV_VALUE_FROM),
    "volumeMounts": keyed("mountPath"),
    "volumeDevices": keyed("devicePath"),
    "resources.claims": keyed("name", smp=False),
}

_NODE_SELECTOR = "requiredDuringSchedulingIgnoredDuringExecution"

POD_SPEC: Table = {
    "volumes": keyed("name", retain=True),
    **{f"{c}": keyed("name") for c in ("initContainers", "containers", "ephemeralContainers")},
    **mount("initContainers", CONTAINER),
    **mount("containers", CONTAINER),
    **mount("ephemeralContainers", CONTAINER),
    "imagePullSecrets": keyed("name", element_atomic=True),   # LocalObjectReference
    "hostAliases": keyed("ip"),
    "topologySpreadConstraints": keyed("topologyKey", "topologyKey", "whenUnsatisfiable"),
    "topologySpreadConstraints.labelSelector": ATOMIC,
    "schedulingGates": keyed("name"),
    "resourceClaims": keyed("name", retain=True),
    "nodeSelector": ATOMIC,
    f"affinity.nodeAffinity.{_NODE_SELECTOR}": ATOMIC,
    "affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution.labelSelector": ATOMIC,
    "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.labelSelector":
        ATOMIC,
}

POD_STATUS: Table = {
    **CONDITIONS,
    "podIPs": keyed("ip"),
    "hostIPs": smp_only("ip"),
    "resourceClaimStatuses": keyed("name", retain=True),
}


def _template(prefix: str) -> Table:
    """A PodTemplateSpec mounted at `prefix`."""
    return {**mount(f"{prefix}.metadata", OBJECT_META), **mount(f"{prefix}.spec", POD_SPEC)}


_WORKLOAD: Table = {
    "spec.selector": ATOMIC,                 # metav1.LabelSelector: structType=atomic
    **_template("spec.template"),
    **mount("status", CONDITIONS),
}

_CRONJOB_JOB = "spec.jobTemplate"

KINDS: dict[str, Table] = {
    "Pod": {**mount("spec", POD_SPEC), **mount("status", POD_STATUS)},
    "PodTemplate": _template("template"),
    "ReplicationController": {**_template("spec.template"), **mount("status", CONDITIONS),
                              "spec.selector": ATOMIC},
    "Deployment": {**_WORKLOAD, "spec.strategy": FieldMeta(retain_keys=True)},
    "ReplicaSet": _WORKLOAD,
    "DaemonSet": _WORKLOAD,
    "StatefulSet": _WORKLOAD,             # volumeClaimTemplates: atomic, replaced whole
    "Job": {"spec.selector": ATOMIC, **_template("spec.template"),
            "status.conditions": smp_only("type")},
    "CronJob": {**mount(f"{_CRONJOB_JOB}.metadata", OBJECT_META),
                f"{_CRONJOB_JOB}.spec.selector": ATOMIC,
                **_template(f"{_CRONJOB_JOB}.spec.template")},
    "Service": {"spec.ports": keyed("port", "port", "protocol", defaults=TCP),
                "spec.selector": ATOMIC, **mount("status", CONDITIONS)},
    # spec.taints carries no patch tags upstream (listType=atomic): replaced whole.
    "Node": {"spec.podCIDRs": MERGE_SET, **mount("status", CONDITIONS),
             "status.addresses": keyed("type")},
    "Namespace": mount("status", CONDITIONS),
    "PersistentVolumeClaim": {"spec.selector": ATOMIC, "spec.dataSource": ATOMIC,
                              **mount("status", CONDITIONS)},
    "PersistentVolume": {"spec.claimRef": ATOMIC, "spec.nodeAffinity.required": ATOMIC},
    "ServiceAccount": {"secrets": keyed("name", element_atomic=True)},
    "HorizontalPodAutoscaler": mount("status", CONDITIONS),
    "PodDisruptionBudget": {"spec.selector": REPLACE_ATOMIC, **mount("status", CONDITIONS)},
    "RoleBinding": {"roleRef": ATOMIC},
    "ClusterRoleBinding": {"roleRef": ATOMIC},
}


@dataclass(frozen=True)
class Schema:
    """The patch metadata of one kind, looked up by field path (a tuple of field names)."""
    kind: str
    fields: dict[tuple[str, ...], FieldMeta] = field(default_factory=dict)

    def at(self, path: tuple[str, ...]) -> FieldMeta:
        return self.fields.get(path, DEFAULT)


@lru_cache(maxsize=None)
def schema_for(kind: str, api_version: str = "") -> Schema:
    """The table for `kind`. Every object's metadata is an ObjectMeta, custom resources'
    included, so ownerReferences and finalizers keep their semantics for unknown kinds too.
    `api_version` is accepted for kinds whose versions differ (none do among ours)."""
    full = {**mount("metadata", OBJECT_META), **KINDS.get(kind, {})}
    return Schema(kind, {tuple(path.split(".")): meta for path, meta in full.items()})
