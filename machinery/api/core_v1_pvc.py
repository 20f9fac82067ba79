"""core/v1 PersistentVolumeClaim: a user's request for storage, bound to a PersistentVolume."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import (
    ResourceList, TypedLocalObjectReference, TypedObjectReference, VolumeResourceRequirements,
)
from machinery.api.meta_v1 import (
    ATOMIC_LIST, KubeList, KubeObject, LabelSelector, ObjectMeta, Time, list_map,
)


class PersistentVolumeClaimSpec(KubeModel):
    """The desired characteristics of a volume requested by a pod author."""
    access_modes: list[str] | None = Field(
        None, description="Desired access modes: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, "
        "ReadWriteOncePod.", json_schema_extra=ATOMIC_LIST)
    selector: LabelSelector | None = Field(
        None, description="A label query over volumes to consider for binding.")
    resources: VolumeResourceRequirements | None = Field(
        None, description="Minimum resources the volume should have, e.g. requests.storage.")
    volume_name: str | None = Field(
        None, description="Binding reference to the PersistentVolume backing this claim.")
    storage_class_name: str | None = Field(
        None, description="Name of the StorageClass required by the claim; \"\" means no class.")
    volume_mode: str | None = Field(
        None, description="Type of volume required: Filesystem (implied when unset) or Block.")
    data_source: TypedLocalObjectReference | None = Field(
        None, description="An existing VolumeSnapshot or PVC (or a populator object) to populate the "
        "new volume from.")
    data_source_ref: TypedObjectReference | None = Field(
        None, description="Object from which to populate the volume, possibly in another namespace; "
        "a superset of dataSource.")
    volume_attributes_class_name: str | None = Field(
        None, description="VolumeAttributesClass used by this claim.")


class PersistentVolumeClaimCondition(KubeModel):
    """Details about the state of a PVC."""
    type: str | None = Field(None, description="Type of the condition, e.g. Resizing.")
    status: str | None = Field(None, description="True, False or Unknown.")
    last_probe_time: Time | None = Field(None, description="Last time the condition was probed.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition went from one status to another.")
    reason: str | None = Field(None, description="Short machine-readable reason for the last transition.")
    message: str | None = Field(None, description="Human-readable details about the last transition.")


class ModifyVolumeStatus(KubeModel):
    """The status of a ControllerModifyVolume operation."""
    target_volume_attributes_class_name: str | None = Field(
        None, description="VolumeAttributesClass the PVC is being reconciled to.")
    status: str | None = Field(None, description="Pending, InProgress or Infeasible.")


class PersistentVolumeClaimStatus(KubeModel):
    """The current status of a persistent volume claim."""
    phase: str | None = Field(None, description="Current phase: Pending, Bound or Lost.")
    access_modes: list[str] | None = Field(
        None, description="Actual access modes of the backing volume.", json_schema_extra=ATOMIC_LIST)
    capacity: ResourceList | None = Field(None, description="Actual resources of the underlying volume.")
    conditions: list[PersistentVolumeClaimCondition] | None = Field(
        None, description="Current conditions; 'Resizing' while the volume is being resized.",
        json_schema_extra=list_map("type"))
    allocated_resources: ResourceList | None = Field(
        None, description="Resources allocated to the PVC, including its capacity (resize tracking).")
    allocated_resource_statuses: dict[str, str] | None = Field(
        None, description="Status of resources being resized, per resource name.",
        json_schema_extra={"x-kubernetes-map-type": "granular"})
    current_volume_attributes_class_name: str | None = Field(
        None, description="VolumeAttributesClass currently applied to the PVC.")
    modify_volume_status: ModifyVolumeStatus | None = Field(
        None, description="Status of a ControllerModifyVolume operation; unset when none is attempted.")


class PersistentVolumeClaim(KubeObject):
    """A user's request for and claim to a persistent volume."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "PersistentVolumeClaim")
    spec: PersistentVolumeClaimSpec | None = Field(
        None, description="Desired characteristics of the volume requested by a pod author.")
    status: PersistentVolumeClaimStatus | None = Field(
        None, description="Current status of the claim; read-only.")


class PersistentVolumeClaimList(KubeList):
    """A list of PersistentVolumeClaim items."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "PersistentVolumeClaimList")
    items: list[PersistentVolumeClaim] | None = Field(None, description="A list of persistent volume claims.")


class PersistentVolumeClaimTemplate(KubeModel):
    """Produces PersistentVolumeClaim objects as part of an ephemeral volume."""
    metadata: ObjectMeta | None = Field(
        None, description="Labels and annotations copied into the created PVC; nothing else is allowed.")
    spec: PersistentVolumeClaimSpec | None = Field(
        None, description="Spec copied unchanged into the PVC created from this template.")


__all__ = [
    "PersistentVolumeClaimSpec", "PersistentVolumeClaimCondition", "ModifyVolumeStatus",
    "PersistentVolumeClaimStatus", "PersistentVolumeClaim", "PersistentVolumeClaimList",
    "PersistentVolumeClaimTemplate",
]
