"""autoscaling/v1: Scale, the body of every `scale` subresource, and the CPU-only
HorizontalPodAutoscaler.

Mirrors `k8s.io/api/autoscaling/v1/types.go`. HorizontalPodAutoscalers are stored as
autoscaling/v2; the api-server converts (apiserver/conversion_autoscaling.py). The object
reference keeps its v2 shape but is subclassed so that it is named under v1 in this version's
OpenAPI document.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api import autoscaling_v2 as v2
from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ListMeta, ObjectMeta, Time

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class ScaleSpec(KubeModel):
    """The attributes of a scale subresource."""
    replicas: int | None = Field(None, description="Desired number of instances for the scaled object.")


class ScaleStatus(KubeModel):
    """The current status of a scale subresource."""
    replicas: int | None = Field(None, description="Actual number of observed instances of the scaled object.")
    selector: str | None = Field(
        None, description="Label query over pods that should match the replica count, in the string "
        "form used by query parameters, e.g. app=web.")


class Scale(KubeModel):
    """A scaling request for a resource."""
    GVK: ClassVar[tuple[str, str, str]] = ("autoscaling", "v1", "Scale")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object metadata.")
    spec: ScaleSpec | None = Field(None, description="The desired behaviour of the scale.")
    status: ScaleStatus | None = Field(
        None, description="The current status of the scale; read-only, may lag the spec.")


# --- HorizontalPodAutoscaler ------------------------------------------------------------------

class CrossVersionObjectReference(v2.CrossVersionObjectReference):
    """Enough information to identify the referred resource."""


class HorizontalPodAutoscalerSpec(KubeModel):
    """The specification of a horizontal pod autoscaler."""
    scale_target_ref: CrossVersionObjectReference | None = Field(
        None, description="Reference to the scaled resource; the autoscaler learns its current "
        "resource consumption and sets its desired number of pods through its Scale subresource.")
    min_replicas: int | None = Field(
        None, description="Lower limit of replicas the autoscaler may set. Defaults to 1.")
    max_replicas: int | None = Field(
        None, description="Upper limit of replicas the autoscaler may set; not below minReplicas.")
    target_cpu_utilization_percentage: int | None = Field(
        None, alias="targetCPUUtilizationPercentage",
        description="Target average CPU utilization over all the pods, as a percentage of the "
        "requested CPU; defaults to 80% when not specified.")


class HorizontalPodAutoscalerStatus(KubeModel):
    """The current status of a horizontal pod autoscaler."""
    observed_generation: int | None = Field(
        None, description="Most recent generation observed by this autoscaler.")
    last_scale_time: Time | None = Field(
        None, description="Last time the autoscaler scaled the number of pods.")
    current_replicas: int | None = Field(
        None, description="Current number of replicas of pods managed by this autoscaler.")
    desired_replicas: int | None = Field(
        None, description="Desired number of replicas, as last calculated by the autoscaler.")
    current_cpu_utilization_percentage: int | None = Field(
        None, alias="currentCPUUtilizationPercentage",
        description="Current average CPU utilization over all pods, as a percentage of the "
        "requested CPU.")


class HorizontalPodAutoscaler(KubeModel):
    """Configuration of a horizontal pod autoscaler."""
    GVK: ClassVar[tuple[str, str, str]] = ("autoscaling", "v1", "HorizontalPodAutoscaler")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object metadata.")
    spec: HorizontalPodAutoscalerSpec | None = Field(
        None, description="The behaviour of the autoscaler.")
    status: HorizontalPodAutoscalerStatus | None = Field(
        None, description="The current information about the autoscaler.")


class HorizontalPodAutoscalerList(KubeModel):
    """A list of horizontal pod autoscaler objects."""
    GVK: ClassVar[tuple[str, str, str]] = ("autoscaling", "v1", "HorizontalPodAutoscalerList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[HorizontalPodAutoscaler] | None = Field(
        None, description="The list of horizontal pod autoscaler objects.")
