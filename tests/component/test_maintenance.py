"""Scheduled etcd maintenance on a private etcd: compaction once per interval whatever the number
of api-servers, 410 for a watch from before it, and a database file that shrinks back after many
updates (compaction + defragmentation)."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from aetcd import rpc

from apiserver.storage import EtcdStore, RevisionCompacted
from apiserver.storage.maintenance import DefragPolicy, Maintenance, bump_revision
from tests.cluster import Etcd
from tests.helpers import async_eventually

pytestmark = pytest.mark.component

ALWAYS = DefragPolicy(min_free_bytes=0, min_free_ratio=0.0)


@pytest.fixture(scope="module")
def private_etcd():
    # Not the session's etcd: compaction and file sizes must not depend on other tests.
    server = Etcd.start()
    yield server
    server.stop()


@pytest.fixture
async def store(private_etcd):
    s = EtcdStore(private_etcd.url)
    await s.connect()
    yield s
    await s.close()


async def churn(store: EtcdStore, key: str, times: int, size: int = 0) -> int:
    """Update one object `times` times; returns the revision of the last update."""
    try:
        current = await store.create(key, {"metadata": {"name": "churn"}, "data": ""})
    except Exception:
        current = await store.get(key)
    for i in range(times):
        obj = {**current, "data": f"{i}".ljust(size, "x")}
        current = await store.update(key, obj, int(current["metadata"]["resourceVersion"]))
    return int(current["metadata"]["resourceVersion"])


async def watch_start(store: EtcdStore, key: str, revision: int) -> rpc.WatchResponse:
    """The first answer of a raw etcd watch from `revision` (what the watch cache would ask)."""
    k = key.encode()
    create = rpc.WatchCreateRequest(key=k, start_revision=revision)

    async def requests():
        yield rpc.WatchRequest(create_request=create)
        await asyncio.sleep(30)

    call = rpc.WatchStub(store.channel).Watch(requests())
    try:
        async for resp in call:
            if resp.compact_revision or resp.events or resp.canceled:
                return resp
    finally:
        call.cancel()
    raise AssertionError("the watch ended without an answer")


async def test_history_before_the_previous_tick_is_compacted(store):
    key = f"/registry/maint/{uuid.uuid4().hex[:6]}"
    old_rv = await churn(store, key, 3)
    first, second = Maintenance(store, 60), Maintenance(store, 60)

    # First tick: one api-server claims it, nothing to compact yet (no revision seen before).
    assert await first.compact() is False
    assert await second.compact() is False
    after_first_tick = await churn(store, key, 3)
    # Second tick: the first api-server claims it and compacts to what it saw at the first tick;
    # the other one saw a newer version of the claim key, so it does nothing this interval.
    results = [await first.compact(), await second.compact()]
    assert results.count(True) == 1

    with pytest.raises(RevisionCompacted):
        await store.list(key, revision=old_rv)
    resp = await watch_start(store, key, old_rv)
    assert resp.compact_revision > old_rv            # the api-server turns this into 410 Gone
    # The last interval's history is kept: a watch from there still works.
    resp = await watch_start(store, key, after_first_tick)
    assert resp.events and resp.events[0].kv.mod_revision == after_first_tick


async def test_the_database_file_shrinks_back_after_compaction_and_defragmentation(store):
    key = f"/registry/maint/{uuid.uuid4().hex[:6]}"
    maintenance = Maintenance(store, 60, ALWAYS)
    before = (await maintenance.member_statuses())[0]

    await maintenance.compact()          # the first tick records where history starts
    await churn(store, key, 300, size=64 * 1024)      # ~20 MB of history for one object
    grown = (await maintenance.member_statuses())[0]
    assert grown.db_size > before.db_size + 10 * 1024 * 1024

    await maintenance.compact()          # history up to the first tick only: little to free
    await maintenance.compact()          # now the 300 updates are history
    assert await maintenance.defragment() == [store.endpoint]
    after = (await maintenance.member_statuses())[0]
    assert after.db_size < grown.db_size / 4, (before, grown, after)
    assert after.db_size - after.db_size_in_use < 1024 * 1024
    assert (await store.get(key))["data"].startswith("299")      # the live object is intact


async def test_defragmentation_waits_until_the_file_is_mostly_free(store):
    maintenance = Maintenance(store, 60, DefragPolicy(min_free_bytes=1 << 40))
    assert await maintenance.defragment() == []
    policy = DefragPolicy(min_free_bytes=10, min_free_ratio=0.5)
    assert policy.wants(100, 40) and not policy.wants(100, 60) and not policy.wants(0, 0)


async def test_the_schedule_compacts_and_defragments_on_its_own(store):
    key = f"/registry/maint/{uuid.uuid4().hex[:6]}"
    rv = await churn(store, key, 100, size=64 * 1024)
    maintenance = Maintenance(store, 0.3, ALWAYS)
    grown = (await maintenance.member_statuses())[0]
    task = asyncio.create_task(maintenance.run())
    try:
        async def shrunk():
            await churn(store, key, 1)       # revisions keep moving, as in a live cluster
            try:
                await store.list(key, revision=rv - 1)
                return False
            except RevisionCompacted:
                pass
            return (await maintenance.member_statuses())[0].db_size < grown.db_size / 2

        # Only a defragmentation makes the file smaller: compaction frees pages inside it.
        await async_eventually(shrunk, timeout=15, interval=0.2)
    finally:
        task.cancel()


async def test_bump_revision_puts_every_earlier_revision_in_the_compacted_past(store):
    key = f"/registry/maint/{uuid.uuid4().hex[:6]}"
    seen_by_a_client = await churn(store, key, 2)
    target = seen_by_a_client + 3000
    reached = await bump_revision(store, target)
    assert reached >= target and await store.revision() == reached
    with pytest.raises(RevisionCompacted):
        await store.list(key, revision=seen_by_a_client)
    resp = await watch_start(store, key, seen_by_a_client)
    assert resp.compact_revision == reached
    assert (await store.get(key))["data"] == "1"      # the objects themselves are untouched
    assert await bump_revision(store, 1) == reached   # nothing to do: no write, no error
