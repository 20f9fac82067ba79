"""coordination.k8s.io/v1: Lease (node heartbeats, leader election).

Mirrors `k8s.io/api/coordination/v1/types.go`. Times are MicroTime strings
("2024-01-02T03:04:05.123456Z").
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.meta_v1 import ListMeta, MicroTime, ObjectMeta

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class LeaseSpec(KubeModel):
    """The specification of a Lease."""
    holder_identity: str | None = Field(
        None, description="Identity of the current holder of the lease.")
    lease_duration_seconds: int | None = Field(
        None, description="Seconds candidates must wait, from the last renewTime, before they may "
        "force-acquire the lease.")
    acquire_time: MicroTime | None = Field(
        None, description="When the current lease was acquired.")
    renew_time: MicroTime | None = Field(
        None, description="When the current holder last renewed the lease.")
    lease_transitions: int | None = Field(
        None, description="Number of transitions of the lease between holders.")
    strategy: str | None = Field(
        None, description="Strategy for picking the leader in coordinated leader election (alpha).")
    preferred_holder: str | None = Field(
        None, description="Signals to the holder that the lease has a more optimal holder and should "
        "be given up (alpha).")


class Lease(KubeModel):
    """A lease: a holder, a duration and renewal times."""
    GVK: ClassVar[tuple[str, str, str]] = ("coordination.k8s.io", "v1", "Lease")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    spec: LeaseSpec | None = Field(None, description="Specification of the Lease.")


class LeaseList(KubeModel):
    """A list of Lease objects."""
    GVK: ClassVar[tuple[str, str, str]] = ("coordination.k8s.io", "v1", "LeaseList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[Lease] | None = Field(None, description="The list of Leases.")
