"""EventRecorder without an api-server: references, names, the bounded queue, aggregation keys."""
from __future__ import annotations

import re

import pytest

from machinery.events import EventRecorder, object_reference

pytestmark = pytest.mark.unit

POD = {"metadata": {"name": "web-1", "namespace": "ns", "uid": "u1", "resourceVersion": "7"}}


def test_object_reference_fills_kind_and_version_for_list_items():
    assert object_reference(POD, "Pod", "v1") == {
        "kind": "Pod", "namespace": "ns", "name": "web-1", "uid": "u1", "apiVersion": "v1",
        "resourceVersion": "7"}
    node = {"kind": "Node", "apiVersion": "v1", "metadata": {"name": "n1", "uid": "u2"}}
    assert "namespace" not in object_reference(node)


def test_new_event_has_upstream_fields_and_unique_names():
    recorder = EventRecorder(client=None, component="default-scheduler")
    item = {"ref": object_reference(POD, "Pod", "v1"), "type": "Normal", "reason": "Scheduled",
            "message": "Successfully assigned ns/web-1 to n1", "time": 0}
    first = recorder._new_event(item, "2026-01-01T00:00:00Z")
    second = recorder._new_event(item, "2026-01-01T00:00:00Z")
    assert re.fullmatch(r"web-1\.[0-9a-f]+", first["metadata"]["name"])
    assert first["metadata"]["name"] != second["metadata"]["name"]
    assert first["metadata"]["namespace"] == "ns"
    assert first["source"] == {"component": "default-scheduler"}
    assert first["count"] == 1 and first["type"] == "Normal"
    assert first["firstTimestamp"] == first["lastTimestamp"] == "2026-01-01T00:00:00Z"
    assert first["reportingComponent"] == "default-scheduler"


def test_cluster_scoped_objects_get_events_in_default():
    recorder = EventRecorder(client=None, component="kubelet", host="node-1")
    item = {"ref": {"kind": "Node", "name": "node-1", "uid": "n"}, "type": "Normal",
            "reason": "Starting", "message": "Starting kubelet.", "time": 0}
    event = recorder._new_event(item, "2026-01-01T00:00:00Z")
    assert event["metadata"]["namespace"] == "default"
    assert event["source"] == {"component": "kubelet", "host": "node-1"}
    assert event["reportingInstance"] == "node-1"


async def test_event_never_blocks_and_drops_when_full():
    recorder = EventRecorder(client=None, component="c", queue_size=2)
    for i in range(5):
        recorder.event(POD, "Normal", "R", f"m{i}", kind="Pod", api_version="v1")
    assert recorder._queue.qsize() == 2
    recorder.event(POD, "Bogus", "R", "m")     # invalid type: ignored, not raised
    assert recorder._queue.qsize() == 2


def test_repeats_share_an_aggregation_key_but_other_messages_do_not():
    recorder = EventRecorder(client=None, component="c")
    ref = object_reference(POD, "Pod", "v1")
    key = lambda msg: recorder._aggregation_key(  # noqa: E731
        {"ref": ref, "type": "Warning", "reason": "FailedScheduling", "message": msg})
    assert key("a") == key("a") and key("a") != key("b")


def test_eventf_formats():
    recorder = EventRecorder(client=None, component="c")
    recorder.eventf(POD, "Normal", "Killing", "Stopping container %s", "app", kind="Pod")
    assert recorder._queue.get_nowait()["message"] == "Stopping container app"
