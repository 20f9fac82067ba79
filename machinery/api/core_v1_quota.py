"""core/v1 per-namespace resource policy: ResourceQuota (totals) and LimitRange (per object)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import ResourceList
from machinery.api.meta_v1 import ATOMIC_LIST, KubeList, KubeObject


class ScopedResourceSelectorRequirement(KubeModel):
    """A requirement relating a quota scope name to values with an operator."""
    scope_name: str | None = Field(
        None, description="Scope the selector applies to, e.g. PriorityClass, Terminating, BestEffort.")
    operator: str | None = Field(None, description="In, NotIn, Exists or DoesNotExist.")
    values: list[str] | None = Field(
        None, description="Values; non-empty for In/NotIn, empty for Exists/DoesNotExist.",
        json_schema_extra=ATOMIC_LIST)


class ScopeSelector(KubeModel):
    """The AND of scoped-resource selector requirements."""
    match_expressions: list[ScopedResourceSelectorRequirement] | None = Field(
        None, description="Scope selector requirements.", json_schema_extra=ATOMIC_LIST)


class ResourceQuotaSpec(KubeModel):
    """The desired hard limits to enforce for a quota."""
    hard: ResourceList | None = Field(None, description="Desired hard limit per named resource.")
    scopes: list[str] | None = Field(
        None, description="Filters that every tracked object must match; unset matches all objects.",
        json_schema_extra=ATOMIC_LIST)
    scope_selector: ScopeSelector | None = Field(
        None, description="Scope filters expressed as selector requirements.")


class ResourceQuotaStatus(KubeModel):
    """The enforced hard limits and observed use."""
    hard: ResourceList | None = Field(None, description="Enforced hard limit per named resource.")
    used: ResourceList | None = Field(None, description="Current observed total usage in the namespace.")


class ResourceQuota(KubeObject):
    """Aggregate quota restrictions enforced per namespace."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ResourceQuota")
    spec: ResourceQuotaSpec | None = Field(None, description="Desired quota.")
    status: ResourceQuotaStatus | None = Field(
        None, description="Actual enforced quota and its current usage.")


class ResourceQuotaList(KubeList):
    """A list of ResourceQuota items."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ResourceQuotaList")
    items: list[ResourceQuota] | None = Field(None, description="List of ResourceQuota objects.")


class LimitRangeItem(KubeModel):
    """Min/max usage limits for one kind of object (Pod, Container, PersistentVolumeClaim)."""
    type: str | None = Field(
        None, description="Kind the limit applies to: Pod, Container or PersistentVolumeClaim.")
    max: ResourceList | None = Field(None, description="Maximum usage per resource name.")
    min: ResourceList | None = Field(None, description="Minimum usage per resource name.")
    default: ResourceList | None = Field(None, description="Default limit per resource name when omitted.")
    default_request: ResourceList | None = Field(
        None, description="Default request per resource name when omitted.")
    max_limit_request_ratio: ResourceList | None = Field(
        None, description="Maximum limit/request ratio per resource name; both must then be non-zero.")


class LimitRangeSpec(KubeModel):
    """Min/max usage limits for resources that match on kind."""
    limits: list[LimitRangeItem] | None = Field(
        None, description="Limits that are enforced.", json_schema_extra=ATOMIC_LIST)


class LimitRange(KubeObject):
    """Resource consumption limits per kind of object in a namespace."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "LimitRange")
    spec: LimitRangeSpec | None = Field(None, description="Limits enforced.")


class LimitRangeList(KubeList):
    """A list of LimitRange items."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "LimitRangeList")
    items: list[LimitRange] | None = Field(None, description="List of LimitRange objects.")


__all__ = [
    "ScopedResourceSelectorRequirement", "ScopeSelector", "ResourceQuotaSpec", "ResourceQuotaStatus",
    "ResourceQuota", "ResourceQuotaList", "LimitRangeItem", "LimitRangeSpec", "LimitRange",
    "LimitRangeList",
]
