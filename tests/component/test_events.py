"""EventRecorder against the real api-server: created Events, and repeats aggregated by PATCH."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from machinery.api import resources
from machinery.events import EVENTS, EventRecorder

pytestmark = pytest.mark.component

NAMESPACES = resources.lookup("", "v1", "namespaces")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")


@pytest.fixture
async def namespace(api_client):
    name = f"ev-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"metadata": {"name": name}})
    yield name
    await api_client.delete(NAMESPACES, name)


async def test_events_are_created_and_repeats_aggregated(api_client, namespace):
    obj = await api_client.create(CONFIGMAPS, {"metadata": {"name": "cm", "namespace": namespace}})
    recorder = EventRecorder(api_client, "test-controller")
    runner = asyncio.create_task(recorder.run())
    for _ in range(3):
        recorder.event(obj, "Warning", "Broken", "it broke", kind="ConfigMap", api_version="v1")
    recorder.eventf(obj, "Normal", "Fixed", "fixed by %s", "me", kind="ConfigMap",
                    api_version="v1")
    await asyncio.wait_for(recorder.flush(), 10)
    recorder.stop()
    await asyncio.wait_for(runner, 5)

    events = (await api_client.list(EVENTS, namespace))["items"]
    by_reason = {e["reason"]: e for e in events}
    assert len(events) == 2
    broken = by_reason["Broken"]
    assert broken["count"] == 3 and broken["type"] == "Warning"
    assert broken["message"] == "it broke"
    assert broken["metadata"]["name"].startswith("cm.")
    assert broken["involvedObject"]["kind"] == "ConfigMap"
    assert broken["involvedObject"]["uid"] == obj["metadata"]["uid"]
    assert broken["source"]["component"] == "test-controller"
    assert broken["firstTimestamp"] <= broken["lastTimestamp"]
    assert by_reason["Fixed"]["message"] == "fixed by me"
    assert by_reason["Fixed"]["count"] == 1

    selected = await api_client.list(
        EVENTS, namespace, field_selector=f"involvedObject.name=cm,reason=Fixed")
    assert [e["reason"] for e in selected["items"]] == ["Fixed"]


async def test_a_deleted_event_starts_a_new_series(api_client, namespace):
    obj = await api_client.create(CONFIGMAPS, {"metadata": {"name": "cm", "namespace": namespace}})
    recorder = EventRecorder(api_client, "test-controller")
    runner = asyncio.create_task(recorder.run())
    recorder.event(obj, "Normal", "Hello", "hi", kind="ConfigMap", api_version="v1")
    await asyncio.wait_for(recorder.flush(), 10)
    first = (await api_client.list(EVENTS, namespace))["items"][0]
    await api_client.delete(EVENTS, first["metadata"]["name"], namespace)
    recorder.event(obj, "Normal", "Hello", "hi", kind="ConfigMap", api_version="v1")
    await asyncio.wait_for(recorder.flush(), 10)
    recorder.stop()
    await runner
    events = (await api_client.list(EVENTS, namespace))["items"]
    assert len(events) == 1 and events[0]["count"] == 1
    assert events[0]["metadata"]["name"] != first["metadata"]["name"]
