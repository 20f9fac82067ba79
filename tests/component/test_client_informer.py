"""ApiClient and Informer against a real api-server on a real etcd.

Fixtures: `api_client` (tests/component/conftest.py) on the session's api-server, and a second,
module-scoped api-server on the same etcd with a 5-event watch log, to provoke 410 Gone.

ConfigMaps are the test subject: no controller acts on them, so every change is the test's own.
Each test labels its objects with a unique run id and cleans them up.
"""
import asyncio
import logging
import uuid

import pytest

from tests.helpers import async_eventually

from machinery.api.errors import AlreadyExists, Conflict, Gone, Invalid, NotFound, Unauthorized
from machinery.api.resources import lookup
from machinery.client import ApiClient, ClientConfig, TransportError
from machinery.informer import Informer, object_key
from machinery.workqueue import WorkQueue

pytestmark = pytest.mark.component

CM = lookup("", "v1", "configmaps")
NS = "default"


async def eventually(predicate, timeout=10.0, interval=0.05):
    return await async_eventually(predicate, timeout, interval)


@pytest.fixture
def client(api_client):
    """The conftest's ApiClient (built from the api-server's admin kubeconfig)."""
    return api_client


@pytest.fixture
async def run(client):
    """A unique label value for this test's objects; deletes them afterwards."""
    run_id = uuid.uuid4().hex[:8]
    yield run_id
    listed = await client.list(CM, NS, label_selector=f"run={run_id}")
    for item in listed["items"]:
        try:
            await client.delete(CM, item["metadata"]["name"], NS)
        except NotFound:
            pass


def cm(name, run_id, data=None, **labels):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"{name}-{run_id}", "namespace": NS,
                         "labels": {"run": run_id, **labels}},
            "data": data or {"k": "v"}}


# --- connection and auth ------------------------------------------------------------------------

async def test_kubeconfig_tls_and_token(api_server, client):
    version = await client.request("GET", "/version")
    assert "gitVersion" in version
    explicit = ClientConfig(server=api_server.url, ca_file=api_server.ca_file,
                            token=api_server.token)
    async with ApiClient(explicit) as c:
        assert (await c.list(CM, NS))["kind"] == "ConfigMapList"
    async with ApiClient(ClientConfig(server=api_server.url, ca_file=api_server.ca_file,
                                      token="wrong")) as c:
        with pytest.raises(Unauthorized):
            await c.list(CM, NS)
    async with ApiClient(ClientConfig(server=api_server.url, token=api_server.token),
                         max_retries=0) as c:            # the system CAs do not know ours
        with pytest.raises(TransportError):
            await c.list(CM, NS)


# --- verbs and typed errors ---------------------------------------------------------------------

async def test_crud_and_typed_errors(client, run):
    created = await client.create(CM, cm("a", run))
    name = created["metadata"]["name"]
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    with pytest.raises(AlreadyExists) as exists:
        await client.create(CM, cm("a", run))
    assert exists.value.code == 409 and f'"{name}" already exists' in exists.value.message

    got = await client.get(CM, name, NS)
    got["data"] = {"k": "v2"}
    updated = await client.update(CM, got)
    assert updated["data"] == {"k": "v2"}
    assert updated["metadata"]["resourceVersion"] != got["metadata"]["resourceVersion"]
    with pytest.raises(Conflict) as conflict:
        await client.update(CM, got)                     # stale resourceVersion
    assert "the object has been modified" in conflict.value.message

    await client.delete(CM, name, NS)
    with pytest.raises(NotFound) as missing:
        await client.get(CM, name, NS)
    assert missing.value.message == f'configmaps "{name}" not found'
    with pytest.raises(NotFound):
        await client.delete(CM, name, NS)


async def test_invalid_object_gives_invalid_with_causes(client, run):
    bad = cm("a", run)
    bad["metadata"]["name"] = "Not_Valid"
    with pytest.raises(Invalid) as err:
        await client.create(CM, bad)
    assert err.value.code == 422
    assert err.value.details["causes"][0]["field"] == "metadata.name"


async def test_dry_run_create_stores_nothing(client, run):
    obj = await client.create(CM, cm("dry", run), dry_run=True)
    assert obj["metadata"]["name"] == f"dry-{run}"
    with pytest.raises(NotFound):
        await client.get(CM, f"dry-{run}", NS)


async def test_patch_types(client, run):
    name = (await client.create(CM, cm("p", run)))["metadata"]["name"]
    merged = await client.patch(CM, name, {"data": {"m": "1"}}, "merge", NS)
    assert merged["data"] == {"k": "v", "m": "1"}
    strategic = await client.patch(CM, name, {"metadata": {"labels": {"s": "1"}}},
                                   "strategic", NS)
    assert strategic["metadata"]["labels"]["s"] == "1"
    jsonp = await client.patch(CM, name, [{"op": "remove", "path": "/data/k"}], "json", NS)
    assert jsonp["data"] == {"m": "1"}
    applied = await client.patch(
        CM, name, {"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": name, "namespace": NS}, "data": {"a": "1"}},
        "apply", NS, field_manager="test-apply", force=True)
    assert applied["data"]["a"] == "1"
    with pytest.raises(NotFound):
        await client.patch(CM, f"nope-{run}", {"data": {}}, "merge", NS)


async def test_list_with_selectors_and_paging(client, run):
    for i in range(5):
        await client.create(CM, cm(f"l{i}", run, tier="odd" if i % 2 else "even"))
    odd = await client.list(CM, NS, label_selector=f"run={run},tier=odd")
    assert sorted(o["metadata"]["name"] for o in odd["items"]) == [f"l1-{run}", f"l3-{run}"]
    notin = await client.list(CM, NS, label_selector=f"run={run},tier notin (odd)")
    assert len(notin["items"]) == 3
    by_name = await client.list(CM, NS, field_selector=f"metadata.name=l2-{run}")
    assert [o["metadata"]["name"] for o in by_name["items"]] == [f"l2-{run}"]

    first = await client.list(CM, NS, label_selector=f"run={run}", limit=2)
    assert len(first["items"]) == 2 and first["metadata"].get("continue")
    everything = await client.list_all(CM, NS, label_selector=f"run={run}", page_size=2)
    assert len(everything["items"]) == 5
    assert everything["metadata"]["resourceVersion"]


async def test_watch_streams_changes_from_a_resource_version(client, run):
    listed = await client.list(CM, NS, label_selector=f"run={run}")
    events = []

    async def collect():
        async for ev in client.watch(CM, NS, resource_version=listed["metadata"]["resourceVersion"],
                                     label_selector=f"run={run}", timeout_s=30):
            events.append(ev)
            if ev.type == "DELETED":
                return

    watcher = asyncio.create_task(collect())
    await asyncio.sleep(0.2)
    name = (await client.create(CM, cm("w", run)))["metadata"]["name"]
    await client.patch(CM, name, {"data": {"k": "v2"}}, "merge", NS)
    await client.delete(CM, name, NS)
    await asyncio.wait_for(watcher, 10)
    changes = [(e.type, e.object["metadata"]["name"]) for e in events if e.type != "BOOKMARK"]
    assert changes == [("ADDED", name), ("MODIFIED", name), ("DELETED", name)]
    assert events[1].object["data"] == {"k": "v2"}
    rvs = [int(e.resource_version) for e in events if e.type != "BOOKMARK"]
    assert rvs == sorted(rvs)


@pytest.fixture(scope="module")
def short_log_server(etcd):
    """A second api-server on the same etcd whose watch caches keep only 5 events, so that
    a watch from an older resourceVersion is answered with 410 Gone."""
    from tests.cluster import ApiServer
    server = ApiServer.start(etcd.url, watch_cache_events=5, compaction_interval_s=3600.0)
    yield server
    server.stop()


@pytest.fixture
async def short_log_client(short_log_server):
    async with ApiClient.from_kubeconfig(short_log_server.kubeconfig) as c:
        yield c


async def _push_log_past(client, run_id, count=8):
    """Make enough changes that the short event log forgets everything before them."""
    for i in range(count):
        await client.create(CM, cm(f"filler{i}", run_id, filler="yes"))


async def test_watch_from_expired_rv_raises_gone(short_log_client, run):
    start_rv = (await short_log_client.list(CM, NS))["metadata"]["resourceVersion"]
    await _push_log_past(short_log_client, run)
    with pytest.raises(Gone) as err:
        async for _ in short_log_client.watch(CM, NS, resource_version=start_rv, timeout_s=5):
            pass
    assert err.value.code == 410 and "too old resource version" in err.value.message


# --- informer -----------------------------------------------------------------------------------

@pytest.fixture
async def informer_for(client):
    started = []

    async def start(informer):
        started.append((informer, asyncio.create_task(informer.run())))
        await informer.wait_synced(10)
        return informer

    yield start
    for informer, task in started:
        informer.stop()
        await asyncio.wait_for(task, 5)


async def test_informer_syncs_and_dispatches(client, run, informer_for):
    await client.create(CM, cm("pre", run, role="x"))
    informer = Informer(client, CM, NS, label_selector=f"run={run}", page_size=1)
    seen = []
    informer.add_handler(on_add=lambda o: seen.append(("add", o["metadata"]["name"])),
                         on_update=lambda old, new: seen.append(("update", new["metadata"]["name"])),
                         on_delete=lambda o: seen.append(("delete", o["metadata"]["name"])))
    informer.add_index("role", lambda o: (o["metadata"].get("labels") or {}).get("role"))
    await informer_for(informer)
    assert seen == [("add", f"pre-{run}")]
    assert informer.has_synced and informer.keys() == [f"{NS}/pre-{run}"]

    b = (await client.create(CM, cm("b", run, role="x")))["metadata"]["name"]
    await client.patch(CM, b, {"metadata": {"labels": {"role": "y"}}}, "merge", NS)
    await client.delete(CM, f"pre-{run}", NS)
    await eventually(lambda: ("delete", f"pre-{run}") in seen)
    assert seen[1:] == [("add", b), ("update", b), ("delete", f"pre-{run}")]
    assert [o["metadata"]["name"] for o in informer.by_index("role", "y")] == [b]
    assert informer.by_index("role", "x") == []

    copy = informer.get(f"{NS}/{b}")
    copy["data"]["k"] = "mutated"                 # a copy: the cache is untouched
    assert informer.get(f"{NS}/{b}")["data"]["k"] == "v"
    assert informer.get_by_name(b, NS)["metadata"]["labels"]["role"] == "y"
    assert informer.get(f"{NS}/nope") is None


async def test_informer_key_handler_feeds_a_work_queue(client, run, informer_for):
    queue = WorkQueue()
    informer = Informer(client, CM, NS, label_selector=f"run={run}")
    informer.add_key_handler(queue.add)
    await informer_for(informer)
    obj = await client.create(CM, cm("q", run))
    assert await asyncio.wait_for(queue.get(), 10) == object_key(obj)


async def test_informer_handler_added_late_gets_existing_objects(client, run, informer_for):
    await client.create(CM, cm("late", run))
    informer = await informer_for(Informer(client, CM, NS, label_selector=f"run={run}"))
    seen = []
    informer.add_handler(on_add=lambda o: seen.append(o["metadata"]["name"]))
    assert seen == [f"late-{run}"]


class StaleListInformer(Informer):
    """Its first list claims an old resourceVersion, as if the informer had been cut off for
    long (a live watch never falls behind: the server's bookmarks keep its RV fresh)."""

    def __init__(self, *args, stale_rv, **kwargs):
        super().__init__(*args, **kwargs)
        self.stale_rv = stale_rv

    async def _list_pages(self):
        items, rv = await super()._list_pages()
        stale, self.stale_rv = self.stale_rv, None
        return items, stale or rv


async def test_informer_relists_after_expired_watch(short_log_client, run, informer_for,
                                                    caplog):
    client = short_log_client
    stale_rv = (await client.list(CM, NS))["metadata"]["resourceVersion"]
    await _push_log_past(client, run)
    informer = StaleListInformer(client, CM, NS, label_selector=f"run={run}", stale_rv=stale_rv)
    seen = []
    informer.add_handler(on_add=lambda o: seen.append(o["metadata"]["name"]))
    with caplog.at_level(logging.INFO, logger="machinery.informer"):
        await informer_for(informer)
        await eventually(lambda: any(r.getMessage() == "watch expired, relisting"
                                     for r in caplog.records))
    name = (await client.create(CM, cm("after", run)))["metadata"]["name"]
    await eventually(lambda: name in seen)        # listed again and still watching
    assert int(informer.last_resource_version) > int(stale_rv)
    assert len(informer.keys()) == 9


async def test_informer_relist_emits_differences(client, run, informer_for):
    keep = (await client.create(CM, cm("keep", run)))["metadata"]["name"]
    drop = (await client.create(CM, cm("drop", run)))["metadata"]["name"]
    informer = Informer(client, CM, NS, label_selector=f"run={run}")
    events = []
    informer.add_handler(on_add=lambda o: events.append(("add", o["metadata"]["name"])),
                         on_update=lambda old, new: events.append(("update", new["metadata"]["name"])),
                         on_delete=lambda o: events.append(("delete", o["metadata"]["name"])))
    task = asyncio.create_task(informer.run())
    await informer.wait_synced(10)
    informer.stop()
    await asyncio.wait_for(task, 5)
    events.clear()
    # the world changes while the informer is not watching
    await client.delete(CM, drop, NS)
    await client.patch(CM, keep, {"data": {"k": "v2"}}, "merge", NS)
    new = (await client.create(CM, cm("new", run)))["metadata"]["name"]
    await informer_for(informer)                  # runs again: relist against the old cache
    await eventually(lambda: len(events) >= 3)
    assert sorted(events) == sorted([("delete", drop), ("update", keep), ("add", new)])
    assert sorted(informer.keys()) == sorted([f"{NS}/{keep}", f"{NS}/{new}"])


async def test_informer_resync_replays_updates(client, run, informer_for):
    await client.create(CM, cm("r", run))
    informer = Informer(client, CM, NS, label_selector=f"run={run}", resync_s=0.2)
    updates = []
    informer.add_handler(on_update=lambda old, new: updates.append(old is new))
    await informer_for(informer)
    await eventually(lambda: len(updates) >= 2, timeout=5)
    assert all(updates)                           # resync: the same object as old and new


async def test_cluster_scoped_informer_keys(client, informer_for):
    namespaces = lookup("", "v1", "namespaces")
    informer = await informer_for(Informer(client, namespaces))
    assert "default" in informer.keys()
