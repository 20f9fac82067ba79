"""core/v1 pod volumes: the Volume and the volume sources tinykube's kubelet and users rely on.

Cloud and legacy in-tree sources (gcePersistentDisk, rbd, iscsi, ...) are declared as free-form
objects: they are accepted and round-trip, but their inner fields are not typed.
"""
from __future__ import annotations

from typing import Any

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import (
    KeyToPath, LocalObjectReference, ObjectFieldSelector, Quantity, ResourceFieldSelector,
)
from machinery.api.core_v1_pvc import PersistentVolumeClaimTemplate
from machinery.api.meta_v1 import ATOMIC_LIST, LabelSelector


class EmptyDirVolumeSource(KubeModel):
    """An empty directory for a pod, living as long as the pod."""
    medium: str | None = Field(
        None, description="Storage medium backing the directory: \"\" (the node's default) or Memory.")
    size_limit: Quantity | None = Field(
        None, description="Total local storage the volume may use; exceeding it evicts the pod.")


class HostPathVolumeSource(KubeModel):
    """A file or directory on the host mapped into a pod."""
    path: str | None = Field(None, description="Path of the directory on the host; symlinks are followed.")
    type: str | None = Field(
        None, description="Check before mounting: \"\", DirectoryOrCreate, Directory, FileOrCreate, File, "
        "Socket, CharDevice or BlockDevice.")


class ConfigMapVolumeSource(KubeModel):
    """A ConfigMap presented as a volume: each data key becomes a file unless items are given."""
    name: str | None = Field(None, description="Name of the ConfigMap.")
    items: list[KeyToPath] | None = Field(
        None, description="Keys to project and their paths; unset means every key as a file of its name.",
        json_schema_extra=ATOMIC_LIST)
    default_mode: int | None = Field(
        None, description="Mode bits of created files by default (default 0644).")
    optional: bool | None = Field(None, description="Whether the ConfigMap or its keys must be defined.")


class SecretVolumeSource(KubeModel):
    """A Secret presented as a volume: each data key becomes a file unless items are given."""
    secret_name: str | None = Field(None, description="Name of the secret in the pod's namespace.")
    items: list[KeyToPath] | None = Field(
        None, description="Keys to project and their paths; unset means every key as a file of its name.",
        json_schema_extra=ATOMIC_LIST)
    default_mode: int | None = Field(
        None, description="Mode bits of created files by default (default 0644).")
    optional: bool | None = Field(None, description="Whether the Secret or its keys must be defined.")


class DownwardAPIVolumeFile(KubeModel):
    """A file holding one pod field or container resource."""
    path: str | None = Field(None, description="Required. Relative path of the file to create.")
    field_ref: ObjectFieldSelector | None = Field(
        None, description="A pod field: annotations, labels, name, namespace or uid.")
    resource_field_ref: ResourceFieldSelector | None = Field(
        None, description="A container resource limit or request, e.g. limits.cpu.")
    mode: int | None = Field(None, description="Mode bits of this file, 0000-0777.")


class DownwardAPIVolumeSource(KubeModel):
    """A volume containing downward API information."""
    items: list[DownwardAPIVolumeFile] | None = Field(
        None, description="Downward API volume files.", json_schema_extra=ATOMIC_LIST)
    default_mode: int | None = Field(
        None, description="Mode bits of created files by default (default 0644).")


class DownwardAPIProjection(KubeModel):
    """Downward API information projected into a projected volume."""
    items: list[DownwardAPIVolumeFile] | None = Field(
        None, description="Downward API volume files.", json_schema_extra=ATOMIC_LIST)


class ConfigMapProjection(KubeModel):
    """A ConfigMap projected into a projected volume."""
    name: str | None = Field(None, description="Name of the ConfigMap.")
    items: list[KeyToPath] | None = Field(
        None, description="Keys to project and their paths.", json_schema_extra=ATOMIC_LIST)
    optional: bool | None = Field(None, description="Whether the ConfigMap or its keys must be defined.")


class SecretProjection(KubeModel):
    """A Secret projected into a projected volume."""
    name: str | None = Field(None, description="Name of the Secret.")
    items: list[KeyToPath] | None = Field(
        None, description="Keys to project and their paths.", json_schema_extra=ATOMIC_LIST)
    optional: bool | None = Field(None, description="Whether the Secret or its keys must be defined.")


class ServiceAccountTokenProjection(KubeModel):
    """A projected service account token, refreshed by the kubelet before it expires."""
    audience: str | None = Field(
        None, description="Intended audience of the token; defaults to the api-server's identifier.")
    expiration_seconds: int | None = Field(
        None, description="Requested validity of the token (default 1 hour, at least 10 minutes).")
    path: str | None = Field(None, description="Path relative to the mount point of the token file.")


class ClusterTrustBundleProjection(KubeModel):
    """ClusterTrustBundle objects whose trust bundles are projected into a file."""
    name: str | None = Field(None, description="Select one ClusterTrustBundle by object name.")
    signer_name: str | None = Field(None, description="Select all ClusterTrustBundles of this signer name.")
    label_selector: LabelSelector | None = Field(
        None, description="Select ClusterTrustBundles by label; only with signerName.")
    optional: bool | None = Field(
        None, description="If true, do not block pod startup when none is available.")
    path: str | None = Field(None, description="Path relative to the volume root to write the bundle to.")


class VolumeProjection(KubeModel):
    """One source projected into a projected volume; exactly one field is set."""
    secret: SecretProjection | None = Field(None, description="Secret data to project.")
    downward_api: DownwardAPIProjection | None = Field(
        None, alias="downwardAPI", description="Downward API data to project.")
    config_map: ConfigMapProjection | None = Field(None, description="ConfigMap data to project.")
    service_account_token: ServiceAccountTokenProjection | None = Field(
        None, description="A service account token to project.")
    cluster_trust_bundle: ClusterTrustBundleProjection | None = Field(
        None, description="ClusterTrustBundle contents to project.")


class ProjectedVolumeSource(KubeModel):
    """Several volume sources projected into one directory."""
    sources: list[VolumeProjection] | None = Field(
        None, description="Volume projections, each handling one source.", json_schema_extra=ATOMIC_LIST)
    default_mode: int | None = Field(
        None, description="Mode bits of created files by default (default 0644).")


class PersistentVolumeClaimVolumeSource(KubeModel):
    """A reference to a PVC in the pod's namespace; the bound PV is mounted."""
    claim_name: str | None = Field(
        None, description="Name of a PersistentVolumeClaim in the pod's namespace.")
    read_only: bool | None = Field(None, description="Force read-only volume mounts (default false).")


class NFSVolumeSource(KubeModel):
    """An NFS mount that lasts the lifetime of a pod."""
    server: str | None = Field(None, description="Host name or IP address of the NFS server.")
    path: str | None = Field(None, description="Path exported by the NFS server.")
    read_only: bool | None = Field(None, description="Mount the export read-only (default false).")


class CSIVolumeSource(KubeModel):
    """A volume managed by an external CSI driver (inline ephemeral CSI volume)."""
    driver: str | None = Field(None, description="Name of the CSI driver handling this volume.")
    read_only: bool | None = Field(
        None, description="Read-only configuration for the volume (default false).")
    fs_type: str | None = Field(
        None, description="Filesystem type to mount, e.g. ext4; the driver decides if empty.")
    volume_attributes: dict[str, str] | None = Field(
        None, description="Driver-specific properties passed to the CSI driver.")
    node_publish_secret_ref: LocalObjectReference | None = Field(
        None, description="Secret with sensitive information for NodePublishVolume calls.")


class EphemeralVolumeSource(KubeModel):
    """An ephemeral volume handled by a normal storage driver through a per-pod PVC."""
    volume_claim_template: PersistentVolumeClaimTemplate | None = Field(
        None, description="Template of the stand-alone PVC created for the pod (named <pod>-<volume>) and "
        "deleted with it.")


class ImageVolumeSource(KubeModel):
    """An OCI image or artifact mounted as a read-only volume."""
    reference: str | None = Field(None, description="Image or artifact reference, as in a container's image.")
    pull_policy: str | None = Field(None, description="Always, Never or IfNotPresent.")


class InTreeVolumeSources(KubeModel):
    """Deprecated or cloud-specific in-tree volume sources, kept as untyped objects."""
    gce_persistent_disk: dict[str, Any] | None = Field(None, description="Deprecated: a GCE persistent disk.")
    aws_elastic_block_store: dict[str, Any] | None = Field(None, description="Deprecated: an AWS EBS disk.")
    glusterfs: dict[str, Any] | None = Field(None, description="Removed: a Glusterfs mount.")
    iscsi: dict[str, Any] | None = Field(None, description="An iSCSI disk attached to the host.")
    rbd: dict[str, Any] | None = Field(None, description="Deprecated: a Rados Block Device mount.")
    flex_volume: dict[str, Any] | None = Field(None, description="Deprecated: a FlexVolume driver volume.")
    cinder: dict[str, Any] | None = Field(None, description="Deprecated: an OpenStack Cinder volume.")
    cephfs: dict[str, Any] | None = Field(None, description="Deprecated: a Ceph FS mount.")
    flocker: dict[str, Any] | None = Field(None, description="Deprecated: a Flocker volume.")
    fc: dict[str, Any] | None = Field(None, description="A Fibre Channel resource attached to the host.")
    azure_file: dict[str, Any] | None = Field(None, description="Deprecated: an Azure File Service mount.")
    vsphere_volume: dict[str, Any] | None = Field(None, description="Deprecated: a vSphere volume.")
    quobyte: dict[str, Any] | None = Field(None, description="Deprecated: a Quobyte mount.")
    azure_disk: dict[str, Any] | None = Field(None, description="Deprecated: an Azure Data Disk.")
    photon_persistent_disk: dict[str, Any] | None = Field(
        None, description="Deprecated: a PhotonController persistent disk.")
    portworx_volume: dict[str, Any] | None = Field(None, description="Deprecated: a Portworx volume.")
    scale_io: dict[str, Any] | None = Field(
        None, alias="scaleIO", description="Deprecated: a ScaleIO persistent volume.")
    storageos: dict[str, Any] | None = Field(None, description="Deprecated: a StorageOS volume.")


class Volume(InTreeVolumeSources):
    """A named volume in a pod that any container of the pod may mount; one source field is set."""
    name: str | None = Field(None, description="Name of the volume, a DNS_LABEL unique within the pod.")
    host_path: HostPathVolumeSource | None = Field(
        None, description="A file or directory on the host; for privileged system agents.")
    empty_dir: EmptyDirVolumeSource | None = Field(
        None, description="A temporary directory that shares the pod's lifetime.")
    secret: SecretVolumeSource | None = Field(None, description="A Secret that populates this volume.")
    nfs: NFSVolumeSource | None = Field(None, description="An NFS mount on the host shared with the pod.")
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = Field(
        None, description="A PersistentVolumeClaim in the same namespace.")
    downward_api: DownwardAPIVolumeSource | None = Field(
        None, alias="downwardAPI", description="Downward API information about the pod.")
    config_map: ConfigMapVolumeSource | None = Field(
        None, description="A ConfigMap that populates this volume.")
    projected: ProjectedVolumeSource | None = Field(
        None, description="Items for secrets, configmaps, downward API and service account tokens.")
    csi: CSIVolumeSource | None = Field(None, description="Ephemeral storage handled by a CSI driver.")
    ephemeral: EphemeralVolumeSource | None = Field(
        None, description="A volume from a per-pod PVC handled by a cluster storage driver.")
    image: ImageVolumeSource | None = Field(None, description="An OCI object pulled and mounted read-only.")
    git_repo: dict[str, Any] | None = Field(None, description="Deprecated: a git repository at a revision.")


__all__ = [
    "EmptyDirVolumeSource", "HostPathVolumeSource", "ConfigMapVolumeSource", "SecretVolumeSource",
    "DownwardAPIVolumeFile", "DownwardAPIVolumeSource", "DownwardAPIProjection", "ConfigMapProjection",
    "SecretProjection", "ServiceAccountTokenProjection", "ClusterTrustBundleProjection",
    "VolumeProjection", "ProjectedVolumeSource", "PersistentVolumeClaimVolumeSource", "NFSVolumeSource",
    "CSIVolumeSource", "EphemeralVolumeSource", "ImageVolumeSource", "InTreeVolumeSources", "Volume",
]
