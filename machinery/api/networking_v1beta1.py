"""networking.k8s.io/v1beta1: the older Ingress shape (backend.serviceName/servicePort).

Mirrors `k8s.io/api/networking/v1beta1/types.go`. Objects are stored as v1; the api-server converts.
Types whose shape did not change between versions are subclasses of the v1 ones, so that they are
named under v1beta1 in this version's OpenAPI document.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api import networking_v1 as v1
from machinery.api.base import KubeModel
from machinery.api.core_v1 import IntOrString, TypedLocalObjectReference
from machinery.api.meta_v1 import ATOMIC_LIST, ListMeta, ObjectMeta


_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class IngressBackend(KubeModel):
    """An endpoint for traffic: a service name and port, or a resource."""
    service_name: str | None = Field(None, description="The name of the referenced service.")
    service_port: IntOrString | None = Field(
        None, description="The port (name or number) of the referenced service.")
    resource: TypedLocalObjectReference | None = Field(
        None, description="An object in the Ingress's namespace as a backend; mutually exclusive "
        "with serviceName/servicePort.")


class HTTPIngressPath(KubeModel):
    """Associates a path with a backend."""
    path: str | None = Field(
        None, description="Matched against the path of an incoming request; must begin with '/'.")
    path_type: str | None = Field(
        None, description="How the path is matched: Exact, Prefix or ImplementationSpecific (the "
        "default).")
    backend: IngressBackend | None = Field(
        None, description="Where matching traffic is forwarded.")


class HTTPIngressRuleValue(KubeModel):
    """A list of HTTP paths and their backends."""
    paths: list[HTTPIngressPath] | None = Field(
        None, description="Paths mapped to backends.", json_schema_extra=ATOMIC_LIST)


class IngressRule(KubeModel):
    """Maps the paths under a host to backends."""
    host: str | None = Field(
        None, description="Fully qualified domain name of a network host; empty means all hosts.")
    http: HTTPIngressRuleValue | None = Field(None, description="HTTP rules of this host.")


class IngressTLS(v1.IngressTLS):
    """The TLS configuration of an Ingress."""


class IngressStatus(v1.IngressStatus):
    """The current state of an Ingress."""


class IngressSpec(KubeModel):
    """The Ingress a user wishes to exist."""
    ingress_class_name: str | None = Field(
        None, description="Name of the IngressClass cluster resource that implements this Ingress.")
    backend: IngressBackend | None = Field(
        None, description="Default backend for requests that match no rule.")
    tls: list[IngressTLS] | None = Field(
        None, description="TLS configuration.", json_schema_extra=ATOMIC_LIST)
    rules: list[IngressRule] | None = Field(
        None, description="Host rules; traffic matching none goes to the default backend.",
        json_schema_extra=ATOMIC_LIST)


class Ingress(KubeModel):
    """A collection of rules that allow inbound connections to reach the endpoints defined by a
    backend. Deprecated: use networking.k8s.io/v1 Ingress."""
    GVK: ClassVar[tuple[str, str, str]] = ("networking.k8s.io", "v1beta1", "Ingress")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    spec: IngressSpec | None = Field(None, description="The desired state of the Ingress.")
    status: IngressStatus | None = Field(None, description="The current state of the Ingress.")


class IngressList(KubeModel):
    """A collection of Ingress."""
    GVK: ClassVar[tuple[str, str, str]] = ("networking.k8s.io", "v1beta1", "IngressList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[Ingress] | None = Field(None, description="The list of Ingress.")
