"""discovery.k8s.io/v1: EndpointSlice.

Mirrors `k8s.io/api/discovery/v1/types.go`. Every field is optional so that partial objects
round-trip.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1 import ObjectReference
from machinery.api.meta_v1 import ATOMIC_LIST, SET_LIST, ListMeta, ObjectMeta

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class EndpointConditions(KubeModel):
    """The current condition of an endpoint."""
    ready: bool | None = Field(
        None, description="Whether the endpoint is ready for traffic; unknown state should be read "
        "as ready. Terminating endpoints are never ready.")
    serving: bool | None = Field(
        None, description="Like ready, but also true for a terminating endpoint that is ready.")
    terminating: bool | None = Field(None, description="Whether the endpoint is terminating.")


class ForZone(KubeModel):
    """A zone in which an endpoint should be consumed."""
    name: str | None = Field(None, description="Name of the zone.")


class ForNode(KubeModel):
    """A node on which an endpoint should be consumed."""
    name: str | None = Field(None, description="Name of the node.")


class EndpointHints(KubeModel):
    """Hints about how an endpoint should be consumed (topology aware routing)."""
    for_zones: list[ForZone] | None = Field(
        None, description="Zones this endpoint should be consumed by.", json_schema_extra=ATOMIC_LIST)
    for_nodes: list[ForNode] | None = Field(
        None, description="Nodes this endpoint should be consumed by.", json_schema_extra=ATOMIC_LIST)


class Endpoint(KubeModel):
    """A single logical backend implementing a service."""
    addresses: list[str] | None = Field(
        None, description="Addresses of this endpoint, interpreted by the slice's addressType; at "
        "least one, all fungible.", json_schema_extra=SET_LIST)
    conditions: EndpointConditions | None = Field(
        None, description="Information about the current status of the endpoint.")
    hostname: str | None = Field(
        None, description="Hostname of this endpoint, usable to build a DNS record.")
    target_ref: ObjectReference | None = Field(
        None, description="Reference to the object (usually a Pod) providing this endpoint.")
    deprecated_topology: dict[str, str] | None = Field(
        None, description="Deprecated topology labels of the endpoint; use nodeName and zone.")
    node_name: str | None = Field(None, description="Name of the node hosting this endpoint.")
    zone: str | None = Field(None, description="Name of the zone this endpoint is in.")
    hints: EndpointHints | None = Field(
        None, description="Information about how the endpoint should be consumed.")


class EndpointPort(KubeModel):
    """A port used by an EndpointSlice."""
    name: str | None = Field(
        None, description="Name of this port; must be unique in the slice and match the Service port "
        "name.")
    protocol: str | None = Field(
        None, description="IP protocol: TCP (the default), UDP or SCTP.")
    port: int | None = Field(
        None, description="Port number of the endpoint; unset means all ports.")
    app_protocol: str | None = Field(
        None, description="Application protocol of this port, e.g. kubernetes.io/h2c or http.")


class EndpointSlice(KubeModel):
    """A subset of the endpoints that implement a service; a service may have several slices,
    each at most 100 endpoints by default."""
    GVK: ClassVar[tuple[str, str, str]] = ("discovery.k8s.io", "v1", "EndpointSlice")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    address_type: str | None = Field(
        None, description="Type of address carried by this slice: IPv4, IPv6 or FQDN; immutable.")
    endpoints: list[Endpoint] | None = Field(
        None, description="Unique endpoints in this slice; at most 1000.", json_schema_extra=ATOMIC_LIST)
    ports: list[EndpointPort] | None = Field(
        None, description="Network ports exposed by each endpoint; empty means no ports, a nil port "
        "means all ports.", json_schema_extra=ATOMIC_LIST)


class EndpointSliceList(KubeModel):
    """A list of endpoint slices."""
    GVK: ClassVar[tuple[str, str, str]] = ("discovery.k8s.io", "v1", "EndpointSliceList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[EndpointSlice] | None = Field(None, description="The list of endpoint slices.")
