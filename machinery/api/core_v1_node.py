"""core/v1 Node (a worker machine, here a kubelet) and Namespace."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import ResourceList
from machinery.api.core_v1_scheduling import Taint
from machinery.api.meta_v1 import ATOMIC_LIST, KubeList, KubeObject, Time, list_map


class ConfigMapNodeConfigSource(KubeModel):
    """A ConfigMap used as a node's config source (deprecated since 1.22)."""
    namespace: str | None = Field(None, description="Namespace of the referenced ConfigMap.")
    name: str | None = Field(None, description="Name of the referenced ConfigMap.")
    uid: str | None = Field(None, description="UID of the referenced ConfigMap.")
    resource_version: str | None = Field(None, description="resourceVersion of the referenced ConfigMap.")
    kubelet_config_key: str | None = Field(
        None, description="Key of the ConfigMap holding the KubeletConfiguration.")


class NodeConfigSource(KubeModel):
    """A source of node configuration (deprecated since 1.22)."""
    config_map: ConfigMapNodeConfigSource | None = Field(
        None, description="A reference to a node's ConfigMap.")


class NodeSpec(KubeModel):
    """The attributes a node is created with."""
    pod_cidr: str | None = Field(None, alias="podCIDR", description="Pod IP range assigned to the node.")
    pod_cidrs: list[str] | None = Field(
        None, alias="podCIDRs", description="Pod IP ranges assigned to the node, at most one per IP "
        "family; the first equals podCIDR.",
        json_schema_extra={"x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"})
    provider_id: str | None = Field(
        None, alias="providerID", description="ID of the node assigned by the cloud provider, "
        "<ProviderName>://<ProviderSpecificNodeID>.")
    unschedulable: bool | None = Field(
        None, description="If true, no new pods are scheduled onto the node (cordoned).")
    taints: list[Taint] | None = Field(None, description="The node's taints.", json_schema_extra=ATOMIC_LIST)
    config_source: NodeConfigSource | None = Field(
        None, description="Deprecated: was the source of dynamic kubelet configuration.")
    external_id: str | None = Field(
        None, alias="externalID", description="Deprecated; not set by all kubelets.")


class NodeCondition(KubeModel):
    """One condition of a node."""
    type: str | None = Field(
        None, description="Type of node condition: Ready, MemoryPressure, DiskPressure, PIDPressure, "
        "NetworkUnavailable.")
    status: str | None = Field(None, description="True, False or Unknown.")
    last_heartbeat_time: Time | None = Field(None, description="Last time the condition was updated.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition went from one status to another.")
    reason: str | None = Field(None, description="Brief reason for the last transition.")
    message: str | None = Field(None, description="Human-readable details about the last transition.")


class NodeAddress(KubeModel):
    """One address of a node."""
    type: str | None = Field(None, description="Address type: Hostname, InternalIP, ExternalIP, ...")
    address: str | None = Field(None, description="The node address.")


class DaemonEndpoint(KubeModel):
    """A single endpoint of a daemon on the node."""
    port: int | None = Field(None, alias="Port", description="Port number of the endpoint.")


class NodeDaemonEndpoints(KubeModel):
    """Ports opened by daemons running on the node."""
    kubelet_endpoint: DaemonEndpoint | None = Field(None, description="Endpoint the kubelet listens on.")


class NodeSwapStatus(KubeModel):
    """Swap memory information of a node."""
    capacity: int | None = Field(None, description="Total amount of swap memory in bytes.")


class NodeSystemInfo(KubeModel):
    """Identifiers and versions that describe a node."""
    machine_id: str | None = Field(
        None, alias="machineID", description="Machine ID reported by the node (/etc/machine-id); preferred "
        "for unique identification.")
    system_uuid: str | None = Field(None, alias="systemUUID", description="System UUID reported by the node.")
    boot_id: str | None = Field(None, alias="bootID", description="Boot ID reported by the node.")
    kernel_version: str | None = Field(None, description="Kernel version from 'uname -r'.")
    os_image: str | None = Field(None, description="OS image from /etc/os-release.")
    container_runtime_version: str | None = Field(
        None, description="Container runtime version, e.g. docker://20.10.24.")
    kubelet_version: str | None = Field(None, description="Kubelet version reported by the node.")
    kube_proxy_version: str | None = Field(None, description="Deprecated: kube-proxy version of the node.")
    operating_system: str | None = Field(None, description="Operating system reported by the node.")
    architecture: str | None = Field(None, description="Architecture reported by the node.")
    swap: NodeSwapStatus | None = Field(None, description="Swap information reported by the node.")


class ContainerImage(KubeModel):
    """A container image present on a node."""
    names: list[str] | None = Field(
        None, description="Names by which this image is known.", json_schema_extra=ATOMIC_LIST)
    size_bytes: int | None = Field(None, description="Size of the image in bytes.")


class AttachedVolume(KubeModel):
    """A volume attached to a node."""
    name: str | None = Field(None, description="Name of the attached volume.")
    device_path: str | None = Field(None, description="Device path where the volume should be available.")


class NodeConfigStatus(KubeModel):
    """Status of the config assigned by spec.configSource (deprecated)."""
    assigned: NodeConfigSource | None = Field(None, description="Config the node will try to use.")
    active: NodeConfigSource | None = Field(None, description="Config the node is actively using.")
    last_known_good: NodeConfigSource | None = Field(None, description="Config the node falls back to.")
    error: str | None = Field(
        None, description="Problems reconciling spec.configSource to the active config.")


class NodeRuntimeHandlerFeatures(KubeModel):
    """Features implemented by a runtime handler."""
    recursive_read_only_mounts: bool | None = Field(
        None, description="Whether the handler supports recursive read-only mounts.")
    user_namespaces: bool | None = Field(None, description="Whether the handler supports user namespaces.")


class NodeRuntimeHandler(KubeModel):
    """A runtime handler available on the node."""
    name: str | None = Field(None, description="Runtime handler name; empty for the default one.")
    features: NodeRuntimeHandlerFeatures | None = Field(None, description="Supported features.")


class NodeFeatures(KubeModel):
    """Features implemented by the node's CRI implementation."""
    supplemental_groups_policy: bool | None = Field(
        None, description="Whether the runtime supports supplementalGroupsPolicy and ContainerUser.")


class NodeStatus(KubeModel):
    """The current status of a node."""
    capacity: ResourceList | None = Field(None, description="Total resources of the node.")
    allocatable: ResourceList | None = Field(
        None, description="Resources of the node available for scheduling; defaults to capacity.")
    phase: str | None = Field(None, description="Deprecated lifecycle phase of the node.")
    conditions: list[NodeCondition] | None = Field(
        None, description="Current observed conditions of the node.", json_schema_extra=list_map("type"))
    addresses: list[NodeAddress] | None = Field(
        None, description="Addresses reachable to the node.", json_schema_extra=list_map("type"))
    daemon_endpoints: NodeDaemonEndpoints | None = Field(
        None, description="Endpoints of daemons running on the node.")
    node_info: NodeSystemInfo | None = Field(None, description="Identifiers and versions of the node.")
    images: list[ContainerImage] | None = Field(
        None, description="Container images on this node.", json_schema_extra=ATOMIC_LIST)
    volumes_in_use: list[str] | None = Field(
        None, description="Attachable volumes in use (mounted) by the node.", json_schema_extra=ATOMIC_LIST)
    volumes_attached: list[AttachedVolume] | None = Field(
        None, description="Volumes attached to the node.", json_schema_extra=ATOMIC_LIST)
    config: NodeConfigStatus | None = Field(None, description="Status of the dynamic kubelet config.")
    runtime_handlers: list[NodeRuntimeHandler] | None = Field(
        None, description="The available runtime handlers.", json_schema_extra=ATOMIC_LIST)
    features: NodeFeatures | None = Field(None, description="Features implemented by the CRI implementation.")


class Node(KubeObject):
    """A worker node in Kubernetes; each node has a unique name."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Node")
    spec: NodeSpec | None = Field(None, description="Behaviour of the node.")
    status: NodeStatus | None = Field(None, description="Most recently observed status of the node.")


class NodeList(KubeList):
    """A list of nodes."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "NodeList")
    items: list[Node] | None = Field(None, description="List of nodes.")


class NamespaceSpec(KubeModel):
    """The attributes of a namespace."""
    finalizers: list[str] | None = Field(
        None, description="Opaque values that must be empty before the namespace is removed from storage.",
        json_schema_extra=ATOMIC_LIST)


class NamespaceCondition(KubeModel):
    """One condition of a namespace."""
    type: str | None = Field(None, description="Type of namespace controller condition.")
    status: str | None = Field(None, description="True, False or Unknown.")
    last_transition_time: Time | None = Field(
        None, description="Last time the condition went from one status to another.")
    reason: str | None = Field(
        None, description="Unique, one-word, CamelCase reason for the last transition.")
    message: str | None = Field(None, description="Human-readable details about the last transition.")


class NamespaceStatus(KubeModel):
    """The current status of a namespace."""
    phase: str | None = Field(None, description="Current lifecycle phase: Active or Terminating.")
    conditions: list[NamespaceCondition] | None = Field(
        None, description="Latest observations of the namespace's state.", json_schema_extra=list_map("type"))


class Namespace(KubeObject):
    """A scope for names: each namespace gives its objects a separate set of names."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Namespace")
    spec: NamespaceSpec | None = Field(None, description="Behaviour of the namespace.")
    status: NamespaceStatus | None = Field(None, description="Current status of the namespace.")


class NamespaceList(KubeList):
    """A list of namespaces."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "NamespaceList")
    items: list[Namespace] | None = Field(None, description="List of namespaces.")


__all__ = [
    "ConfigMapNodeConfigSource", "NodeConfigSource", "NodeSpec", "NodeCondition", "NodeAddress",
    "DaemonEndpoint", "NodeDaemonEndpoints", "NodeSwapStatus", "NodeSystemInfo", "ContainerImage",
    "AttachedVolume", "NodeConfigStatus", "NodeRuntimeHandlerFeatures", "NodeRuntimeHandler",
    "NodeFeatures", "NodeStatus", "Node", "NodeList", "NamespaceSpec", "NamespaceCondition",
    "NamespaceStatus", "Namespace", "NamespaceList",
]
