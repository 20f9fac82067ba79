"""storage.k8s.io/v1: StorageClass.

Mirrors `k8s.io/api/storage/v1/types.go`. Every field is optional so that partial objects
round-trip.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ATOMIC_LIST, ListMeta, ObjectMeta

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class TopologySelectorLabelRequirement(KubeModel):
    """A topology selector requirement: a label key and the values it may take (core/v1)."""
    key: str | None = Field(None, description="The label key the selector applies to.")
    values: list[str] | None = Field(
        None, description="Values the label may take; matches if the label has any of them.",
        json_schema_extra=ATOMIC_LIST)


class TopologySelectorTerm(KubeModel):
    """A topology term; its requirements are ANDed, an empty term matches nothing (core/v1)."""
    match_label_expressions: list[TopologySelectorLabelRequirement] | None = Field(
        None, description="A list of topology selector requirements by labels.",
        json_schema_extra=ATOMIC_LIST)


class StorageClass(KubeModel):
    """A class of storage from which persistent volumes are provisioned dynamically; its
    parameters are opaque to the system and interpreted by the provisioner."""
    GVK: ClassVar[tuple[str, str, str]] = ("storage.k8s.io", "v1", "StorageClass")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    provisioner: str | None = Field(None, description="The type of the provisioner.")
    parameters: dict[str, str] | None = Field(
        None, description="Parameters for the provisioner that creates volumes of this class.")
    reclaim_policy: str | None = Field(
        None, description="Reclaim policy of dynamically provisioned volumes: Delete (the default) or "
        "Retain.")
    mount_options: list[str] | None = Field(
        None, description="Mount options of dynamically provisioned volumes, e.g. [\"ro\", \"soft\"]; "
        "not validated.", json_schema_extra=ATOMIC_LIST)
    allow_volume_expansion: bool | None = Field(
        None, description="Whether the class allows volume expansion.")
    volume_binding_mode: str | None = Field(
        None, description="How PersistentVolumeClaims are provisioned and bound: Immediate (the "
        "default) or WaitForFirstConsumer.")
    allowed_topologies: list[TopologySelectorTerm] | None = Field(
        None, description="Topologies where volumes may be dynamically provisioned; empty means any.",
        json_schema_extra=ATOMIC_LIST)


class StorageClassList(KubeModel):
    """A collection of storage classes."""
    GVK: ClassVar[tuple[str, str, str]] = ("storage.k8s.io", "v1", "StorageClassList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[StorageClass] | None = Field(None, description="The list of StorageClasses.")
