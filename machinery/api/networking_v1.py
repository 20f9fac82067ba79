"""networking.k8s.io/v1: Ingress and IngressClass.

Mirrors `k8s.io/api/networking/v1/types.go`. Every field is optional so that partial objects
round-trip.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1 import TypedLocalObjectReference
from machinery.api.meta_v1 import ATOMIC_LIST, ListMeta, ObjectMeta

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."
_METADATA = "Standard object's metadata."
_LIST_METADATA = "Standard list metadata."


# --- Ingress spec -----------------------------------------------------------------------------

class ServiceBackendPort(KubeModel):
    """The port of a Service backend: a name or a number, not both."""
    name: str | None = Field(None, description="Name of the port on the Service.")
    number: int | None = Field(None, description="Numerical port number on the Service, e.g. 80.")


class IngressServiceBackend(KubeModel):
    """A Service as an Ingress backend."""
    name: str | None = Field(None, description="The referenced Service, in the Ingress's namespace.")
    port: ServiceBackendPort | None = Field(None, description="Port of the referenced Service.")


class IngressBackend(KubeModel):
    """An endpoint for traffic: a Service or a resource; exactly one must be set."""
    service: IngressServiceBackend | None = Field(
        None, description="A Service as a backend; mutually exclusive with resource.")
    resource: TypedLocalObjectReference | None = Field(
        None, description="An object in the Ingress's namespace as a backend (e.g. a storage bucket); "
        "mutually exclusive with service.")


class HTTPIngressPath(KubeModel):
    """Associates a path with a backend; traffic matching the path goes to the backend."""
    path: str | None = Field(
        None, description="Matched against the path of an incoming request; must begin with '/' and "
        "defaults to '/'.")
    path_type: str | None = Field(
        None, description="How the path is matched: Exact, Prefix or ImplementationSpecific.")
    backend: IngressBackend | None = Field(
        None, description="Where matching traffic is forwarded.")


class HTTPIngressRuleValue(KubeModel):
    """A list of HTTP paths and their backends, in the form http://<host>/<path>?<searchpart>."""
    paths: list[HTTPIngressPath] | None = Field(
        None, description="Paths mapped to backends.", json_schema_extra=ATOMIC_LIST)


class IngressRule(KubeModel):
    """Maps the paths under a host to backends; an empty host matches all hosts."""
    host: str | None = Field(
        None, description="Fully qualified domain name of a network host (a wildcard like "
        "*.foo.com matches one DNS label); empty means all hosts.")
    http: HTTPIngressRuleValue | None = Field(None, description="HTTP rules of this host.")


class IngressTLS(KubeModel):
    """The TLS configuration of an Ingress."""
    hosts: list[str] | None = Field(
        None, description="Hosts included in the TLS certificate.", json_schema_extra=ATOMIC_LIST)
    secret_name: str | None = Field(
        None, description="Name of the secret used to terminate TLS on port 443.")


class IngressSpec(KubeModel):
    """The Ingress a user wishes to exist."""
    ingress_class_name: str | None = Field(
        None, description="Name of the IngressClass cluster resource that implements this Ingress.")
    default_backend: IngressBackend | None = Field(
        None, description="Backend for requests that match no rule.")
    tls: list[IngressTLS] | None = Field(
        None, description="TLS configuration; several entries are multiplexed on port 443 by SNI.",
        json_schema_extra=ATOMIC_LIST)
    rules: list[IngressRule] | None = Field(
        None, description="Host rules; traffic matching none goes to the default backend.",
        json_schema_extra=ATOMIC_LIST)


# --- Ingress status ---------------------------------------------------------------------------

class IngressPortStatus(KubeModel):
    """The error condition of a service port."""
    port: int | None = Field(None, description="Port number of the ingress port.")
    protocol: str | None = Field(None, description="Protocol of the ingress port: TCP, UDP or SCTP.")
    error: str | None = Field(None, description="Problem with the service port, in CamelCase.")


class IngressLoadBalancerIngress(KubeModel):
    """The endpoint of an ingress load-balancer ingress point."""
    ip: str | None = Field(None, alias="ip", description="Set for IP-based ingress points.")
    hostname: str | None = Field(None, description="Set for DNS-based ingress points.")
    ports: list[IngressPortStatus] | None = Field(
        None, description="Information about the ports exposed by this LoadBalancer.",
        json_schema_extra=ATOMIC_LIST)


class IngressLoadBalancerStatus(KubeModel):
    """The status of a load-balancer."""
    ingress: list[IngressLoadBalancerIngress] | None = Field(
        None, description="Ingress points of the load-balancer.", json_schema_extra=ATOMIC_LIST)


class IngressStatus(KubeModel):
    """The current state of an Ingress."""
    load_balancer: IngressLoadBalancerStatus | None = Field(
        None, description="The current status of the load-balancer.")


class Ingress(KubeModel):
    """A collection of rules that allow inbound connections to reach the endpoints defined by a
    backend; it can give services externally reachable URLs, load balancing and TLS termination."""
    GVK: ClassVar[tuple[str, str, str]] = ("networking.k8s.io", "v1", "Ingress")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    spec: IngressSpec | None = Field(None, description="The desired state of the Ingress.")
    status: IngressStatus | None = Field(None, description="The current state of the Ingress.")


class IngressList(KubeModel):
    """A collection of Ingress."""
    GVK: ClassVar[tuple[str, str, str]] = ("networking.k8s.io", "v1", "IngressList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[Ingress] | None = Field(None, description="The list of Ingress.")


# --- IngressClass -----------------------------------------------------------------------------

class IngressClassParametersReference(KubeModel):
    """Identifies an API object holding an IngressClass's parameters."""
    api_group: str | None = Field(
        None, description="Group of the referenced resource; empty means the core group.")
    kind: str | None = Field(None, description="Type of the referenced resource.")
    name: str | None = Field(None, description="Name of the referenced resource.")
    scope: str | None = Field(
        None, description="Whether the resource is cluster- or namespace-scoped: Cluster or Namespace.")
    namespace: str | None = Field(
        None, description="Namespace of the resource, required when scope is Namespace.")


class IngressClassSpec(KubeModel):
    """The state of an IngressClass."""
    controller: str | None = Field(
        None, description="Name of the controller that implements this class, e.g. "
        "example.com/ingress-controller.")
    parameters: IngressClassParametersReference | None = Field(
        None, description="Link to a custom resource holding extra configuration for the controller.")


class IngressClass(KubeModel):
    """The class of an Ingress, referenced by the Ingress spec; the annotation
    ingressclass.kubernetes.io/is-default-class marks the default class."""
    GVK: ClassVar[tuple[str, str, str]] = ("networking.k8s.io", "v1", "IngressClass")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description=_METADATA)
    spec: IngressClassSpec | None = Field(None, description="The desired state of the IngressClass.")


class IngressClassList(KubeModel):
    """A collection of IngressClasses."""
    GVK: ClassVar[tuple[str, str, str]] = ("networking.k8s.io", "v1", "IngressClassList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description=_LIST_METADATA)
    items: list[IngressClass] | None = Field(None, description="The list of IngressClasses.")
