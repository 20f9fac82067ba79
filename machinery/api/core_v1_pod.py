"""core/v1 Pod with its status, PodTemplate(Spec) and Binding."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import ObjectReference, ResourceList, ResourceRequirements
from machinery.api.core_v1_podspec import PodSpec
from machinery.api.meta_v1 import (
    ATOMIC_LIST, KubeList, KubeObject, ObjectMeta, Time, list_map, patch_merge,
)


class PodCondition(KubeModel):
    """Details of one current condition of a pod."""
    type: str | None = Field(
        None, description="Type of the condition: PodScheduled, Initialized, ContainersReady, Ready, ...")
    observed_generation: int | None = Field(
        None, description="The .metadata.generation the condition was set based upon.")
    status: str | None = Field(None, description="True, False or Unknown.")
    last_probe_time: Time | None = Field(None, description="Last time the condition was probed.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition went from one status to another.")
    reason: str | None = Field(
        None, description="Unique, one-word, CamelCase reason for the last transition.")
    message: str | None = Field(None, description="Human-readable details about the last transition.")


class PodIP(KubeModel):
    """One IP address allocated to the pod."""
    ip: str | None = Field(None, description="The IP address assigned to the pod.")


class HostIP(KubeModel):
    """One IP address of the host the pod runs on."""
    ip: str | None = Field(None, description="The IP address assigned to the host.")


class ContainerStateWaiting(KubeModel):
    """A waiting state of a container."""
    reason: str | None = Field(
        None, description="Brief reason the container is not yet running, e.g. ContainerCreating, "
        "CrashLoopBackOff, ImagePullBackOff.")
    message: str | None = Field(None, description="Why the container is not yet running.")


class ContainerStateRunning(KubeModel):
    """A running state of a container."""
    started_at: Time | None = Field(None, description="Time the container was last (re)started.")


class ContainerStateTerminated(KubeModel):
    """A terminated state of a container."""
    exit_code: int | None = Field(None, description="Exit status of the last termination.")
    signal: int | None = Field(None, description="Signal of the last termination.")
    reason: str | None = Field(
        None, description="Brief reason of the last termination, e.g. Completed, Error.")
    message: str | None = Field(None, description="Message about the last termination.")
    started_at: Time | None = Field(None, description="Time the previous execution started.")
    finished_at: Time | None = Field(None, description="Time the container last terminated.")
    container_id: str | None = Field(
        None, alias="containerID", description="Container's ID as '<type>://<container_id>'.")


class ContainerState(KubeModel):
    """One possible state of a container; only one member is set (waiting when none is)."""
    waiting: ContainerStateWaiting | None = Field(None, description="Details about a waiting container.")
    running: ContainerStateRunning | None = Field(None, description="Details about a running container.")
    terminated: ContainerStateTerminated | None = Field(
        None, description="Details about a terminated container.")


class VolumeMountStatus(KubeModel):
    """Status of one volume mount."""
    name: str | None = Field(None, description="Name of the original VolumeMount.")
    mount_path: str | None = Field(None, description="mountPath of the original VolumeMount.")
    read_only: bool | None = Field(None, description="readOnly of the original VolumeMount.")
    recursive_read_only: str | None = Field(
        None, description="Effective recursive read-only mode: Disabled or Enabled.")


class LinuxContainerUser(KubeModel):
    """User identity of the first process of a Linux container."""
    uid: int | None = Field(None, description="Primary UID of the first process in the container.")
    gid: int | None = Field(None, description="Primary GID of the first process in the container.")
    supplemental_groups: list[int] | None = Field(
        None, description="Supplemental groups of the first process in the container.",
        json_schema_extra=ATOMIC_LIST)


class ContainerUser(KubeModel):
    """User identity information of a container."""
    linux: LinuxContainerUser | None = Field(
        None, description="Identity of the first process of the container on Linux.")


class ResourceHealth(KubeModel):
    """The latest health of one device allocated to a container."""
    resource_id: str | None = Field(
        None, alias="resourceID", description="Unique identifier of the resource.")
    health: str | None = Field(None, description="Healthy, Unhealthy or Unknown.")


class ResourceStatus(KubeModel):
    """The status of one resource allocated to a container."""
    name: str | None = Field(None, description="Name of the resource, unique within the pod.")
    resources: list[ResourceHealth] | None = Field(
        None, description="Health of each unique resource.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["resourceID"]})


class ContainerStatus(KubeModel):
    """Details of the current status of one container."""
    name: str | None = Field(None, description="Name of the container, as in the spec.")
    state: ContainerState | None = Field(None, description="The container's current condition.")
    last_state: ContainerState | None = Field(
        None, description="The container's last termination state, to help debug crashes and restarts.")
    ready: bool | None = Field(None, description="Whether the container passes its readiness check.")
    restart_count: int | None = Field(None, description="Number of times the container has been restarted.")
    image: str | None = Field(None, description="Name of the image the container is running.")
    image_id: str | None = Field(None, alias="imageID", description="Image ID of the container's image.")
    container_id: str | None = Field(
        None, alias="containerID", description="Container's ID as '<type>://<container_id>'.")
    started: bool | None = Field(
        None, description="Whether the container finished its postStart hook and passed its startup probe.")
    allocated_resources: ResourceList | None = Field(
        None, description="Compute resources the node allocated to this container.")
    resources: ResourceRequirements | None = Field(
        None, description="Requests and limits enacted on the running container.")
    volume_mounts: list[VolumeMountStatus] | None = Field(
        None, description="Status of the container's volume mounts.", json_schema_extra=list_map("mountPath"))
    user: ContainerUser | None = Field(
        None, description="User identity initially attached to the container's first process.")
    allocated_resources_status: list[ResourceStatus] | None = Field(
        None, description="Health of the resources allocated to this container.",
        json_schema_extra=list_map("name"))
    stop_signal: str | None = Field(None, description="Effective stop signal of this container.")


class PodResourceClaimStatus(KubeModel):
    """The name of the ResourceClaim generated for one pod resource claim."""
    name: str | None = Field(None, description="Name of an entry in pod.spec.resourceClaims.")
    resource_claim_name: str | None = Field(
        None, description="Name of the ResourceClaim generated for the pod.")


class PodStatus(KubeModel):
    """The observed status of a pod; may trail the actual state of the system."""
    observed_generation: int | None = Field(
        None, description="The .metadata.generation the status was set based upon.")
    phase: str | None = Field(
        None, description="High-level summary of the pod's lifecycle: Pending, Running, Succeeded, "
        "Failed or Unknown.")
    conditions: list[PodCondition] | None = Field(
        None, description="Current service state of the pod.", json_schema_extra=list_map("type"))
    message: str | None = Field(
        None, description="Human-readable details about why the pod is in this state.")
    reason: str | None = Field(None, description="Brief CamelCase reason for this state, e.g. Evicted.")
    nominated_node_name: str | None = Field(
        None, description="Node the pod is expected to run on after preempting pods there.")
    host_ip: str | None = Field(
        None, alias="hostIP", description="IP address of the node the pod is assigned to.")
    host_ips: list[HostIP] | None = Field(
        None, alias="hostIPs", description="IP addresses of the node; the first equals hostIP.",
        json_schema_extra={**patch_merge("ip"), **ATOMIC_LIST})
    pod_ip: str | None = Field(
        None, alias="podIP", description="IP address allocated to the pod, routable within the cluster.")
    pod_ips: list[PodIP] | None = Field(
        None, alias="podIPs", description="IP addresses allocated to the pod; the first equals podIP.",
        json_schema_extra=list_map("ip"))
    start_time: Time | None = Field(
        None, description="Time the kubelet acknowledged the pod, before pulling images.")
    init_container_statuses: list[ContainerStatus] | None = Field(
        None, description="Statuses of the init containers.", json_schema_extra=ATOMIC_LIST)
    container_statuses: list[ContainerStatus] | None = Field(
        None, description="Statuses of the containers, one per container of the spec.",
        json_schema_extra=ATOMIC_LIST)
    qos_class: str | None = Field(
        None, description="Quality of Service class from the resource requirements: Guaranteed, "
        "Burstable or BestEffort.")
    ephemeral_container_statuses: list[ContainerStatus] | None = Field(
        None, description="Statuses of the ephemeral containers that have run.",
        json_schema_extra=ATOMIC_LIST)
    resize: str | None = Field(None, description="Deprecated status of a pending resources resize.")
    resource_claim_statuses: list[PodResourceClaimStatus] | None = Field(
        None, description="Names of the ResourceClaims generated for the pod.",
        json_schema_extra=list_map("name", strategy="merge,retainKeys"))
    allocated_resources: ResourceList | None = Field(
        None, description="Total requests the node allocated to this pod.")
    resources: ResourceRequirements | None = Field(
        None, description="Pod-level requests and limits that have been applied.")


class Pod(KubeObject):
    """A collection of containers that can run on a host; created by clients and scheduled onto hosts."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Pod")
    spec: PodSpec | None = Field(None, description="Desired behaviour of the pod.")
    status: PodStatus | None = Field(
        None, description="Most recently observed status of the pod; set by the system, read-only.")


class PodList(KubeList):
    """A list of Pods."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "PodList")
    items: list[Pod] | None = Field(None, description="List of pods.")


class PodTemplateSpec(KubeModel):
    """The data a pod should have when created from a template."""
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    spec: PodSpec | None = Field(None, description="Desired behaviour of the pod.")


class PodTemplate(KubeObject):
    """A template for creating copies of a predefined pod."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "PodTemplate")
    template: PodTemplateSpec | None = Field(None, description="The pods created from this template.")


class PodTemplateList(KubeList):
    """A list of PodTemplates."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "PodTemplateList")
    items: list[PodTemplate] | None = Field(None, description="List of pod templates.")


class Binding(KubeObject):
    """Ties one object to another; for example, the scheduler binds a pod to a node."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Binding")
    target: ObjectReference | None = Field(
        None, description="The object to bind the standard object to (for a pod, a Node).")


__all__ = [
    "PodCondition", "PodIP", "HostIP", "ContainerStateWaiting", "ContainerStateRunning",
    "ContainerStateTerminated", "ContainerState", "VolumeMountStatus", "LinuxContainerUser",
    "ContainerUser", "ResourceHealth", "ResourceStatus", "ContainerStatus",
    "PodResourceClaimStatus", "PodStatus", "Pod", "PodList", "PodTemplateSpec", "PodTemplate",
    "PodTemplateList", "Binding",
]
