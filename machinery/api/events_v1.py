"""events.k8s.io/v1: Event, the newer shape of the same objects as core/v1 events.

Mirrors `k8s.io/api/events/v1/types.go`. Field names differ from core events: `regarding`
(involvedObject), `note` (message), `reportingController` (source.component),
`deprecated*` for the old counters and timestamps.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1 import EventSource, ObjectReference
from machinery.api.meta_v1 import ListMeta, MicroTime, ObjectMeta, Time

_API_VERSION = "Versioned schema of this representation of an object."
_KIND = "REST resource this object represents, in CamelCase."


class EventSeries(KubeModel):
    """Data about a series of events: an event that happened many times."""
    count: int | None = Field(
        None, description="Number of occurrences in this series up to the last heartbeat time.")
    last_observed_time: MicroTime | None = Field(
        None, description="Time when the last event of the series was seen.")


class Event(KubeModel):
    """A report of an event somewhere in the cluster: a change in state of some object, kept for
    a limited time (an hour by default)."""
    GVK: ClassVar[tuple[str, str, str]] = ("events.k8s.io", "v1", "Event")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ObjectMeta | None = Field(None, description="Standard object's metadata.")
    event_time: MicroTime | None = Field(
        None, description="Time when this event was first observed; required.")
    series: EventSeries | None = Field(
        None, description="Data about the series this event represents; absent for a singleton.")
    reporting_controller: str | None = Field(
        None, description="Name of the controller that emitted this event, e.g. kubernetes.io/kubelet.")
    reporting_instance: str | None = Field(
        None, description="ID of the controller instance, e.g. kubelet-xyzf.")
    action: str | None = Field(
        None, description="What action was taken or failed regarding the regarding object.")
    reason: str | None = Field(
        None, description="Why the action was taken, in CamelCase; machine-understandable.")
    regarding: ObjectReference | None = Field(
        None, description="The object this event is about, usually the one the controller acts on.")
    related: ObjectReference | None = Field(
        None, description="Optional secondary object for more complex actions.")
    note: str | None = Field(
        None, description="Human-readable description of the status of this operation.")
    type: str | None = Field(None, description="Type of this event: Normal or Warning.")
    deprecated_source: EventSource | None = Field(
        None, description="Deprecated field kept for compatibility with core/v1 Event.")
    deprecated_first_timestamp: Time | None = Field(
        None, description="Deprecated field kept for compatibility with core/v1 Event.")
    deprecated_last_timestamp: Time | None = Field(
        None, description="Deprecated field kept for compatibility with core/v1 Event.")
    deprecated_count: int | None = Field(
        None, description="Deprecated field kept for compatibility with core/v1 Event.")


class EventList(KubeModel):
    """A list of Event objects."""
    GVK: ClassVar[tuple[str, str, str]] = ("events.k8s.io", "v1", "EventList")
    api_version: str | None = Field(None, alias="apiVersion", description=_API_VERSION)
    kind: str | None = Field(None, description=_KIND)
    metadata: ListMeta | None = Field(None, description="Standard list metadata.")
    items: list[Event] | None = Field(None, description="The list of schema objects.")
