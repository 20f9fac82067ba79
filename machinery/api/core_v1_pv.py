"""core/v1 PersistentVolume: a piece of storage provisioned by an administrator or a provisioner."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import ObjectReference, ResourceList, SecretReference
from machinery.api.core_v1_scheduling import NodeSelector
from machinery.api.core_v1_volume import HostPathVolumeSource, InTreeVolumeSources, NFSVolumeSource
from machinery.api.meta_v1 import ATOMIC_LIST, KubeList, KubeObject, Time


class LocalVolumeSource(KubeModel):
    """Directly-attached storage with node affinity."""
    path: str | None = Field(
        None, description="Full path of the volume on the node: a directory or block device.")
    fs_type: str | None = Field(
        None, description="Filesystem type to mount when path is a block device; auto-detected if unset.")


class CSIPersistentVolumeSource(KubeModel):
    """Storage managed by an external CSI volume driver."""
    driver: str | None = Field(None, description="Name of the driver for this volume. Required.")
    volume_handle: str | None = Field(
        None, description="Unique volume name returned by the driver's CreateVolume. Required.")
    read_only: bool | None = Field(None, description="Read-only value passed to ControllerPublishVolume.")
    fs_type: str | None = Field(None, description="Filesystem type to mount, e.g. ext4.")
    volume_attributes: dict[str, str] | None = Field(None, description="Attributes of the volume to publish.")
    controller_publish_secret_ref: SecretReference | None = Field(
        None, description="Secret passed to ControllerPublishVolume and ControllerUnpublishVolume.")
    node_stage_secret_ref: SecretReference | None = Field(
        None, description="Secret passed to NodeStageVolume, NodeUnstageVolume and NodeExpandVolume.")
    node_publish_secret_ref: SecretReference | None = Field(
        None, description="Secret passed to NodePublishVolume.")
    controller_expand_secret_ref: SecretReference | None = Field(
        None, description="Secret passed to ControllerExpandVolume.")
    node_expand_secret_ref: SecretReference | None = Field(
        None, description="Secret passed to NodeExpandVolume.")


class VolumeNodeAffinity(KubeModel):
    """Constraints on the nodes a volume can be accessed from."""
    required: NodeSelector | None = Field(None, description="Hard node constraints that must be met.")


class PersistentVolumeSpec(InTreeVolumeSources):
    """The specification of a persistent volume; exactly one volume source is set."""
    capacity: ResourceList | None = Field(
        None, description="Resources and capacity of the volume, e.g. storage.")
    host_path: HostPathVolumeSource | None = Field(
        None, description="A directory on the host; single-node testing only.")
    nfs: NFSVolumeSource | None = Field(None, description="An NFS mount on the host.")
    local: LocalVolumeSource | None = Field(None, description="Directly-attached storage with node affinity.")
    csi: CSIPersistentVolumeSource | None = Field(
        None, description="Storage handled by an external CSI driver.")
    access_modes: list[str] | None = Field(
        None, description="All ways the volume can be mounted.", json_schema_extra=ATOMIC_LIST)
    claim_ref: ObjectReference | None = Field(
        None, description="The claim bound to this volume (one side of the bidirectional binding).")
    persistent_volume_reclaim_policy: str | None = Field(
        None, description="What happens when released from its claim: Retain (default for manual "
        "volumes), Delete (default for provisioned ones) or Recycle (deprecated).")
    storage_class_name: str | None = Field(
        None, description="StorageClass this volume belongs to; empty means none.")
    mount_options: list[str] | None = Field(
        None, description="Mount options, e.g. [\"ro\", \"soft\"]; not validated.",
        json_schema_extra=ATOMIC_LIST)
    volume_mode: str | None = Field(
        None, description="Filesystem (implied when unset) or Block.")
    node_affinity: VolumeNodeAffinity | None = Field(
        None, description="Nodes this volume can be accessed from; influences scheduling of its pods.")
    volume_attributes_class_name: str | None = Field(
        None, description="VolumeAttributesClass this volume belongs to.")


class PersistentVolumeStatus(KubeModel):
    """The current status of a persistent volume."""
    phase: str | None = Field(
        None, description="Pending, Available, Bound, Released or Failed.")
    message: str | None = Field(None, description="Human-readable reason why the volume is in this state.")
    reason: str | None = Field(None, description="Brief CamelCase reason of a failure.")
    last_phase_transition_time: Time | None = Field(
        None, description="Time the phase last changed.")


class PersistentVolume(KubeObject):
    """A storage resource provisioned by an administrator, analogous to a node."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "PersistentVolume")
    spec: PersistentVolumeSpec | None = Field(
        None, description="Specification of the volume, owned by the cluster.")
    status: PersistentVolumeStatus | None = Field(
        None, description="Current status of the volume; set by the system, read-only.")


class PersistentVolumeList(KubeList):
    """A list of PersistentVolume items."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "PersistentVolumeList")
    items: list[PersistentVolume] | None = Field(None, description="List of persistent volumes.")


__all__ = [
    "LocalVolumeSource", "CSIPersistentVolumeSource", "VolumeNodeAffinity", "PersistentVolumeSpec",
    "PersistentVolumeStatus", "PersistentVolume", "PersistentVolumeList",
]
