"""policy/v1: PodDisruptionBudget and Eviction (the body POSTed to pods/eviction).

Mirrors `k8s.io/api/policy/v1/types.go`. Every field is optional so that partial objects
round-trip.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1 import IntOrString
from machinery.api.meta_v1 import (
    Condition, DeleteOptions, LabelSelector, ListMeta, ObjectMeta, Time, list_map,
)


_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class PodDisruptionBudgetSpec(KubeModel):
    """The description of a PodDisruptionBudget."""
    min_available: IntOrString | None = Field(
        None, description="An eviction is allowed if at least this many (or this percentage) of the "
        "selected pods stay available afterwards; exclusive with maxUnavailable.")
    selector: LabelSelector | None = Field(
        None, description="Label query over the pods whose evictions are managed by the budget; an "
        "empty selector selects all pods of the namespace.",
        json_schema_extra={"x-kubernetes-patch-strategy": "replace"})
    max_unavailable: IntOrString | None = Field(
        None, description="An eviction is allowed if at most this many (or this percentage) of the "
        "selected pods are unavailable afterwards; exclusive with minAvailable.")
    unhealthy_pod_eviction_policy: str | None = Field(
        None, description="When running but not Ready pods may be evicted: IfHealthyBudget (the "
        "default) or AlwaysAllow.")


class PodDisruptionBudgetStatus(KubeModel):
    """Information about the status of a PodDisruptionBudget; may lag the system."""
    observed_generation: int | None = Field(
        None, description="Most recent generation observed when updating this status.")
    disrupted_pods: dict[str, Time] | None = Field(
        None, description="Pods whose eviction was processed by the API server but not yet seen "
        "deleted by the controller, mapped to the eviction time.")
    disruptions_allowed: int | None = Field(
        None, description="Number of pod disruptions currently allowed.")
    current_healthy: int | None = Field(None, description="Current number of healthy pods.")
    desired_healthy: int | None = Field(None, description="Minimum desired number of healthy pods.")
    expected_pods: int | None = Field(
        None, description="Total number of pods counted by this disruption budget.")
    conditions: list[Condition] | None = Field(
        None, description="The latest observations of the budget's state, e.g. DisruptionAllowed.",
        json_schema_extra=list_map("type"))


class PodDisruptionBudget(KubeModel):
    """The maximum disruption that can be caused to a collection of pods."""
    GVK: ClassVar[tuple[str, str, str]] = ("policy", "v1", "PodDisruptionBudget")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    spec: PodDisruptionBudgetSpec | None = Field(
        None, description="Specification of the desired behaviour of the PodDisruptionBudget.")
    status: PodDisruptionBudgetStatus | None = Field(
        None, description="Most recently observed status of the PodDisruptionBudget.")


class PodDisruptionBudgetList(KubeModel):
    """A collection of PodDisruptionBudgets."""
    GVK: ClassVar[tuple[str, str, str]] = ("policy", "v1", "PodDisruptionBudgetList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[PodDisruptionBudget] | None = Field(
        None, description="The list of PodDisruptionBudgets.")


class Eviction(KubeModel):
    """Evicts a pod from its node subject to the disruption budgets; created by POSTing to
    .../pods/<pod name>/eviction."""
    GVK: ClassVar[tuple[str, str, str]] = ("policy", "v1", "Eviction")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(
        None, description="Metadata describing the pod being evicted.")
    delete_options: DeleteOptions | None = Field(
        None, description="Options for the deletion of the pod.")
