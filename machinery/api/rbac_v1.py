"""rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding.

Mirrors `k8s.io/api/rbac/v1/types.go`. Every field is optional so that partial objects
round-trip.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ATOMIC_LIST, LabelSelector, ListMeta, ObjectMeta

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class PolicyRule(KubeModel):
    """Actions allowed on resources or non-resource URLs, without saying to whom."""
    verbs: list[str] | None = Field(
        None, description="Verbs that apply to all the resources of this rule; '*' means all.",
        json_schema_extra=ATOMIC_LIST)
    api_groups: list[str] | None = Field(
        None, description="API groups of the resources; \"\" is the core group, '*' means all.",
        json_schema_extra=ATOMIC_LIST)
    resources: list[str] | None = Field(
        None, description="Resources this rule applies to; '*' means all.",
        json_schema_extra=ATOMIC_LIST)
    resource_names: list[str] | None = Field(
        None, description="Optional allow-list of resource names; empty means everything.",
        json_schema_extra=ATOMIC_LIST)
    non_resource_urls: list[str] | None = Field(
        None, alias="nonResourceURLs",
        description="Partial URLs a user may access (e.g. /healthz); only in ClusterRoles, only with "
        "verbs like get and post.", json_schema_extra=ATOMIC_LIST)


class Subject(KubeModel):
    """A reference to a user, a group of users or a service account."""
    kind: str | None = Field(
        None, description="Kind of object being referenced: User, Group or ServiceAccount.")
    api_group: str | None = Field(
        None, description="API group of the subject: \"\" for ServiceAccount, "
        "rbac.authorization.k8s.io for User and Group.")
    name: str | None = Field(None, description="Name of the object being referenced.")
    namespace: str | None = Field(
        None, description="Namespace of the referenced object; only for namespaced kinds such as "
        "ServiceAccount.")


class RoleRef(KubeModel):
    """A reference to the role being bound."""
    api_group: str | None = Field(None, description="Group of the resource being referenced.")
    kind: str | None = Field(None, description="Type of resource being referenced: Role or ClusterRole.")
    name: str | None = Field(None, description="Name of the resource being referenced.")


class AggregationRule(KubeModel):
    """How to build the rules of a ClusterRole from other ClusterRoles."""
    cluster_role_selectors: list[LabelSelector] | None = Field(
        None, description="Selectors of ClusterRoles whose rules are aggregated into this one; the "
        "union of their matches counts.", json_schema_extra=ATOMIC_LIST)


class Role(KubeModel):
    """A namespaced, logical grouping of PolicyRules that a RoleBinding can reference as a unit."""
    GVK: ClassVar[tuple[str, str, str]] = ("rbac.authorization.k8s.io", "v1", "Role")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    rules: list[PolicyRule] | None = Field(
        None, description="All the policy rules of this Role.", json_schema_extra=ATOMIC_LIST)


class RoleList(KubeModel):
    """A collection of Roles."""
    GVK: ClassVar[tuple[str, str, str]] = ("rbac.authorization.k8s.io", "v1", "RoleList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[Role] | None = Field(None, description="The list of Roles.")


class ClusterRole(KubeModel):
    """A cluster-level, logical grouping of PolicyRules that a RoleBinding or ClusterRoleBinding
    can reference as a unit."""
    GVK: ClassVar[tuple[str, str, str]] = ("rbac.authorization.k8s.io", "v1", "ClusterRole")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    rules: list[PolicyRule] | None = Field(
        None, description="All the policy rules of this ClusterRole.", json_schema_extra=ATOMIC_LIST)
    aggregation_rule: AggregationRule | None = Field(
        None, description="How to build the rules of this ClusterRole; when set, the rules are "
        "controller-managed and direct changes are overwritten.")


class ClusterRoleList(KubeModel):
    """A collection of ClusterRoles."""
    GVK: ClassVar[tuple[str, str, str]] = ("rbac.authorization.k8s.io", "v1", "ClusterRoleList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[ClusterRole] | None = Field(None, description="The list of ClusterRoles.")


class RoleBinding(KubeModel):
    """Grants the permissions of a Role or ClusterRole to subjects, within the binding's
    namespace."""
    GVK: ClassVar[tuple[str, str, str]] = ("rbac.authorization.k8s.io", "v1", "RoleBinding")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    subjects: list[Subject] | None = Field(
        None, description="The objects the role applies to.", json_schema_extra=ATOMIC_LIST)
    role_ref: RoleRef | None = Field(
        None, description="A Role in this namespace or a ClusterRole; immutable.")


class RoleBindingList(KubeModel):
    """A collection of RoleBindings."""
    GVK: ClassVar[tuple[str, str, str]] = ("rbac.authorization.k8s.io", "v1", "RoleBindingList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[RoleBinding] | None = Field(None, description="The list of RoleBindings.")


class ClusterRoleBinding(KubeModel):
    """Grants the permissions of a ClusterRole to subjects, cluster-wide."""
    GVK: ClassVar[tuple[str, str, str]] = ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    subjects: list[Subject] | None = Field(
        None, description="The objects the role applies to.", json_schema_extra=ATOMIC_LIST)
    role_ref: RoleRef | None = Field(
        None, description="A ClusterRole in the global namespace; immutable.")


class ClusterRoleBindingList(KubeModel):
    """A collection of ClusterRoleBindings."""
    GVK: ClassVar[tuple[str, str, str]] = (
        "rbac.authorization.k8s.io", "v1", "ClusterRoleBindingList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[ClusterRoleBinding] | None = Field(
        None, description="The list of ClusterRoleBindings.")
