"""core/v1 ReplicationController: the original replica manager, predecessor of ReplicaSet."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_pod import PodTemplateSpec
from machinery.api.meta_v1 import KubeList, KubeObject, Time, list_map


class ReplicationControllerSpec(KubeModel):
    """The specification of a replication controller."""
    replicas: int | None = Field(None, description="Number of desired replicas (default 1).")
    min_ready_seconds: int | None = Field(
        None, description="Seconds a new pod must be ready without crashing to count as available "
        "(default 0).")
    selector: dict[str, str] | None = Field(
        None, description="Label query over pods that should match the replica count; defaults to the "
        "template's labels.", json_schema_extra={"x-kubernetes-map-type": "atomic"})
    template: PodTemplateSpec | None = Field(
        None, description="Pod created when too few replicas exist.")


class ReplicationControllerCondition(KubeModel):
    """The state of a replication controller at a certain point."""
    type: str | None = Field(None, description="Type of condition, e.g. ReplicaFailure.")
    status: str | None = Field(None, description="True, False or Unknown.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition went from one status to another.")
    reason: str | None = Field(None, description="Reason for the last transition.")
    message: str | None = Field(None, description="Human-readable details about the transition.")


class ReplicationControllerStatus(KubeModel):
    """The current status of a replication controller."""
    replicas: int | None = Field(None, description="Most recently observed number of replicas.")
    fully_labeled_replicas: int | None = Field(
        None, description="Number of pods whose labels match the pod template's labels.")
    ready_replicas: int | None = Field(None, description="Number of ready replicas.")
    available_replicas: int | None = Field(
        None, description="Number of replicas ready for at least minReadySeconds.")
    observed_generation: int | None = Field(
        None, description="Generation of the most recently observed replication controller.")
    conditions: list[ReplicationControllerCondition] | None = Field(
        None, description="Latest observations of the controller's state.",
        json_schema_extra=list_map("type"))


class ReplicationController(KubeObject):
    """The configuration of a replication controller."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ReplicationController")
    spec: ReplicationControllerSpec | None = Field(None, description="Desired behaviour of the controller.")
    status: ReplicationControllerStatus | None = Field(
        None, description="Most recently observed status of the controller; read-only.")


class ReplicationControllerList(KubeList):
    """A collection of replication controllers."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ReplicationControllerList")
    items: list[ReplicationController] | None = Field(None, description="List of replication controllers.")


__all__ = [
    "ReplicationControllerSpec", "ReplicationControllerCondition", "ReplicationControllerStatus",
    "ReplicationController", "ReplicationControllerList",
]
