"""core/v1 configuration and identity for pods: ConfigMap, Secret, ServiceAccount."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.core_v1_common import LocalObjectReference, ObjectReference
from machinery.api.meta_v1 import ATOMIC_LIST, KubeList, KubeObject, list_map


class ConfigMap(KubeObject):
    """Configuration data for pods to consume."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ConfigMap")
    immutable: bool | None = Field(
        None, description="If true, data cannot be updated (only metadata); the object can only be "
        "deleted and recreated.")
    data: dict[str, str] | None = Field(
        None, description="Configuration data (UTF-8 values); keys are alphanumerics, '-', '_' or '.' and "
        "must not also be in binaryData.")
    binary_data: dict[str, str] | None = Field(
        None, description="Binary data, base64-encoded on the wire; keys must not also be in data.")


class ConfigMapList(KubeList):
    """A list of ConfigMaps."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ConfigMapList")
    items: list[ConfigMap] | None = Field(None, description="List of ConfigMaps.")


class Secret(KubeObject):
    """Secret data of a certain type; the values of data must total less than 1 MiB."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Secret")
    immutable: bool | None = Field(
        None, description="If true, data cannot be updated (only metadata); the object can only be "
        "deleted and recreated.")
    data: dict[str, str] | None = Field(
        None, description="Secret data, each value base64-encoded; keys are alphanumerics, '-', '_' or '.'.")
    string_data: dict[str, str] | None = Field(
        None, description="Write-only convenience input: plain-text values merged into data on write; "
        "never output when reading.")
    type: str | None = Field(
        None, description="Type of the secret for programmatic handling, e.g. Opaque (default), "
        "kubernetes.io/tls, kubernetes.io/dockerconfigjson.")


class SecretList(KubeList):
    """A list of Secrets."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "SecretList")
    items: list[Secret] | None = Field(None, description="List of secret objects.")


class ServiceAccount(KubeObject):
    """An identity for processes in pods: a name, a principal that can be authenticated and
    authorized, and a set of secrets."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ServiceAccount")
    secrets: list[ObjectReference] | None = Field(
        None, description="Secrets in the same namespace that pods of this account may use (legacy; "
        "tokens are now projected).", json_schema_extra=list_map("name"))
    image_pull_secrets: list[LocalObjectReference] | None = Field(
        None, description="Secrets in the same namespace for pulling images of pods that use this account.",
        json_schema_extra=ATOMIC_LIST)
    automount_service_account_token: bool | None = Field(
        None, description="Whether pods of this account get an API token mounted automatically; the "
        "pod's own setting wins.")


class ServiceAccountList(KubeList):
    """A list of ServiceAccounts."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ServiceAccountList")
    items: list[ServiceAccount] | None = Field(None, description="List of ServiceAccounts.")


__all__ = [
    "ConfigMap", "ConfigMapList", "Secret", "SecretList", "ServiceAccount", "ServiceAccountList",
]
