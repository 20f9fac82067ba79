"""authorization.k8s.io/v1: access reviews, the questions `kubectl auth can-i` asks.

Mirrors `k8s.io/api/authorization/v1/types.go`: SubjectAccessReview (may this user do this?),
LocalSubjectAccessReview (the same, in one namespace), SelfSubjectAccessReview (may I?) and
SelfSubjectRulesReview (what may I do in this namespace?). They are created and answered,
never stored.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ATOMIC_LIST, ObjectMeta

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."
_META = "Standard list metadata."
GROUP = "authorization.k8s.io"


class FieldSelectorAttributes(KubeModel):
    """A field selector restricting the request (not evaluated by RBAC)."""
    raw_selector: str | None = Field(None, description="The field selector, as in a query.")


class LabelSelectorAttributes(KubeModel):
    """A label selector restricting the request (not evaluated by RBAC)."""
    raw_selector: str | None = Field(None, description="The label selector, as in a query.")


class ResourceAttributes(KubeModel):
    """A resource request: the attributes an authorizer sees for a request to the API."""
    namespace: str | None = Field(None, description="Namespace of the action; empty for all "
                                  "namespaces or cluster-scoped resources.")
    verb: str | None = Field(None, description="A kubernetes resource API verb, or *.")
    group: str | None = Field(None, description="API group of the resource, or *.")
    version: str | None = Field(None, description="API version of the resource, or *.")
    resource: str | None = Field(None, description="One of the existing resource types, or *.")
    subresource: str | None = Field(None, description="One of the existing subresources.")
    name: str | None = Field(None, description="Name of the resource; empty means all.")
    field_selector: FieldSelectorAttributes | None = Field(None, description="Field selector.")
    label_selector: LabelSelectorAttributes | None = Field(None, description="Label selector.")


class NonResourceAttributes(KubeModel):
    """A request to a path that is not a resource."""
    path: str | None = Field(None, description="The URL path of the request.")
    verb: str | None = Field(None, description="The standard HTTP verb.")


class SubjectAccessReviewSpec(KubeModel):
    """Exactly one of resourceAttributes and nonResourceAttributes, and a user or groups."""
    resource_attributes: ResourceAttributes | None = Field(None, description="A resource request.")
    non_resource_attributes: NonResourceAttributes | None = Field(
        None, description="A non-resource request.")
    user: str | None = Field(None, description="The user to test.")
    groups: list[str] | None = Field(None, description="The groups to test.",
                                     json_schema_extra=ATOMIC_LIST)
    extra: dict[str, list[str]] | None = Field(None, description="Extra user information.")
    uid: str | None = Field(None, description="The UID of the user to test.")


class SelfSubjectAccessReviewSpec(KubeModel):
    """The request, asked for the calling user; exactly one kind of attributes."""
    resource_attributes: ResourceAttributes | None = Field(None, description="A resource request.")
    non_resource_attributes: NonResourceAttributes | None = Field(
        None, description="A non-resource request.")


class SubjectAccessReviewStatus(KubeModel):
    """The answer."""
    allowed: bool | None = Field(None, description="Whether the action is allowed.")
    denied: bool | None = Field(None, description="Whether the action is explicitly denied.")
    reason: str | None = Field(None, description="Why the action was allowed or denied.")
    evaluation_error: str | None = Field(None, description="An error while checking.")


class SubjectAccessReview(KubeModel):
    """Checks whether a user or group can perform an action."""
    GVK: ClassVar[tuple[str, str, str]] = (GROUP, "v1", "SubjectAccessReview")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_META)
    spec: SubjectAccessReviewSpec | None = Field(None, description="The request being evaluated.")
    status: SubjectAccessReviewStatus | None = Field(None, description="The answer.")


class LocalSubjectAccessReview(KubeModel):
    """Checks whether a user or group can perform an action in a given namespace."""
    GVK: ClassVar[tuple[str, str, str]] = (GROUP, "v1", "LocalSubjectAccessReview")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_META)
    spec: SubjectAccessReviewSpec | None = Field(None, description="The request being evaluated.")
    status: SubjectAccessReviewStatus | None = Field(None, description="The answer.")


class SelfSubjectAccessReview(KubeModel):
    """Checks whether the current user can perform an action."""
    GVK: ClassVar[tuple[str, str, str]] = (GROUP, "v1", "SelfSubjectAccessReview")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_META)
    spec: SelfSubjectAccessReviewSpec | None = Field(
        None, description="The request being evaluated.")
    status: SubjectAccessReviewStatus | None = Field(None, description="The answer.")


class SelfSubjectRulesReviewSpec(KubeModel):
    """The namespace to list the rules of."""
    namespace: str | None = Field(None, description="Namespace to evaluate rules for.")


class ResourceRule(KubeModel):
    """What the user may do to resources."""
    verbs: list[str] | None = Field(None, description="Verbs allowed.",
                                    json_schema_extra=ATOMIC_LIST)
    api_groups: list[str] | None = Field(None, alias="apiGroups", description="API groups.",
                                         json_schema_extra=ATOMIC_LIST)
    resources: list[str] | None = Field(None, description="Resources.",
                                        json_schema_extra=ATOMIC_LIST)
    resource_names: list[str] | None = Field(None, description="Resource names.",
                                             json_schema_extra=ATOMIC_LIST)


class NonResourceRule(KubeModel):
    """What the user may do to non-resource paths."""
    verbs: list[str] | None = Field(None, description="Verbs allowed.",
                                    json_schema_extra=ATOMIC_LIST)
    non_resource_urls: list[str] | None = Field(None, alias="nonResourceURLs",
                                                description="Paths, with * as a final wildcard.",
                                                json_schema_extra=ATOMIC_LIST)


class SubjectRulesReviewStatus(KubeModel):
    """The rules; incomplete when an authorizer could not list them all."""
    resource_rules: list[ResourceRule] | None = Field(None, description="Rules on resources.",
                                               json_schema_extra=ATOMIC_LIST)
    non_resource_rules: list[NonResourceRule] | None = Field(
        None, description="Rules on paths.",
                                                      json_schema_extra=ATOMIC_LIST)
    incomplete: bool | None = Field(None, description="Whether the list may be incomplete.")
    evaluation_error: str | None = Field(None, description="An error while listing.")


class SelfSubjectRulesReview(KubeModel):
    """Lists the actions the current user can perform in a namespace."""
    GVK: ClassVar[tuple[str, str, str]] = (GROUP, "v1", "SelfSubjectRulesReview")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_META)
    spec: SelfSubjectRulesReviewSpec | None = Field(None, description="The namespace to evaluate.")
    status: SubjectRulesReviewStatus | None = Field(None, description="The rules.")
