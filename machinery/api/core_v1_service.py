"""core/v1 Service and Endpoints: a stable virtual address in front of a set of pods."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import IntOrString, ObjectReference
from machinery.api.meta_v1 import ATOMIC_LIST, Condition, KubeList, KubeObject, list_map


class ServicePort(KubeModel):
    """One port of a service."""
    name: str | None = Field(
        None, description="Name of the port within the service, a DNS_LABEL; required when there are "
        "several ports. Matches the name of the EndpointPort.")
    protocol: str | None = Field(None, description="IP protocol: TCP (default), UDP or SCTP.")
    app_protocol: str | None = Field(
        None, description="Application protocol, a hint for implementations, e.g. kubernetes.io/h2c.")
    port: int | None = Field(None, description="The port exposed by this service.")
    target_port: IntOrString | None = Field(
        None, description="Number or name of the port on the pods; defaults to the value of port.")
    node_port: int | None = Field(
        None, description="Port on every node for NodePort and LoadBalancer services; usually allocated "
        "by the system.")


class ClientIPConfig(KubeModel):
    """Client-IP based session affinity settings."""
    timeout_seconds: int | None = Field(
        None, description="Seconds of ClientIP stickiness, 1-86400 (default 10800, 3 hours).")


class SessionAffinityConfig(KubeModel):
    """Session affinity settings."""
    client_ip: ClientIPConfig | None = Field(
        None, alias="clientIP", description="Client-IP based session affinity settings.")


class ServiceSpec(KubeModel):
    """The attributes a user creates on a service."""
    ports: list[ServicePort] | None = Field(
        None, description="Ports exposed by this service.", json_schema_extra=list_map("port", "protocol"))
    selector: dict[str, str] | None = Field(
        None, description="Pods with these labels receive the traffic; when empty, endpoints are managed "
        "externally.", json_schema_extra={"x-kubernetes-map-type": "atomic"})
    cluster_ip: str | None = Field(
        None, alias="clusterIP", description="The virtual IP of the service, usually allocated; \"None\" "
        "makes a headless service. Cannot be changed.")
    cluster_ips: list[str] | None = Field(
        None, alias="clusterIPs", description="IP addresses of the service, one per IP family; the first "
        "equals clusterIP.", json_schema_extra=ATOMIC_LIST)
    type: str | None = Field(
        None, description="How the service is exposed: ClusterIP (default), NodePort, LoadBalancer or "
        "ExternalName.")
    external_ips: list[str] | None = Field(
        None, alias="externalIPs", description="IPs for which nodes also accept traffic for this service; "
        "not managed by Kubernetes.", json_schema_extra=ATOMIC_LIST)
    session_affinity: str | None = Field(
        None, description="ClientIP or None (default): whether a client keeps reaching the same pod.")
    load_balancer_ip: str | None = Field(
        None, alias="loadBalancerIP", description="Deprecated: the IP requested from the cloud load "
        "balancer.")
    load_balancer_source_ranges: list[str] | None = Field(
        None, description="Client CIDRs allowed through the cloud load balancer.",
        json_schema_extra=ATOMIC_LIST)
    external_name: str | None = Field(
        None, description="External DNS name returned as a CNAME for an ExternalName service.")
    external_traffic_policy: str | None = Field(
        None, description="Cluster (default, masquerades to any endpoint) or Local (node-local endpoints, "
        "client source IP kept) for external traffic.")
    health_check_node_port: int | None = Field(
        None, description="Node port for load-balancer health checks when "
        "externalTrafficPolicy is Local.")
    publish_not_ready_addresses: bool | None = Field(
        None, description="Publish endpoints of pods that are not ready (e.g. for StatefulSet peer "
        "discovery).")
    session_affinity_config: SessionAffinityConfig | None = Field(
        None, description="Configuration of session affinity.")
    ip_families: list[str] | None = Field(
        None, description="IP families of the service (IPv4, IPv6), usually assigned automatically.",
        json_schema_extra=ATOMIC_LIST)
    ip_family_policy: str | None = Field(
        None, description="Dual-stack-ness: SingleStack, PreferDualStack or RequireDualStack.")
    allocate_load_balancer_node_ports: bool | None = Field(
        None, description="Whether NodePorts are allocated for LoadBalancer services (default true).")
    load_balancer_class: str | None = Field(
        None, description="Class of the load balancer implementation this service belongs to.")
    internal_traffic_policy: str | None = Field(
        None, description="Cluster (default) or Local: which endpoints ClusterIP traffic may reach.")
    traffic_distribution: str | None = Field(
        None, description="Preference for how traffic is distributed to endpoints, e.g. PreferClose.")


class PortStatus(KubeModel):
    """The error condition of one service port."""
    port: int | None = Field(None, description="Port number of the service port.")
    protocol: str | None = Field(None, description="Protocol of the service port: TCP, UDP or SCTP.")
    error: str | None = Field(None, description="The problem with the service port, CamelCase.")


class LoadBalancerIngress(KubeModel):
    """An ingress point of a load balancer: traffic for the service should be sent to it."""
    ip: str | None = Field(None, description="IP of an IP-based ingress point.")
    hostname: str | None = Field(None, description="Hostname of a DNS-based ingress point.")
    ip_mode: str | None = Field(
        None, description="How the load-balancer IP behaves: VIP (delivered with the IP as destination) "
        "or Proxy.")
    ports: list[PortStatus] | None = Field(
        None, description="Status of the service ports.", json_schema_extra=ATOMIC_LIST)


class LoadBalancerStatus(KubeModel):
    """The status of a load balancer."""
    ingress: list[LoadBalancerIngress] | None = Field(
        None, description="Ingress points of the load balancer.", json_schema_extra=ATOMIC_LIST)


class ServiceStatus(KubeModel):
    """The current status of a service."""
    load_balancer: LoadBalancerStatus | None = Field(
        None, description="Current status of the load balancer, if any.")
    conditions: list[Condition] | None = Field(
        None, description="Current service state.", json_schema_extra=list_map("type"))


class Service(KubeObject):
    """A named abstraction of a software service: a local port the proxy listens on, and the selector
    that decides which pods answer requests sent through the proxy."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Service")
    spec: ServiceSpec | None = Field(None, description="Behaviour of the service.")
    status: ServiceStatus | None = Field(None, description="Most recently observed status of the service.")


class ServiceList(KubeList):
    """A list of services."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "ServiceList")
    items: list[Service] | None = Field(None, description="List of services.")


class EndpointAddress(KubeModel):
    """A single IP address of an endpoint."""
    ip: str | None = Field(None, description="IP of this endpoint; not loopback, link-local or a cluster IP.")
    hostname: str | None = Field(None, description="Hostname of this endpoint.")
    node_name: str | None = Field(None, description="Node hosting this endpoint.")
    target_ref: ObjectReference | None = Field(None, description="Object providing the endpoint (a pod).")


class EndpointPort(KubeModel):
    """A single port of an endpoint."""
    name: str | None = Field(None, description="Name of the port; matches the name of the ServicePort.")
    port: int | None = Field(None, description="Port number of the endpoint.")
    protocol: str | None = Field(None, description="IP protocol: TCP (default), UDP or SCTP.")
    app_protocol: str | None = Field(None, description="Application protocol of the port.")


class EndpointSubset(KubeModel):
    """A group of addresses with a common set of ports; endpoints are addresses x ports."""
    addresses: list[EndpointAddress] | None = Field(
        None, description="Ready addresses offering the ports; safe for load balancers and clients.",
        json_schema_extra=ATOMIC_LIST)
    not_ready_addresses: list[EndpointAddress] | None = Field(
        None, description="Addresses offering the ports that are not ready yet or have failed readiness.",
        json_schema_extra=ATOMIC_LIST)
    ports: list[EndpointPort] | None = Field(
        None, description="Port numbers available on the addresses.", json_schema_extra=ATOMIC_LIST)


class Endpoints(KubeObject):
    """The endpoints that implement the actual service (deprecated in favour of EndpointSlice)."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Endpoints")
    subsets: list[EndpointSubset] | None = Field(
        None, description="Groups of addresses sharing ports; the endpoints are their union.",
        json_schema_extra=ATOMIC_LIST)


class EndpointsList(KubeList):
    """A list of endpoints."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "EndpointsList")
    items: list[Endpoints] | None = Field(None, description="List of endpoints.")


__all__ = [
    "ServicePort", "ClientIPConfig", "SessionAffinityConfig", "ServiceSpec", "PortStatus",
    "LoadBalancerIngress", "LoadBalancerStatus", "ServiceStatus", "Service", "ServiceList",
    "EndpointAddress", "EndpointPort", "EndpointSubset", "Endpoints", "EndpointsList",
]
