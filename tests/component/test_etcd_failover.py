"""The store on a real three-member etcd cluster: when the member it talks to is killed, reads,
writes and the watch cache carry on through another member, and nothing acknowledged is lost."""
from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import tempfile
import urllib.request
import uuid
from dataclasses import dataclass

import pytest

from apiserver.storage import EtcdStore, KeyExists, StorageUnavailable
from apiserver.storage.etcd import parse_endpoints
from apiserver.storage.watch_cache import WatchCache
from tests.cluster import free_port, wait_until
from tests.helpers import async_eventually

pytestmark = pytest.mark.component


@dataclass
class Member:
    name: str
    client_url: str
    process: subprocess.Popen


class EtcdCluster:
    """Three local etcd processes forming one cluster (the HA profile's topology)."""

    def __init__(self) -> None:
        self.data = tempfile.mkdtemp(prefix="tinykube-etcd3-")
        ports = [(free_port(), free_port()) for _ in range(3)]
        peers = ",".join(f"m{i}=http://127.0.0.1:{peer}" for i, (_, peer) in enumerate(ports))
        self.members = []
        for i, (client, peer) in enumerate(ports):
            url = f"http://127.0.0.1:{client}"
            proc = subprocess.Popen(
                ["etcd", "--name", f"m{i}", "--data-dir", f"{self.data}/m{i}",
                 "--listen-client-urls", url, "--advertise-client-urls", url,
                 "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-cluster", peers, "--initial-cluster-state", "new",
                 "--heartbeat-interval", "50", "--election-timeout", "500",
                 "--log-level", "error"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.members.append(Member(f"m{i}", url, proc))
        for m in self.members:
            wait_until(lambda m=m: urllib.request.urlopen(m.client_url + "/health",
                                                          timeout=1).status == 200, 30, m.name)

    @property
    def endpoints(self) -> str:
        return ",".join(m.client_url for m in self.members)

    def kill(self, index: int) -> None:
        self.members[index].process.send_signal(signal.SIGKILL)
        self.members[index].process.wait(10)

    def stop(self) -> None:
        for m in self.members:
            if m.process.poll() is None:
                m.process.kill()
                m.process.wait(10)
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def etcd_cluster():
    if shutil.which("etcd") is None:
        pytest.skip("the etcd binary is missing")
    cluster = EtcdCluster()
    yield cluster
    cluster.stop()


@pytest.fixture
async def ha_store(etcd_cluster):
    store = EtcdStore(etcd_cluster.endpoints, timeout_s=3.0)
    await store.connect()
    yield store
    await store.close()


def test_parse_endpoints():
    assert parse_endpoints("http://a:1,http://b:2, c:3") == [("a", 1), ("b", 2), ("c", 3)]
    assert parse_endpoints("http://etcd") == [("etcd", 2379)]
    assert parse_endpoints("") == [("127.0.0.1", 2379)]


async def write_retrying(store: EtcdStore, key: str, obj: dict) -> None:
    """A client's retry loop: an unanswered create may have landed, so AlreadyExists is fine."""
    for _ in range(50):
        try:
            await store.create(key, obj)
            return
        except KeyExists:
            return
        except StorageUnavailable:
            await asyncio.sleep(0.1)
    raise AssertionError(f"{key} could not be written")


async def test_reads_and_writes_fail_over_when_the_member_dies(etcd_cluster, ha_store):
    prefix = f"/registry/failover/{uuid.uuid4().hex[:6]}/"
    await ha_store.create(prefix + "before", {"metadata": {"name": "before"}})
    first = etcd_cluster.members[0].client_url.removeprefix("http://")
    assert ha_store.endpoint == first

    etcd_cluster.kill(0)
    # A read is retried on the next member in the same call.
    got = await ha_store.get(prefix + "before")
    assert got["metadata"]["name"] == "before"
    assert ha_store.endpoint != first
    await write_retrying(ha_store, prefix + "after", {"metadata": {"name": "after"}})
    listed = await ha_store.list(prefix)
    assert sorted(o["metadata"]["name"] for o in listed.items) == ["after", "before"]


async def test_a_write_to_a_dead_member_is_not_retried_but_the_next_one_lands(etcd_cluster,
                                                                              ha_store):
    prefix = f"/registry/failover/{uuid.uuid4().hex[:6]}/"
    etcd_cluster.kill(0)
    with pytest.raises(StorageUnavailable):
        await ha_store.create(prefix + "a", {"metadata": {"name": "a"}})
    assert ha_store.endpoint != etcd_cluster.members[0].client_url.removeprefix("http://")
    # The next member may still be electing a leader: the client retries, as a real one does.
    await write_retrying(ha_store, prefix + "b", {"metadata": {"name": "b"}})
    assert (await ha_store.get(prefix + "b"))["metadata"]["name"] == "b"


async def test_watch_cache_resumes_on_another_member_without_losing_events(etcd_cluster,
                                                                           ha_store):
    prefix = f"/registry/failover/{uuid.uuid4().hex[:6]}/"
    cache = WatchCache(ha_store, prefix)
    await cache.start()
    try:
        sub = cache.subscribe(cache.rv, lambda o: True)
        # Once the first event arrived, the cache's etcd watch is established: the resume
        # after the kill is what this test is about.
        await ha_store.create(prefix + "first", {"metadata": {"name": "first"}})
        assert (await asyncio.wait_for(sub.queue.get(), 10))[1]["metadata"]["name"] == "first"
        acked = []
        for i in range(5):
            await ha_store.create(prefix + f"o{i}", {"metadata": {"name": f"o{i}"}})
            acked.append(f"o{i}")
        etcd_cluster.kill(0)
        for i in range(5, 15):
            await write_retrying(ha_store, prefix + f"o{i}", {"metadata": {"name": f"o{i}"}})
            acked.append(f"o{i}")

        seen: list[str] = []

        async def all_seen():
            while not sub.queue.empty():
                item = sub.queue.get_nowait()
                assert item is not None, "the subscription was closed"
                seen.append(item[1]["metadata"]["name"])
            return len(seen) >= len(acked)

        await async_eventually(all_seen, timeout=20, message="every acknowledged write watched")
        assert seen == acked      # each once, in order
    finally:
        await cache.stop()
