"""Storage conformance against a real etcd: create, get, list with selectors and paging,
guaranteed update, conflicts, delete with preconditions, watch from a resourceVersion, 410 after
compaction, and no lost or reordered events under concurrent writers."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from apiserver.storage import (ClaimTaken, EtcdStore, KeyExists, KeyNotFound, RevisionCompacted,
                               RevisionConflict)
from apiserver.storage.etcd import TxnOps
from apiserver.storage.watch_cache import WatchCache

pytestmark = pytest.mark.component


@pytest.fixture
async def store(etcd):
    s = EtcdStore(etcd.url)
    await s.connect()
    yield s
    await s.close()


@pytest.fixture
def prefix():
    return f"/registry/test/{uuid.uuid4().hex[:8]}/"


def obj(name, ns="default", **labels):
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}}


async def next_event(sub, timeout=5.0):
    item = await asyncio.wait_for(sub.queue.get(), timeout)
    assert item is not None, "the subscription was closed"
    typ, obj, _shared = item
    return typ, obj


async def test_create_get_and_resource_version_is_mod_revision(store, prefix):
    created = await store.create(prefix + "default/a", obj("a"))
    got = await store.get(prefix + "default/a")
    assert got == created
    assert int(got["metadata"]["resourceVersion"]) <= await store.revision()


async def test_create_existing_key_fails(store, prefix):
    await store.create(prefix + "default/a", obj("a"))
    with pytest.raises(KeyExists):
        await store.create(prefix + "default/a", obj("a"))


async def test_get_missing_key_fails(store, prefix):
    with pytest.raises(KeyNotFound):
        await store.get(prefix + "nope")


async def test_update_with_stale_revision_conflicts(store, prefix):
    created = await store.create(prefix + "default/a", obj("a"))
    rv = int(created["metadata"]["resourceVersion"])
    updated = await store.update(prefix + "default/a", obj("a", v="2"), rv)
    assert int(updated["metadata"]["resourceVersion"]) > rv
    with pytest.raises(RevisionConflict):
        await store.update(prefix + "default/a", obj("a", v="3"), rv)


async def test_delete_with_stale_revision_conflicts_and_keeps_the_object(store, prefix):
    created = await store.create(prefix + "default/a", obj("a"))
    rv = int(created["metadata"]["resourceVersion"])
    await store.update(prefix + "default/a", obj("a", v="2"), rv)
    with pytest.raises(RevisionConflict):
        await store.delete(prefix + "default/a", rv)
    assert (await store.get(prefix + "default/a"))["metadata"]["labels"] == {"v": "2"}


async def test_guaranteed_update_applies_every_concurrent_increment(store, prefix):
    await store.create(prefix + "counter", {"metadata": {"name": "counter"}, "n": 0})

    async def bump(o):
        o["n"] += 1
        return o
    await asyncio.gather(*(store.guaranteed_update(prefix + "counter", bump, attempts=100)
                           for _ in range(20)))
    assert (await store.get(prefix + "counter"))["n"] == 20


async def test_list_with_predicate_and_paging_is_consistent(store, prefix):
    for i in range(7):
        await store.create(prefix + f"default/p{i}", obj(f"p{i}", app="web" if i % 2 else "db"))
    first = await store.list(prefix, limit=2, predicate=lambda o: o["metadata"]["labels"]["app"] == "web")
    assert [o["metadata"]["name"] for o in first.items] == ["p1", "p3"]
    # a write between pages does not show up: every page is read at the first page's revision
    await store.create(prefix + "default/p9", obj("p9", app="web"))
    rest = await store.list(prefix, limit=2, start_key=first.next_key, revision=first.revision,
                            predicate=lambda o: o["metadata"]["labels"]["app"] == "web")
    assert [o["metadata"]["name"] for o in rest.items] == ["p5"]
    assert rest.next_key is None


async def test_claims_are_unique_and_freed_on_delete(store, prefix):
    claim = prefix + "claims/10.96.0.7"
    a = await store.create(prefix + "default/a", obj("a"), TxnOps(claims=[claim]))
    with pytest.raises(ClaimTaken):
        await store.create(prefix + "default/b", obj("b"), TxnOps(claims=[claim]))
    with pytest.raises(KeyNotFound):
        await store.get(prefix + "default/b")          # nothing half-written
    await store.delete(prefix + "default/a", int(a["metadata"]["resourceVersion"]),
                       TxnOps(releases=[claim]))
    await store.create(prefix + "default/b", obj("b"), TxnOps(claims=[claim]))


async def test_watch_from_resource_version_replays_in_order(store, prefix):
    cache = WatchCache(store, prefix)
    await cache.start()
    try:
        a = await store.create(prefix + "default/a", obj("a"))
        start_rv = int(a["metadata"]["resourceVersion"])
        b = await store.update(prefix + "default/a", obj("a", v="2"), start_rv)
        await store.delete(prefix + "default/a", int(b["metadata"]["resourceVersion"]))
        sub_all = cache.subscribe(start_rv - 1 if start_rv > cache.oldest else cache.oldest,
                                  lambda o: True)
        sub = cache.subscribe(start_rv, lambda o: True)
        assert [t for t, _ in [await next_event(sub), await next_event(sub)]] == \
            ["MODIFIED", "DELETED"]
        first = await next_event(sub_all)
        assert first[0] == "ADDED"
    finally:
        await cache.stop()


async def test_watch_filters_turn_label_changes_into_added_and_deleted(store, prefix):
    cache = WatchCache(store, prefix)
    await cache.start()
    try:
        sub = cache.subscribe(None, lambda o: o["metadata"]["labels"].get("app") == "web")
        a = await store.create(prefix + "default/a", obj("a", app="db"))
        b = await store.update(prefix + "default/a", obj("a", app="web"),
                               int(a["metadata"]["resourceVersion"]))
        await store.update(prefix + "default/a", obj("a", app="db"),
                           int(b["metadata"]["resourceVersion"]))
        assert (await next_event(sub))[0] == "ADDED"
        assert (await next_event(sub))[0] == "DELETED"
    finally:
        await cache.stop()


async def test_watch_from_a_compacted_revision_is_gone(store, prefix):
    cache = WatchCache(store, prefix, capacity=2)
    await cache.start()
    try:
        first = await store.create(prefix + "default/a", obj("a"))
        rv = int(first["metadata"]["resourceVersion"])
        for i in range(4):
            cur = await store.update(prefix + "default/a", obj("a", v=str(i)), rv)
            rv = int(cur["metadata"]["resourceVersion"])
        await asyncio.wait_for(_until(lambda: cache.rv >= rv), 5)
        with pytest.raises(RevisionCompacted):
            cache.subscribe(int(first["metadata"]["resourceVersion"]), lambda o: True)
    finally:
        await cache.stop()


async def test_the_event_log_keeps_a_time_window_not_a_count(store, prefix):
    cache = WatchCache(store, prefix, capacity=100, window_s=0.2, min_events=2)
    await cache.start()
    try:
        first = await store.create(prefix + "default/a", obj("a"))
        rv = int(first["metadata"]["resourceVersion"])
        cur = await store.update(prefix + "default/a", obj("a", v="1"), rv)
        await asyncio.wait_for(_until(lambda: cache.rv >= int(cur["metadata"]["resourceVersion"])),
                               5)
        cache.subscribe(rv, lambda o: True).close()      # young events: still in the log
        await asyncio.sleep(0.3)                         # let those two age past the window
        for i in range(3):
            cur = await store.update(prefix + "default/a", obj("a", v=f"x{i}"),
                                     int(cur["metadata"]["resourceVersion"]))
        await asyncio.wait_for(_until(lambda: cache.rv >= int(cur["metadata"]["resourceVersion"])),
                               5)
        assert len(cache.events) == 3                     # only the young ones are left
        with pytest.raises(RevisionCompacted):
            cache.subscribe(rv, lambda o: True)
    finally:
        await cache.stop()


async def test_list_at_a_compacted_revision_is_gone(store, prefix):
    a = await store.create(prefix + "default/a", obj("a"))
    old = int(a["metadata"]["resourceVersion"])
    await store.update(prefix + "default/a", obj("a", v="2"), old)
    await store.compact(await store.revision())
    with pytest.raises(RevisionCompacted):
        await store.list(prefix, revision=old)


async def test_no_event_lost_or_reordered_under_concurrent_writers(store, prefix):
    cache = WatchCache(store, prefix)
    await cache.start()
    try:
        sub = cache.subscribe(None, lambda o: True)

        async def writer(w):
            key = prefix + f"default/w{w}"
            cur = await store.create(key, {"metadata": {"name": f"w{w}", "namespace": "default"},
                                           "n": 0})
            for n in range(1, 15):
                cur = await store.update(key, {**cur, "n": n}, int(cur["metadata"]["resourceVersion"]))
        await asyncio.gather(*(writer(w) for w in range(8)))
        seen: dict[str, list[int]] = {}
        last_rv = 0
        for _ in range(8 * 15):
            typ, o = await next_event(sub)
            rv = int(o["metadata"]["resourceVersion"])
            assert rv > last_rv, "events must arrive in resourceVersion order"
            last_rv = rv
            seen.setdefault(o["metadata"]["name"], []).append(o["n"])
        assert all(v == list(range(15)) for v in seen.values()) and len(seen) == 8
    finally:
        await cache.stop()


async def _until(pred):
    while not pred():
        await asyncio.sleep(0.02)
