"""Optimistic concurrency under contention: many clients increment one ConfigMap counter by
read-modify-write. Every write either lands on exactly the version it read or is refused with
409 Conflict, so no increment is lost and none is applied twice: the final counter equals the
number of writes the server acknowledged, and the acknowledged versions form one strictly
increasing chain in which each write's predecessor is the version its client read."""
from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field

import pytest

from machinery.api import resources
from machinery.api.errors import Conflict
from machinery.client import ApiClient

pytestmark = pytest.mark.component

NAMESPACES = resources.lookup("", "v1", "namespaces")
CONFIGMAPS = resources.lookup("", "v1", "configmaps")
CLIENTS = 20
INCREMENTS = 10    # 200 landed writes per verb; each costs ~CLIENTS/2 attempts


@dataclass
class Tally:
    """What the clients saw: the (read rv -> written rv) of every landed write, and 409s."""
    landed: list[tuple[int, int, int]] = field(default_factory=list)  # (read rv, new rv, value)
    conflicts: int = 0


@pytest.fixture
async def counter(api_client: ApiClient):
    ns = f"conc-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"metadata": {"name": ns}})
    await api_client.create(CONFIGMAPS, {"metadata": {"name": "counter", "namespace": ns},
                                         "data": {"n": "0"}})
    yield ns
    await api_client.delete(NAMESPACES, ns)


async def _put_increment(client: ApiClient, ns: str) -> tuple[int, int, int]:
    """GET, +1, PUT carrying the resourceVersion read. Conflict propagates."""
    cm = await client.get(CONFIGMAPS, "counter", ns)
    read_rv = int(cm["metadata"]["resourceVersion"])
    value = int(cm["data"]["n"]) + 1
    cm["data"]["n"] = str(value)
    written = await client.update(CONFIGMAPS, cm)
    return read_rv, int(written["metadata"]["resourceVersion"]), value


async def _patch_increment(client: ApiClient, ns: str) -> tuple[int, int, int]:
    """GET, +1, merge PATCH whose metadata.resourceVersion is the precondition."""
    cm = await client.get(CONFIGMAPS, "counter", ns)
    read_rv = cm["metadata"]["resourceVersion"]
    value = int(cm["data"]["n"]) + 1
    patch = {"metadata": {"resourceVersion": read_rv}, "data": {"n": str(value)}}
    written = await client.patch(CONFIGMAPS, "counter", patch, "merge", ns)
    return int(read_rv), int(written["metadata"]["resourceVersion"]), value


async def _client_loop(api_server, ns: str, tally: Tally, increment) -> None:
    """One client (its own connection pool) landing INCREMENTS writes, retrying each 409."""
    async with ApiClient.from_kubeconfig(api_server.kubeconfig) as client:
        done = 0
        while done < INCREMENTS:
            try:
                tally.landed.append(await increment(client, ns))
                done += 1
            except Conflict:
                tally.conflicts += 1
                await asyncio.sleep(random.random() * 0.02)  # as a client's retry jitter


def _check_chain(tally: Tally, final: dict) -> None:
    landed = sorted(tally.landed, key=lambda w: w[1])
    assert len(landed) == CLIENTS * INCREMENTS
    # Each landed write is the direct successor of the version its client read: the read
    # versions and the written versions interleave as one chain with no fork.
    for before, after in zip(landed, landed[1:]):
        assert after[0] == before[1], f"write {after} did not land on the version it read"
    assert [w[2] for w in landed] == list(range(1, len(landed) + 1)), "a value was skipped"
    assert final["data"]["n"] == str(len(landed))
    assert final["metadata"]["resourceVersion"] == str(landed[-1][1])


@pytest.mark.parametrize("increment", [_put_increment, _patch_increment], ids=["put", "patch"])
async def test_read_modify_write_never_loses_an_increment(api_server, api_client, counter,
                                                          increment):
    tally = Tally()
    await asyncio.gather(*(_client_loop(api_server, counter, tally, increment)
                           for _ in range(CLIENTS)))
    final = await api_client.get(CONFIGMAPS, "counter", counter)
    _check_chain(tally, final)
    assert tally.conflicts > 0, "20 concurrent clients never collided: the test proves nothing"
    print(f"\nconcurrency ({increment.__name__}): {len(tally.landed)} writes landed, "
          f"{tally.conflicts} refused with 409, counter {final['data']['n']}")


async def test_stale_write_is_refused_and_changes_nothing(api_client, counter):
    cm = await api_client.get(CONFIGMAPS, "counter", counter)
    fresh = await api_client.patch(CONFIGMAPS, "counter", {"data": {"n": "41"}}, "merge", counter)
    stale = dict(cm, data={"n": "999"})
    with pytest.raises(Conflict):
        await api_client.update(CONFIGMAPS, stale)
    with pytest.raises(Conflict):
        await api_client.patch(CONFIGMAPS, "counter", {"metadata": {
            "resourceVersion": cm["metadata"]["resourceVersion"]}, "data": {"n": "999"}},
            "merge", counter)
    now = await api_client.get(CONFIGMAPS, "counter", counter)
    assert now["data"] == {"n": "41"}
    assert now["metadata"]["resourceVersion"] == fresh["metadata"]["resourceVersion"]


async def test_concurrent_creates_of_one_name_exactly_one_wins(api_server, api_client, counter):
    async def create(i: int):
        async with ApiClient.from_kubeconfig(api_server.kubeconfig) as client:
            try:
                return await client.create(CONFIGMAPS, {
                    "metadata": {"name": "race", "namespace": counter}, "data": {"by": str(i)}})
            except Exception as e:  # AlreadyExists for every loser
                return e
    results = await asyncio.gather(*(create(i) for i in range(CLIENTS)))
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if not isinstance(r, dict)]
    assert len(winners) == 1
    assert all(type(e).__name__ == "AlreadyExists" for e in losers), losers
    stored = await api_client.get(CONFIGMAPS, "race", counter)
    assert stored["data"] == winners[0]["data"]
