"""apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision.

Mirrors `k8s.io/api/apps/v1/types.go`. Every field is optional so that partial objects (patches,
objects not yet defaulted) round-trip unchanged.
"""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1 import IntOrString, PersistentVolumeClaim, PodTemplateSpec
from machinery.api.meta_v1 import LabelSelector, ListMeta, ObjectMeta, Time, patch_merge


_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."
_METADATA = "Standard object's metadata."
_LIST_METADATA = "Standard list metadata."


# --- Deployment -------------------------------------------------------------------------------

class RollingUpdateDeployment(KubeModel):
    """Controls the desired behaviour of a rolling update."""
    max_unavailable: IntOrString | None = Field(
        None, description="Maximum number (or percentage, rounded down) of pods that can be "
        "unavailable during the update. Defaults to 25%.")
    max_surge: IntOrString | None = Field(
        None, description="Maximum number (or percentage, rounded up) of pods that can be created "
        "over the desired number of pods. Defaults to 25%.")


class DeploymentStrategy(KubeModel):
    """How to replace existing pods with new ones."""
    type: str | None = Field(
        None, description="Type of deployment: \"Recreate\" or \"RollingUpdate\" (the default).")
    rolling_update: RollingUpdateDeployment | None = Field(
        None, description="Rolling update config parameters; present only if type is RollingUpdate.")


class DeploymentSpec(KubeModel):
    """The desired behaviour of a Deployment."""
    replicas: int | None = Field(
        None, description="Number of desired pods. Defaults to 1.")
    selector: LabelSelector | None = Field(
        None, description="Label selector for pods; must match the pod template's labels and is "
        "immutable once set.")
    template: PodTemplateSpec | None = Field(
        None, description="Template describing the pods that will be created; its restartPolicy must "
        "be Always.")
    strategy: DeploymentStrategy | None = Field(
        None, description="The deployment strategy used to replace existing pods with new ones.",
        json_schema_extra={"x-kubernetes-patch-strategy": "retainKeys"})
    min_ready_seconds: int | None = Field(
        None, description="Minimum seconds a new pod must be ready, without any container crashing, to "
        "count as available. Defaults to 0.")
    revision_history_limit: int | None = Field(
        None, description="Number of old ReplicaSets kept to allow rollback. Defaults to 10.")
    paused: bool | None = Field(None, description="Indicates that the deployment is paused.")
    progress_deadline_seconds: int | None = Field(
        None, description="Maximum seconds for the deployment to make progress before it is reported "
        "as failed (condition Progressing=False, reason ProgressDeadlineExceeded). Defaults to 600.")


class DeploymentCondition(KubeModel):
    """The state of a deployment at a certain point."""
    type: str | None = Field(None, description="Type of deployment condition: Available, Progressing "
                             "or ReplicaFailure.")
    status: str | None = Field(None, description="Status of the condition: True, False or Unknown.")
    last_update_time: Time | None = Field(
        None, description="The last time this condition was updated.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition transitioned from one status to another.")
    reason: str | None = Field(None, description="The reason for the condition's last transition.")
    message: str | None = Field(None, description="Human readable details about the transition.")


class DeploymentStatus(KubeModel):
    """The most recently observed status of a Deployment."""
    observed_generation: int | None = Field(
        None, description="The generation observed by the deployment controller.")
    replicas: int | None = Field(
        None, description="Total number of non-terminating pods targeted by this deployment.")
    updated_replicas: int | None = Field(
        None, description="Non-terminating pods that have the desired template spec.")
    ready_replicas: int | None = Field(
        None, description="Non-terminating pods targeted by this deployment with a Ready condition.")
    available_replicas: int | None = Field(
        None, description="Pods targeted by this deployment that have been ready for minReadySeconds.")
    unavailable_replicas: int | None = Field(
        None, description="Pods still required for the deployment to have 100% available capacity.")
    terminating_replicas: int | None = Field(
        None, description="Terminating pods targeted by this deployment (alpha).")
    conditions: list[DeploymentCondition] | None = Field(
        None, description="The latest available observations of the deployment's current state.",
        json_schema_extra={**patch_merge("type"), "x-kubernetes-list-type": "map",
                           "x-kubernetes-list-map-keys": ["type"]})
    collision_count: int | None = Field(
        None, description="Count of hash collisions for the Deployment, used to build a unique name "
        "for the newest ReplicaSet.")


class Deployment(KubeModel):
    """Enables declarative updates for Pods and ReplicaSets."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "Deployment")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    spec: DeploymentSpec | None = Field(
        None, description="Specification of the desired behaviour of the Deployment.")
    status: DeploymentStatus | None = Field(
        None, description="Most recently observed status of the Deployment.")


class DeploymentList(KubeModel):
    """A list of Deployments."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "DeploymentList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[Deployment] | None = Field(None, description="The list of Deployments.")


# --- ReplicaSet -------------------------------------------------------------------------------

class ReplicaSetSpec(KubeModel):
    """The specification of a ReplicaSet."""
    replicas: int | None = Field(
        None, description="Number of desired pods. Defaults to 1.")
    min_ready_seconds: int | None = Field(
        None, description="Minimum seconds a new pod must be ready, without any container crashing, to "
        "count as available. Defaults to 0.")
    selector: LabelSelector | None = Field(
        None, description="Label query over pods that should match the replica count; must match the "
        "pod template's labels.")
    template: PodTemplateSpec | None = Field(
        None, description="The object that describes the pod created when too few replicas are found.")


class ReplicaSetCondition(KubeModel):
    """The state of a replica set at a certain point."""
    type: str | None = Field(None, description="Type of replica set condition, e.g. ReplicaFailure.")
    status: str | None = Field(None, description="Status of the condition: True, False or Unknown.")
    last_transition_time: Time | None = Field(
        None, description="The last time the condition transitioned from one status to another.")
    reason: str | None = Field(None, description="The reason for the condition's last transition.")
    message: str | None = Field(None, description="Human readable details about the transition.")


class ReplicaSetStatus(KubeModel):
    """The current status of a ReplicaSet."""
    replicas: int | None = Field(
        None, description="The most recently observed number of non-terminating replicas.")
    fully_labeled_replicas: int | None = Field(
        None, description="Non-terminating pods whose labels match the ReplicaSet's pod template labels.")
    ready_replicas: int | None = Field(
        None, description="Non-terminating pods targeted by this ReplicaSet with a Ready condition.")
    available_replicas: int | None = Field(
        None, description="Pods targeted by this ReplicaSet that have been ready for minReadySeconds.")
    terminating_replicas: int | None = Field(
        None, description="Terminating pods targeted by this ReplicaSet (alpha).")
    observed_generation: int | None = Field(
        None, description="The generation of the most recently observed ReplicaSet.")
    conditions: list[ReplicaSetCondition] | None = Field(
        None, description="The latest available observations of the replica set's current state.",
        json_schema_extra={**patch_merge("type"), "x-kubernetes-list-type": "map",
                           "x-kubernetes-list-map-keys": ["type"]})


class ReplicaSet(KubeModel):
    """Ensures that a specified number of pod replicas are running at any given time."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "ReplicaSet")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(
        None, description="The object's metadata; its labels may match the replicated pods'.")
    spec: ReplicaSetSpec | None = Field(
        None, description="The specification of the desired behaviour of the ReplicaSet.")
    status: ReplicaSetStatus | None = Field(
        None, description="The most recently observed status of the ReplicaSet.")


class ReplicaSetList(KubeModel):
    """A collection of ReplicaSets."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "ReplicaSetList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[ReplicaSet] | None = Field(None, description="The list of ReplicaSets.")


# --- StatefulSet ------------------------------------------------------------------------------

class RollingUpdateStatefulSetStrategy(KubeModel):
    """Parameters of the StatefulSet RollingUpdate strategy."""
    partition: int | None = Field(
        None, description="Ordinal at which to partition the update: pods with an ordinal at least "
        "this value are updated, the others keep their revision. Defaults to 0.")
    max_unavailable: IntOrString | None = Field(
        None, description="Maximum number (or percentage, rounded down) of pods that can be "
        "unavailable during the update. Defaults to 1 (beta).")


class StatefulSetUpdateStrategy(KubeModel):
    """How the StatefulSet controller performs updates."""
    type: str | None = Field(
        None, description="Type of update strategy: RollingUpdate (the default) or OnDelete.")
    rolling_update: RollingUpdateStatefulSetStrategy | None = Field(
        None, description="Parameters used when type is RollingUpdate.")


class StatefulSetPersistentVolumeClaimRetentionPolicy(KubeModel):
    """What happens to PVCs created from volumeClaimTemplates."""
    when_deleted: str | None = Field(
        None, description="What happens to the PVCs when the StatefulSet is deleted: Retain (the "
        "default) or Delete.")
    when_scaled: str | None = Field(
        None, description="What happens to the PVCs when the StatefulSet is scaled down: Retain (the "
        "default) or Delete.")


class StatefulSetOrdinals(KubeModel):
    """The port of replica ordinals of a StatefulSet."""
    start: int | None = Field(
        None, description="The number of the first replica index; replicas are numbered "
        "[start, start+replicas). Defaults to 0.")


class StatefulSetSpec(KubeModel):
    """The specification of a StatefulSet."""
    replicas: int | None = Field(
        None, description="Desired number of replicas of the template. Defaults to 1.")
    selector: LabelSelector | None = Field(
        None, description="Label query over pods that should match the replica count; must match the "
        "pod template's labels.")
    template: PodTemplateSpec | None = Field(
        None, description="The object that describes the pod created for each replica; each pod gets "
        "a unique identity from the rest of the StatefulSet.")
    volume_claim_templates: list[PersistentVolumeClaim] | None = Field(
        None, description="Claims that pods may reference; each replica gets its own claim, named "
        "after the template and the pod.", json_schema_extra={"x-kubernetes-list-type": "atomic"})
    service_name: str | None = Field(
        None, description="Name of the service that governs this StatefulSet and gives its pods their "
        "network identity.")
    pod_management_policy: str | None = Field(
        None, description="How pods are created during initial scale up, replaced or scaled down: "
        "OrderedReady (the default) or Parallel.")
    update_strategy: StatefulSetUpdateStrategy | None = Field(
        None, description="The strategy used to update pods when the template changes.")
    revision_history_limit: int | None = Field(
        None, description="Maximum number of revisions kept in the revision history. Defaults to 10.")
    min_ready_seconds: int | None = Field(
        None, description="Minimum seconds a new pod must be ready, without any container crashing, to "
        "count as available. Defaults to 0.")
    persistent_volume_claim_retention_policy: StatefulSetPersistentVolumeClaimRetentionPolicy | None = Field(
        None, description="Lifecycle of PVCs created from volumeClaimTemplates; by default they are "
        "always retained.")
    ordinals: StatefulSetOrdinals | None = Field(
        None, description="Controls the numbering of replica indices. Defaults to starting at 0.")


class StatefulSetCondition(KubeModel):
    """The state of a statefulset at a certain point."""
    type: str | None = Field(None, description="Type of statefulset condition.")
    status: str | None = Field(None, description="Status of the condition: True, False or Unknown.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition transitioned from one status to another.")
    reason: str | None = Field(None, description="The reason for the condition's last transition.")
    message: str | None = Field(None, description="Human readable details about the transition.")


class StatefulSetStatus(KubeModel):
    """The current state of a StatefulSet."""
    observed_generation: int | None = Field(
        None, description="The most recent generation observed for this StatefulSet.")
    replicas: int | None = Field(
        None, description="Number of pods created by the StatefulSet controller.")
    ready_replicas: int | None = Field(
        None, description="Pods created for this StatefulSet with a Ready condition.")
    current_replicas: int | None = Field(
        None, description="Pods created from the StatefulSet version indicated by currentRevision.")
    updated_replicas: int | None = Field(
        None, description="Pods created from the StatefulSet version indicated by updateRevision.")
    current_revision: str | None = Field(
        None, description="Version of the StatefulSet used to generate pods in [0, currentReplicas).")
    update_revision: str | None = Field(
        None, description="Version of the StatefulSet used to generate pods in "
        "[replicas-updatedReplicas, replicas).")
    collision_count: int | None = Field(
        None, description="Count of hash collisions, used to build a unique ControllerRevision name.")
    conditions: list[StatefulSetCondition] | None = Field(
        None, description="The latest available observations of the statefulset's current state.",
        json_schema_extra={**patch_merge("type"), "x-kubernetes-list-type": "map",
                           "x-kubernetes-list-map-keys": ["type"]})
    available_replicas: int | None = Field(
        None, description="Pods targeted by this StatefulSet that have been ready for minReadySeconds.")


class StatefulSet(KubeModel):
    """Maintains a set of pods with consistent identities: stable hostnames and stable storage
    that each pod keeps across rescheduling."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "StatefulSet")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    spec: StatefulSetSpec | None = Field(
        None, description="The desired identities of pods in this set.")
    status: StatefulSetStatus | None = Field(
        None, description="The current status of pods in this StatefulSet; may lag the spec.")


class StatefulSetList(KubeModel):
    """A collection of StatefulSets."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "StatefulSetList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[StatefulSet] | None = Field(None, description="The list of StatefulSets.")


# --- DaemonSet --------------------------------------------------------------------------------

class RollingUpdateDaemonSet(KubeModel):
    """Controls the desired behaviour of a daemon set rolling update."""
    max_unavailable: IntOrString | None = Field(
        None, description="Maximum number (or percentage) of nodes with an existing daemon pod that "
        "can be unavailable during the update. Defaults to 1.")
    max_surge: IntOrString | None = Field(
        None, description="Maximum number (or percentage) of nodes that may run an updated daemon pod "
        "alongside the old one during the update. Defaults to 0.")


class DaemonSetUpdateStrategy(KubeModel):
    """How the DaemonSet controller replaces daemon pods."""
    type: str | None = Field(
        None, description="Type of daemon set update: RollingUpdate (the default) or OnDelete.")
    rolling_update: RollingUpdateDaemonSet | None = Field(
        None, description="Rolling update config parameters; present only if type is RollingUpdate.")


class DaemonSetSpec(KubeModel):
    """The specification of a daemon set."""
    selector: LabelSelector | None = Field(
        None, description="Label query over pods managed by the daemon set; must match the pod "
        "template's labels.")
    template: PodTemplateSpec | None = Field(
        None, description="The object that describes the pod created on every eligible node; its "
        "restartPolicy must be Always.")
    update_strategy: DaemonSetUpdateStrategy | None = Field(
        None, description="The strategy used to replace existing DaemonSet pods with new ones.")
    min_ready_seconds: int | None = Field(
        None, description="Minimum seconds a new daemon pod must be ready, without any container "
        "crashing, to count as available. Defaults to 0.")
    revision_history_limit: int | None = Field(
        None, description="Number of old history entries kept to allow rollback. Defaults to 10.")


class DaemonSetCondition(KubeModel):
    """The state of a DaemonSet at a certain point."""
    type: str | None = Field(None, description="Type of DaemonSet condition.")
    status: str | None = Field(None, description="Status of the condition: True, False or Unknown.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition transitioned from one status to another.")
    reason: str | None = Field(None, description="The reason for the condition's last transition.")
    message: str | None = Field(None, description="Human readable details about the transition.")


class DaemonSetStatus(KubeModel):
    """The current status of a daemon set."""
    current_number_scheduled: int | None = Field(
        None, description="Nodes running at least one daemon pod that are supposed to run it.")
    number_misscheduled: int | None = Field(
        None, description="Nodes running the daemon pod that are not supposed to run it.")
    desired_number_scheduled: int | None = Field(
        None, description="Total number of nodes that should be running the daemon pod.")
    number_ready: int | None = Field(
        None, description="Nodes that should run the daemon pod and have one or more of it running "
        "with a Ready condition.")
    observed_generation: int | None = Field(
        None, description="The most recent generation observed by the daemon set controller.")
    updated_number_scheduled: int | None = Field(
        None, description="Total number of nodes running an updated daemon pod.")
    number_available: int | None = Field(
        None, description="Nodes that should run the daemon pod and have one available for "
        "minReadySeconds.")
    number_unavailable: int | None = Field(
        None, description="Nodes that should run the daemon pod and have none available.")
    collision_count: int | None = Field(
        None, description="Count of hash collisions, used to build a unique ControllerRevision name.")
    conditions: list[DaemonSetCondition] | None = Field(
        None, description="The latest available observations of the DaemonSet's current state.",
        json_schema_extra={**patch_merge("type"), "x-kubernetes-list-type": "map",
                           "x-kubernetes-list-map-keys": ["type"]})


class DaemonSet(KubeModel):
    """The configuration of a daemon set: a pod that runs on every eligible node."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "DaemonSet")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    spec: DaemonSetSpec | None = Field(
        None, description="The desired behaviour of this daemon set.")
    status: DaemonSetStatus | None = Field(
        None, description="The current status of this daemon set; may lag the spec.")


class DaemonSetList(KubeModel):
    """A collection of daemon sets."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "DaemonSetList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[DaemonSet] | None = Field(None, description="The list of daemon sets.")


# --- ControllerRevision -----------------------------------------------------------------------

class ControllerRevision(KubeModel):
    """An immutable snapshot of state data, used by DaemonSet and StatefulSet controllers for
    update and rollback."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "ControllerRevision")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    data: dict[str, Any] | None = Field(
        None, description="The serialized representation of the state (any JSON object).",
        json_schema_extra={"x-kubernetes-preserve-unknown-fields": True})
    revision: int | None = Field(
        None, description="The revision of the state represented by data.")


class ControllerRevisionList(KubeModel):
    """A resource containing a list of ControllerRevision objects."""
    GVK: ClassVar[tuple[str, str, str]] = ("apps", "v1", "ControllerRevisionList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[ControllerRevision] | None = Field(
        None, description="The list of ControllerRevisions.")
