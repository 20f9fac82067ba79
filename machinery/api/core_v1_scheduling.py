"""core/v1 scheduling constraints: node selectors, affinity, taints and tolerations, topology spread."""
from __future__ import annotations

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ATOMIC_LIST, LabelSelector, Time


class NodeSelectorRequirement(KubeModel):
    """A selector requirement over node labels or fields: a key, an operator and values."""
    key: str | None = Field(None, description="The label key that the selector applies to.")
    operator: str | None = Field(
        None, description="Relationship of the key to the values: In, NotIn, Exists, DoesNotExist, Gt or Lt.")
    values: list[str] | None = Field(
        None, description="Values; non-empty for In/NotIn, empty for Exists/DoesNotExist, one integer "
        "for Gt/Lt.", json_schema_extra=ATOMIC_LIST)


class NodeSelectorTerm(KubeModel):
    """Requirements that are ANDed; a null or empty term matches no objects."""
    match_expressions: list[NodeSelectorRequirement] | None = Field(
        None, description="Node selector requirements by the node's labels.", json_schema_extra=ATOMIC_LIST)
    match_fields: list[NodeSelectorRequirement] | None = Field(
        None, description="Node selector requirements by the node's fields.", json_schema_extra=ATOMIC_LIST)


class NodeSelector(KubeModel):
    """The union (OR) of the results of one or more label queries over a set of nodes."""
    node_selector_terms: list[NodeSelectorTerm] | None = Field(
        None, description="Required. Node selector terms, ORed.", json_schema_extra=ATOMIC_LIST)


class PreferredSchedulingTerm(KubeModel):
    """A node selector term with a weight; an empty term matches all objects with weight 0."""
    weight: int | None = Field(None, description="Weight of matching the preference, 1-100.")
    preference: NodeSelectorTerm | None = Field(None, description="A node selector term for this weight.")


class NodeAffinity(KubeModel):
    """A group of node affinity scheduling rules."""
    required_during_scheduling_ignored_during_execution: NodeSelector | None = Field(
        None, description="Nodes must match this selector at scheduling time; later changes of node "
        "labels do not evict the pod.")
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTerm] | None = Field(
        None, description="The scheduler prefers nodes that satisfy these weighted expressions but may "
        "choose one that does not.", json_schema_extra=ATOMIC_LIST)


class PodAffinityTerm(KubeModel):
    """A set of pods (matching labelSelector in the given namespaces) that this pod should be
    co-located with (affinity) or not (anti-affinity) in the same topology domain."""
    label_selector: LabelSelector | None = Field(
        None, description="A label query over pods; null matches no pods.")
    namespaces: list[str] | None = Field(
        None, description="Namespace names the term applies to, in addition to namespaceSelector; "
        "empty with a null selector means this pod's namespace.", json_schema_extra=ATOMIC_LIST)
    topology_key: str | None = Field(
        None, description="Node label key whose equal values define one topology domain (co-location).")
    namespace_selector: LabelSelector | None = Field(
        None, description="A label query over namespaces the term applies to; {} matches all namespaces.")
    match_label_keys: list[str] | None = Field(
        None, description="Pod label keys whose values from the incoming pod are added to labelSelector "
        "with In.", json_schema_extra=ATOMIC_LIST)
    mismatch_label_keys: list[str] | None = Field(
        None, description="Pod label keys whose values from the incoming pod are added to labelSelector "
        "with NotIn.", json_schema_extra=ATOMIC_LIST)


class WeightedPodAffinityTerm(KubeModel):
    """A pod affinity term with a weight; weights of matched terms are added per node."""
    weight: int | None = Field(None, description="Weight of matching the term, 1-100.")
    pod_affinity_term: PodAffinityTerm | None = Field(None, description="Required. A pod affinity term.")


class PodAffinity(KubeModel):
    """A group of inter-pod affinity scheduling rules."""
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] | None = Field(
        None, description="Terms that must be met at scheduling time; all are intersected.",
        json_schema_extra=ATOMIC_LIST)
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] | None = Field(
        None, description="Weighted terms the scheduler prefers to satisfy.", json_schema_extra=ATOMIC_LIST)


class PodAntiAffinity(KubeModel):
    """A group of inter-pod anti-affinity scheduling rules."""
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] | None = Field(
        None, description="Terms that must not be met at scheduling time; all are intersected.",
        json_schema_extra=ATOMIC_LIST)
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] | None = Field(
        None, description="Weighted terms the scheduler prefers to avoid.", json_schema_extra=ATOMIC_LIST)


class Affinity(KubeModel):
    """A group of affinity scheduling rules."""
    node_affinity: NodeAffinity | None = Field(
        None, description="Node affinity scheduling rules for the pod.")
    pod_affinity: PodAffinity | None = Field(
        None, description="Pod affinity rules (co-locate with some other pods in a topology domain).")
    pod_anti_affinity: PodAntiAffinity | None = Field(
        None, description="Pod anti-affinity rules (avoid some other pods' topology domains).")


class Toleration(KubeModel):
    """Lets the pod tolerate any taint that matches <key,value,effect> using the operator."""
    key: str | None = Field(
        None, description="Taint key the toleration applies to; empty with operator Exists matches all.")
    operator: str | None = Field(
        None, description="Relationship of the key to the value: Exists or Equal (default Equal).")
    value: str | None = Field(None, description="Taint value to match; empty for operator Exists.")
    effect: str | None = Field(
        None, description="Taint effect to match; empty matches all. NoSchedule, PreferNoSchedule or "
        "NoExecute.")
    toleration_seconds: int | None = Field(
        None, description="For NoExecute: how long the pod stays bound after the taint appears; unset "
        "means forever, 0 or less means evict at once.")


class Taint(KubeModel):
    """A taint of a node: its effect applies to every pod that does not tolerate it."""
    key: str | None = Field(None, description="Required. The taint key.")
    value: str | None = Field(None, description="The taint value for the key.")
    effect: str | None = Field(
        None, description="Required. Effect on pods that do not tolerate the taint: NoSchedule, "
        "PreferNoSchedule or NoExecute.")
    time_added: Time | None = Field(None, description="When the taint was added (NoExecute taints only).")


class TopologySpreadConstraint(KubeModel):
    """How to spread matching pods among the given topology."""
    max_skew: int | None = Field(
        None, description="Degree to which pods may be unevenly distributed between topology domains.")
    topology_key: str | None = Field(
        None, description="Node label key; nodes with equal values form one topology domain.")
    when_unsatisfiable: str | None = Field(
        None, description="What to do with a pod that violates the constraint: DoNotSchedule or "
        "ScheduleAnyway.")
    label_selector: LabelSelector | None = Field(
        None, description="Finds the pods counted in each topology domain.")
    min_domains: int | None = Field(
        None, description="Minimum number of eligible domains; fewer are treated as having 0 matching pods.")
    node_affinity_policy: str | None = Field(
        None, description="Whether the pod's nodeAffinity/nodeSelector limits the nodes counted: Honor "
        "(default) or Ignore.")
    node_taints_policy: str | None = Field(
        None, description="Whether node taints limit the nodes counted: Honor or Ignore (default).")
    match_label_keys: list[str] | None = Field(
        None, description="Pod label keys whose values from the incoming pod narrow labelSelector.",
        json_schema_extra=ATOMIC_LIST)


__all__ = [
    "NodeSelectorRequirement", "NodeSelectorTerm", "NodeSelector", "PreferredSchedulingTerm",
    "NodeAffinity", "PodAffinityTerm", "WeightedPodAffinityTerm", "PodAffinity", "PodAntiAffinity",
    "Affinity", "Toleration", "Taint", "TopologySpreadConstraint",
]
