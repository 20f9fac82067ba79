"""meta/v1: the object metadata, list metadata, selectors and Status shared by every API group.

Mirrors `k8s.io/apimachinery/pkg/apis/meta/v1/types.go`. Every field is optional so that partial
objects (patches, defaults not yet applied) round-trip unchanged.
"""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from machinery.api.base import KubeModel

# RFC 3339 timestamps stay strings on the wire ("2024-01-02T03:04:05Z"); MicroTime has microseconds.
Time = str
MicroTime = str


def list_map(*keys: str, merge_key: str | None = None, strategy: str = "merge") -> dict[str, Any]:
    """OpenAPI extensions of a list keyed by `keys` (a "map" list, as upstream marks it).

    `merge_key` adds the strategic-merge-patch metadata; it defaults to the first key.
    """
    return {
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": list(keys),
        "x-kubernetes-patch-merge-key": merge_key or keys[0],
        "x-kubernetes-patch-strategy": strategy,
    }


def patch_merge(key: str) -> dict[str, Any]:
    """Strategic-merge-patch metadata only: merge list items on `key` (no list-type marker)."""
    return {"x-kubernetes-patch-merge-key": key, "x-kubernetes-patch-strategy": "merge"}


ATOMIC_LIST: dict[str, Any] = {"x-kubernetes-list-type": "atomic"}
SET_LIST: dict[str, Any] = {"x-kubernetes-list-type": "set"}
# finalizers are merged as a set of scalars in strategic merge patch.
MERGE_SET: dict[str, Any] = {"x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"}


class OwnerReference(KubeModel):
    """Enough information to identify an owning object, which must be in the same namespace
    as the dependent or cluster-scoped."""
    api_version: str | None = Field(None, alias="apiVersion", description="API version of the referent.")
    kind: str | None = Field(None, description="Kind of the referent.")
    name: str | None = Field(None, description="Name of the referent.")
    uid: str | None = Field(None, description="UID of the referent.")
    controller: bool | None = Field(
        None, description="If true, this reference points to the managing controller.")
    block_owner_deletion: bool | None = Field(
        None, description="If true, the owner cannot be deleted from storage until this reference "
        "is removed (foreground deletion waits for it).")


class ManagedFieldsEntry(KubeModel):
    """A workflow-id, a FieldSet and the group version of the resource that the fieldset applies to."""
    manager: str | None = Field(None, description="Identifier of the workflow managing these fields.")
    operation: str | None = Field(None, description="Operation that led to this entry: 'Apply' or 'Update'.")
    api_version: str | None = Field(
        None, alias="apiVersion", description="Version of the resource this field set applies to.")
    time: Time | None = Field(None, description="Timestamp of when this entry was last changed.")
    fields_type: str | None = Field(
        None, alias="fieldsType", description="Discriminator for the field set format; only 'FieldsV1'.")
    fields_v1: dict[str, Any] | None = Field(
        None, alias="fieldsV1", description="The field set in the FieldsV1 JSON format.")
    subresource: str | None = Field(
        None, description="Name of the subresource used to update the object; empty for the main resource.")


class ObjectMeta(KubeModel):
    """Metadata that all persisted resources must have, including all objects users must create."""
    name: str | None = Field(None, description="Name, unique within a namespace; cannot be updated.")
    generate_name: str | None = Field(
        None, description="Prefix the server uses to generate a unique name when name is not set.")
    namespace: str | None = Field(
        None, description="The space within which the name must be unique; empty for cluster-scoped objects.")
    self_link: str | None = Field(None, description="Deprecated; no longer populated by the system.")
    uid: str | None = Field(
        None, description="Unique in time and space for this object; set by the server on create, read-only.")
    resource_version: str | None = Field(
        None, description="Opaque version of this object, used for optimistic concurrency and watch; "
        "clients must not interpret it.")
    generation: int | None = Field(
        None, description="Sequence number of a specific generation of the desired state; set by the "
        "system, read-only.")
    creation_timestamp: Time | None = Field(
        None, description="Server time when this object was created (RFC 3339); read-only.")
    deletion_timestamp: Time | None = Field(
        None, description="RFC 3339 time after which this object will be deleted; set by the server when "
        "a graceful deletion is requested, read-only.")
    deletion_grace_period_seconds: int | None = Field(
        None, description="Seconds allowed for graceful termination before removal from the system; "
        "only set with deletionTimestamp.")
    labels: dict[str, str] | None = Field(
        None, description="Map of string keys and values used to organize and select objects.")
    annotations: dict[str, str] | None = Field(
        None, description="Unstructured key/value map for arbitrary metadata; not queryable.")
    owner_references: list[OwnerReference] | None = Field(
        None, description="Objects this object depends on; when all owners are deleted it is garbage "
        "collected. At most one may be the managing controller.",
        json_schema_extra=list_map("uid"))
    finalizers: list[str] | None = Field(
        None, description="Must be empty before the object is deleted from the registry; each entry names "
        "a component responsible for some cleanup.", json_schema_extra=MERGE_SET)
    managed_fields: list[ManagedFieldsEntry] | None = Field(
        None, description="Maps workflow-id and version to the set of fields managed by that workflow; "
        "mostly internal housekeeping for server-side apply.", json_schema_extra=ATOMIC_LIST)


class ListMeta(KubeModel):
    """Metadata that synthetic resources (lists) must have."""
    self_link: str | None = Field(None, description="Deprecated; no longer populated by the system.")
    resource_version: str | None = Field(
        None, description="Identifies the server's internal version of this list, for watch and "
        "consistent reads; opaque to clients.")
    continue_: str | None = Field(
        None, alias="continue", description="Set if more items are available; pass it back to the same "
        "list call to get the next page.")
    remaining_item_count: int | None = Field(
        None, description="Number of items left after this page; may be an estimate.")


class LabelSelectorRequirement(KubeModel):
    """A selector requirement: a key, an operator and values relating them."""
    key: str | None = Field(None, description="The label key the selector applies to.")
    operator: str | None = Field(None, description="Relationship of the key to the values: In, NotIn, "
                                 "Exists or DoesNotExist.")
    values: list[str] | None = Field(
        None, description="String values; non-empty for In and NotIn, empty for Exists and DoesNotExist.",
        json_schema_extra=ATOMIC_LIST)


class LabelSelector(KubeModel):
    """A label query over a set of resources; matchLabels and matchExpressions are ANDed. An empty
    selector matches all objects, a null one matches none."""
    match_labels: dict[str, str] | None = Field(
        None, description="Map of {key,value} pairs; each is an `In` requirement with one value.")
    match_expressions: list[LabelSelectorRequirement] | None = Field(
        None, description="List of label selector requirements, ANDed.", json_schema_extra=ATOMIC_LIST)


class Condition(KubeModel):
    """One aspect of the current state of an API resource (the standard metav1.Condition)."""
    type: str | None = Field(None, description="Type of condition in CamelCase, e.g. Available.")
    status: str | None = Field(None, description="Status of the condition: True, False or Unknown.")
    observed_generation: int | None = Field(
        None, description="The .metadata.generation the condition was set based upon.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition changed from one status to another.")
    reason: str | None = Field(None, description="Programmatic CamelCase identifier of the last transition.")
    message: str | None = Field(None, description="Human readable message about the transition.")


class KubeObject(KubeModel):
    """Base of every top-level kind: TypeMeta plus ObjectMeta (subclasses add spec/status and GVK)."""
    api_version: str | None = Field(
        None, alias="apiVersion", description="Versioned schema of this representation of an object.")
    kind: str | None = Field(None, description="REST resource this object represents, in CamelCase.")
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")


class KubeList(KubeModel):
    """Base of every `<Kind>List`: TypeMeta plus ListMeta (subclasses add typed `items`)."""
    api_version: str | None = Field(
        None, alias="apiVersion", description="Versioned schema of this representation of an object.")
    kind: str | None = Field(None, description="REST resource this object represents, in CamelCase.")
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")


class Preconditions(KubeModel):
    """Conditions that must be fulfilled before an operation (update, delete) is carried out."""
    uid: str | None = Field(None, description="Target UID.")
    resource_version: str | None = Field(None, description="Target resourceVersion.")


class DeleteOptions(KubeModel):
    """Options that may be given when deleting an API object."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "DeleteOptions")
    api_version: str | None = Field(None, alias="apiVersion", description="Versioned schema of this object.")
    kind: str | None = Field(None, description="REST resource this object represents.")
    grace_period_seconds: int | None = Field(
        None, description="Seconds before the object should be deleted; 0 means delete immediately.")
    preconditions: Preconditions | None = Field(
        None, description="Must be fulfilled before a deletion is carried out, else 409 Conflict.")
    orphan_dependents: bool | None = Field(
        None, description="Deprecated, use propagationPolicy: whether dependents are orphaned.")
    propagation_policy: str | None = Field(
        None, description="Whether and how garbage collection is done: Orphan, Background or Foreground.")
    dry_run: list[str] | None = Field(
        None, description="When present, modifications are not persisted; the only valid value is All.",
        json_schema_extra=ATOMIC_LIST)
    ignore_store_read_error_with_cluster_breaking_potential: bool | None = Field(
        None, description="If true, delete an object that cannot be read from storage (corrupt); unsafe.")


class StatusCause(KubeModel):
    """More information about a StatusReason failure, possibly about one field."""
    reason: str | None = Field(None, description="Machine-readable description of the cause.")
    message: str | None = Field(None, description="Human-readable description of the cause.")
    field: str | None = Field(
        None, description="Field of the resource that caused the error, as a JSON-ish path, e.g. "
        "spec.containers[0].name.")


class StatusDetails(KubeModel):
    """Extended data about a Status failure, interpreted by the reason."""
    name: str | None = Field(None, description="Name attribute of the resource in question.")
    group: str | None = Field(None, description="Group attribute of the resource in question.")
    kind: str | None = Field(None, description="Kind attribute of the resource in question.")
    uid: str | None = Field(None, description="UID of the resource in question.")
    causes: list[StatusCause] | None = Field(
        None, description="Extended data for the error; an invalid object lists one cause per field.",
        json_schema_extra=ATOMIC_LIST)
    retry_after_seconds: int | None = Field(
        None, description="Seconds a client should wait before retrying the operation.")


class Status(KubeModel):
    """A return value for calls that don't return other objects (errors, deletions)."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Status")
    api_version: str | None = Field(None, alias="apiVersion", description="Versioned schema of this object.")
    kind: str | None = Field(None, description="REST resource this object represents.")
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    status: str | None = Field(None, description="Status of the operation: Success or Failure.")
    message: str | None = Field(None, description="Human-readable description of the status.")
    reason: str | None = Field(
        None, description="Machine-readable reason the operation is in Failure, e.g. NotFound.")
    details: StatusDetails | None = Field(
        None, description="Extended data associated with the reason; may be absent.")
    code: int | None = Field(None, description="Suggested HTTP return code for this status.")


class WatchEvent(KubeModel):
    """One event of a watch stream."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "WatchEvent")
    type: str | None = Field(None, description="ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.")
    object: dict[str, Any] | None = Field(
        None, description="The object: the new state for ADDED/MODIFIED, the last state for DELETED, "
        "a Status for ERROR, an object carrying only resourceVersion for BOOKMARK.")
