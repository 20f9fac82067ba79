"""core/v1 building blocks used across kinds: object references and resource quantities."""
from __future__ import annotations

from pydantic import Field

from machinery.api.base import KubeModel

# A resource.Quantity: upstream writes strings ("100m", "1Gi") and also accepts JSON numbers.
Quantity = int | float | str
# An IntOrString: a port number or a port name, a count or a percentage ("25%").
IntOrString = int | str
# ResourceList maps a resource name (cpu, memory, ...) to a quantity.
ResourceList = dict[str, Quantity]


class ObjectReference(KubeModel):
    """Enough information to inspect or modify the referred object."""
    kind: str | None = Field(None, description="Kind of the referent.")
    namespace: str | None = Field(None, description="Namespace of the referent.")
    name: str | None = Field(None, description="Name of the referent.")
    uid: str | None = Field(None, description="UID of the referent.")
    api_version: str | None = Field(None, alias="apiVersion", description="API version of the referent.")
    resource_version: str | None = Field(
        None, description="Specific resourceVersion to which this reference is made, if any.")
    field_path: str | None = Field(
        None, description="If the reference is to a piece of an object, a field access path into it, "
        "e.g. spec.containers{name}.")


class LocalObjectReference(KubeModel):
    """Enough information to locate the referenced object inside the same namespace."""
    name: str | None = Field(None, description="Name of the referent.")


class TypedLocalObjectReference(KubeModel):
    """Enough information to locate a typed referenced object inside the same namespace."""
    api_group: str | None = Field(
        None, description="Group of the referenced resource; empty means the core API group.")
    kind: str | None = Field(None, description="Kind of the referenced resource.")
    name: str | None = Field(None, description="Name of the referenced resource.")


class TypedObjectReference(KubeModel):
    """Enough information to locate a typed referenced object, possibly in another namespace."""
    api_group: str | None = Field(
        None, description="Group of the referenced resource; empty means the core API group.")
    kind: str | None = Field(None, description="Kind of the referenced resource.")
    name: str | None = Field(None, description="Name of the referenced resource.")
    namespace: str | None = Field(
        None, description="Namespace of the referenced resource; another namespace needs a ReferenceGrant.")


class ResourceClaim(KubeModel):
    """References one entry in PodSpec.resourceClaims."""
    name: str | None = Field(None, description="Name of an entry in pod.spec.resourceClaims.")
    request: str | None = Field(
        None, description="Name of one request in the referenced claim; empty means the whole claim.")


class ResourceRequirements(KubeModel):
    """The compute resource requirements of a container or pod."""
    limits: ResourceList | None = Field(
        None, description="Maximum amount of compute resources allowed.")
    requests: ResourceList | None = Field(
        None, description="Minimum amount of compute resources required; defaults to limits when those "
        "are set explicitly.")
    claims: list[ResourceClaim] | None = Field(
        None, description="Names of resources from spec.resourceClaims that this container uses.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]})


class VolumeResourceRequirements(KubeModel):
    """The storage resource requirements of a volume."""
    limits: ResourceList | None = Field(None, description="Maximum amount of storage resources allowed.")
    requests: ResourceList | None = Field(None, description="Minimum amount of storage resources required.")


class KeyToPath(KubeModel):
    """Maps a string key to a path within a volume."""
    key: str | None = Field(None, description="The key to project.")
    path: str | None = Field(
        None, description="Relative path of the file to map the key to; may not contain '..'.")
    mode: int | None = Field(None, description="Mode bits for this file, 0000-0777 (octal) or 0-511.")


class ObjectFieldSelector(KubeModel):
    """Selects a field of the object (the downward API)."""
    api_version: str | None = Field(
        None, alias="apiVersion", description="Schema version of fieldPath (default v1).")
    field_path: str | None = Field(None, description="Path of the field to select in that version.")


class ResourceFieldSelector(KubeModel):
    """Selects a container resource (cpu, memory) and its output format."""
    container_name: str | None = Field(None, description="Container name; required for volumes.")
    resource: str | None = Field(None, description="Resource to select, e.g. limits.cpu.")
    divisor: Quantity | None = Field(
        None, description="Output format of the exposed resources; defaults to 1.")


class ConfigMapKeySelector(KubeModel):
    """Selects a key from a ConfigMap."""
    name: str | None = Field(None, description="Name of the referent.")
    key: str | None = Field(None, description="The key to select.")
    optional: bool | None = Field(None, description="Whether the ConfigMap or its key must be defined.")


class SecretKeySelector(KubeModel):
    """Selects a key of a Secret."""
    name: str | None = Field(None, description="Name of the referent.")
    key: str | None = Field(None, description="The key of the secret to select from.")
    optional: bool | None = Field(None, description="Whether the Secret or its key must be defined.")


class SecretReference(KubeModel):
    """A Secret reference with both name and namespace (secret names are unique per namespace)."""
    name: str | None = Field(None, description="Name, unique within a namespace.")
    namespace: str | None = Field(None, description="Namespace in which the secret name must be unique.")


__all__ = [
    "Quantity", "IntOrString", "ResourceList", "ObjectReference", "LocalObjectReference",
    "TypedLocalObjectReference", "TypedObjectReference", "ResourceClaim", "ResourceRequirements",
    "VolumeResourceRequirements", "KeyToPath", "ObjectFieldSelector", "ResourceFieldSelector",
    "ConfigMapKeySelector", "SecretKeySelector", "SecretReference",
]
