"""autoscaling/v2: HorizontalPodAutoscaler with metrics of every type and scaling behaviour.

Mirrors `k8s.io/api/autoscaling/v2/types.go`. Quantities are strings on the wire ("500m", "1Gi");
numbers are accepted as written in manifests.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1 import Quantity
from machinery.api.meta_v1 import ATOMIC_LIST, LabelSelector, ListMeta, ObjectMeta, Time


_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class CrossVersionObjectReference(KubeModel):
    """Enough information to identify the referred resource."""
    kind: str | None = Field(None, description="Kind of the referent, e.g. Deployment.")
    name: str | None = Field(None, description="Name of the referent.")
    api_version: str | None = Field(None, alias="apiVersion", description="API version of the referent.")


# --- metric specs -----------------------------------------------------------------------------

class MetricIdentifier(KubeModel):
    """Names a metric and optionally narrows it with a selector."""
    name: str | None = Field(None, description="The name of the given metric.")
    selector: LabelSelector | None = Field(
        None, description="Label selector passed to the metrics server to scope the metric; unset "
        "means the metric name alone.")


class MetricTarget(KubeModel):
    """The target value, average value or average utilization of a metric."""
    type: str | None = Field(
        None, description="Whether the target is a Value, an AverageValue or a Utilization.")
    value: Quantity | None = Field(None, description="Target value of the metric, as a quantity.")
    average_value: Quantity | None = Field(
        None, description="Target value of the metric averaged over all relevant pods.")
    average_utilization: int | None = Field(
        None, description="Target percentage of the resource request, averaged over all relevant "
        "pods; only for the Resource metric type.")


class ObjectMetricSource(KubeModel):
    """A metric describing a single Kubernetes object, e.g. hits-per-second of an Ingress."""
    described_object: CrossVersionObjectReference | None = Field(
        None, description="The object the metric describes.")
    target: MetricTarget | None = Field(None, description="The target value for the given metric.")
    metric: MetricIdentifier | None = Field(None, description="Identifies the target metric.")


class PodsMetricSource(KubeModel):
    """A metric describing each pod of the scale target, averaged before comparing to the target."""
    metric: MetricIdentifier | None = Field(None, description="Identifies the target metric.")
    target: MetricTarget | None = Field(None, description="The target value for the given metric.")


class ResourceMetricSource(KubeModel):
    """A resource metric (CPU or memory) known to Kubernetes, as reported for each pod."""
    name: str | None = Field(None, description="Name of the resource in question.")
    target: MetricTarget | None = Field(None, description="The target value for the given metric.")


class ContainerResourceMetricSource(KubeModel):
    """A resource metric of one container in each pod of the scale target."""
    name: str | None = Field(None, description="Name of the resource in question.")
    target: MetricTarget | None = Field(None, description="The target value for the given metric.")
    container: str | None = Field(
        None, description="Name of the container in the pods of the scaling target.")


class ExternalMetricSource(KubeModel):
    """A global metric not associated with any Kubernetes object."""
    metric: MetricIdentifier | None = Field(None, description="Identifies the target metric.")
    target: MetricTarget | None = Field(None, description="The target value for the given metric.")


class MetricSpec(KubeModel):
    """One metric to scale on; the source matching type must be set."""
    type: str | None = Field(
        None, description="Type of metric source: ContainerResource, External, Object, Pods or "
        "Resource; the matching field must be set.")
    object: ObjectMetricSource | None = Field(
        None, description="A metric describing a single Kubernetes object.")
    pods: PodsMetricSource | None = Field(
        None, description="A metric describing each pod of the scale target.")
    resource: ResourceMetricSource | None = Field(
        None, description="A resource metric known to Kubernetes, as reported for each pod.")
    container_resource: ContainerResourceMetricSource | None = Field(
        None, description="A resource metric of a single container in each pod.")
    external: ExternalMetricSource | None = Field(
        None, description="A global metric not associated with any Kubernetes object.")


# --- behaviour --------------------------------------------------------------------------------

class HPAScalingPolicy(KubeModel):
    """A single policy that must hold for a period when scaling in one direction."""
    type: str | None = Field(None, description="The scaling policy: Pods or Percent.")
    value: int | None = Field(None, description="Amount of change the policy permits; above zero.")
    period_seconds: int | None = Field(
        None, description="Window of time for which the policy must hold; 1 to 1800 seconds.")


class HPAScalingRules(KubeModel):
    """Scaling behaviour in one direction: policies, stabilization window and tolerance."""
    stabilization_window_seconds: int | None = Field(
        None, description="Seconds of past recommendations considered when scaling; 0 to 3600. "
        "Defaults to 0 for scale up and 300 for scale down.")
    select_policy: str | None = Field(
        None, description="Which policy is used: Max (the default), Min or Disabled.")
    policies: list[HPAScalingPolicy] | None = Field(
        None, description="Policies that may be used while scaling.", json_schema_extra=ATOMIC_LIST)
    tolerance: Quantity | None = Field(
        None, description="Tolerance on the ratio between current and desired metric value under "
        "which no scaling happens (alpha).")


class HorizontalPodAutoscalerBehavior(KubeModel):
    """Scaling behaviour of the target in the up and down directions."""
    scale_up: HPAScalingRules | None = Field(
        None, description="Scaling policy for scaling up; by default the largest of doubling or "
        "adding 4 pods every 15 seconds.")
    scale_down: HPAScalingRules | None = Field(
        None, description="Scaling policy for scaling down; by default any number of pods after a "
        "300 second stabilization window.")


class HorizontalPodAutoscalerSpec(KubeModel):
    """The desired functionality of the HorizontalPodAutoscaler."""
    scale_target_ref: CrossVersionObjectReference | None = Field(
        None, description="The resource to scale, whose metrics are collected and replicas set.")
    min_replicas: int | None = Field(
        None, description="Lower limit of replicas the autoscaler may set. Defaults to 1.")
    max_replicas: int | None = Field(
        None, description="Upper limit of replicas the autoscaler may set; not below minReplicas.")
    metrics: list[MetricSpec] | None = Field(
        None, description="Metrics used to compute the desired replica count; the maximum over all "
        "is used. Defaults to 80% average CPU utilization.", json_schema_extra=ATOMIC_LIST)
    behavior: HorizontalPodAutoscalerBehavior | None = Field(
        None, description="Scaling behaviour in the up and down directions; defaults when unset.")


# --- status -----------------------------------------------------------------------------------

class MetricValueStatus(KubeModel):
    """The current value of a metric."""
    value: Quantity | None = Field(None, description="Current value of the metric, as a quantity.")
    average_value: Quantity | None = Field(
        None, description="Current value of the metric averaged over all relevant pods.")
    average_utilization: int | None = Field(
        None, description="Current resource utilization, as a percentage of the request, averaged "
        "over all relevant pods.")


class ObjectMetricStatus(KubeModel):
    """The current value of a metric describing a Kubernetes object."""
    metric: MetricIdentifier | None = Field(None, description="Identifies the target metric.")
    current: MetricValueStatus | None = Field(None, description="Current value of the metric.")
    described_object: CrossVersionObjectReference | None = Field(
        None, description="The object the metric describes.")


class PodsMetricStatus(KubeModel):
    """The current value of a metric describing each pod of the scale target."""
    metric: MetricIdentifier | None = Field(None, description="Identifies the target metric.")
    current: MetricValueStatus | None = Field(None, description="Current value of the metric.")


class ResourceMetricStatus(KubeModel):
    """The current value of a resource metric known to Kubernetes."""
    name: str | None = Field(None, description="Name of the resource in question.")
    current: MetricValueStatus | None = Field(None, description="Current value of the metric.")


class ContainerResourceMetricStatus(KubeModel):
    """The current value of a resource metric of one container in each pod."""
    name: str | None = Field(None, description="Name of the resource in question.")
    current: MetricValueStatus | None = Field(None, description="Current value of the metric.")
    container: str | None = Field(
        None, description="Name of the container in the pods of the scaling target.")


class ExternalMetricStatus(KubeModel):
    """The current value of a global metric not associated with any Kubernetes object."""
    metric: MetricIdentifier | None = Field(None, description="Identifies the target metric.")
    current: MetricValueStatus | None = Field(None, description="Current value of the metric.")


class MetricStatus(KubeModel):
    """The last read state of a single metric."""
    type: str | None = Field(
        None, description="Type of metric source: ContainerResource, External, Object, Pods or "
        "Resource.")
    object: ObjectMetricStatus | None = Field(
        None, description="A metric describing a single Kubernetes object.")
    pods: PodsMetricStatus | None = Field(
        None, description="A metric describing each pod of the scale target.")
    resource: ResourceMetricStatus | None = Field(
        None, description="A resource metric known to Kubernetes, as reported for each pod.")
    container_resource: ContainerResourceMetricStatus | None = Field(
        None, description="A resource metric of a single container in each pod.")
    external: ExternalMetricStatus | None = Field(
        None, description="A global metric not associated with any Kubernetes object.")


class HorizontalPodAutoscalerCondition(KubeModel):
    """The state of a HorizontalPodAutoscaler at a certain point."""
    type: str | None = Field(
        None, description="Type of condition: ScalingActive, AbleToScale or ScalingLimited.")
    status: str | None = Field(None, description="Status of the condition: True, False or Unknown.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition transitioned from one status to another.")
    reason: str | None = Field(None, description="The reason for the condition's last transition.")
    message: str | None = Field(None, description="Human-readable details about the transition.")


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
    current_metrics: list[MetricStatus] | None = Field(
        None, description="Last read state of the metrics used by this autoscaler.",
        json_schema_extra=ATOMIC_LIST)
    conditions: list[HorizontalPodAutoscalerCondition] | None = Field(
        None, description="Conditions needed for this autoscaler to scale its target, and whether "
        "they are met.", json_schema_extra={"x-kubernetes-list-type": "map",
                                            "x-kubernetes-list-map-keys": ["type"],
                                            "x-kubernetes-patch-merge-key": "type",
                                            "x-kubernetes-patch-strategy": "merge"})


class HorizontalPodAutoscaler(KubeModel):
    """Configuration for a horizontal pod autoscaler, which manages the replica count of any
    resource with a scale subresource from the metrics specified."""
    GVK: ClassVar[tuple[str, str, str]] = ("autoscaling", "v2", "HorizontalPodAutoscaler")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object metadata.")
    spec: HorizontalPodAutoscalerSpec | None = Field(
        None, description="The behaviour of the autoscaler.")
    status: HorizontalPodAutoscalerStatus | None = Field(
        None, description="The current information about the autoscaler.")


class HorizontalPodAutoscalerList(KubeModel):
    """A list of horizontal pod autoscaler objects."""
    GVK: ClassVar[tuple[str, str, str]] = ("autoscaling", "v2", "HorizontalPodAutoscalerList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[HorizontalPodAutoscaler] | None = Field(
        None, description="The list of horizontal pod autoscaler objects.")
