"""core/v1 Event: a report of something that happened to an object, as `kubectl describe` shows."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from machinery.api.base import KubeModel
from machinery.api.core_v1_common import ObjectReference
from machinery.api.meta_v1 import KubeList, KubeObject, MicroTime, Time


class EventSource(KubeModel):
    """The component that reported an event."""
    component: str | None = Field(None, description="Component from which the event is generated.")
    host: str | None = Field(None, description="Node name on which the event is generated.")


class EventSeries(KubeModel):
    """A series of events: something that has been happening continuously for some time."""
    count: int | None = Field(
        None, description="Number of occurrences in the series up to the last heartbeat.")
    last_observed_time: MicroTime | None = Field(None, description="Time of the last occurrence observed.")


class Event(KubeObject):
    """A report of an event somewhere in the cluster. Events have a limited retention time and are
    informative only: consumers should not rely on their timing or wording."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "Event")
    involved_object: ObjectReference | None = Field(None, description="The object this event is about.")
    reason: str | None = Field(
        None, description="Short, machine-understandable reason for the transition into the object's "
        "current state, e.g. Scheduled, Pulled, BackOff.")
    message: str | None = Field(
        None, description="Human-readable description of the status of this operation.")
    source: EventSource | None = Field(None, description="The component reporting this event.")
    first_timestamp: Time | None = Field(None, description="Time the event was first recorded.")
    last_timestamp: Time | None = Field(None, description="Time the most recent occurrence was recorded.")
    count: int | None = Field(None, description="Number of times this event has occurred.")
    type: str | None = Field(None, description="Type of this event: Normal or Warning.")
    event_time: MicroTime | None = Field(None, description="Time the event was first observed.")
    series: EventSeries | None = Field(
        None, description="The series this event represents; null for a singleton event.")
    action: str | None = Field(None, description="Action taken or failed regarding the involved object.")
    related: ObjectReference | None = Field(None, description="Optional secondary object of the action.")
    reporting_component: str | None = Field(
        None, description="Name of the controller that emitted the event, e.g. kubernetes.io/kubelet.")
    reporting_instance: str | None = Field(
        None, description="ID of the controller instance, e.g. kubelet-xyzf.")


class EventList(KubeList):
    """A list of events."""
    GVK: ClassVar[tuple[str, str, str]] = ("", "v1", "EventList")
    items: list[Event] | None = Field(None, description="List of events.")


__all__ = ["EventSource", "EventSeries", "Event", "EventList"]
