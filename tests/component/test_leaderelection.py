"""Leader election on a real Lease: one leader at a time, hand-over on release and on expiry."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tests.helpers import async_eventually

from machinery.api.errors import Conflict
from machinery.leaderelection import LEASES, LeaderElectionLost, LeaderElector

pytestmark = pytest.mark.component

FAST = dict(lease_duration_s=3, renew_deadline_s=2, retry_period_s=0.4)


async def eventually(predicate, timeout=10.0, interval=0.05):
    return await async_eventually(predicate, timeout, interval)


def candidate(client, lease, name, **overrides):
    elector = LeaderElector(client, lease, name, **{**FAST, **overrides})
    led = asyncio.Event()

    async def lead():
        led.set()
        await asyncio.Event().wait()     # lead until cancelled
    task = asyncio.create_task(elector.run(lead))
    return elector, led, task


async def test_one_leads_and_the_other_takes_over_on_release(api_client):
    lease = f"le-{uuid.uuid4().hex[:8]}"
    a, a_led, a_task = candidate(api_client, lease, "a")
    await asyncio.wait_for(a_led.wait(), 5)
    b, b_led, b_task = candidate(api_client, lease, "b")
    await asyncio.sleep(1.5)                      # several retry periods
    assert a.is_leader and not b.is_leader and not b_led.is_set()

    obj = await api_client.get(LEASES, lease, "kube-system")
    assert obj["spec"]["holderIdentity"] == "a"
    assert obj["spec"]["leaseDurationSeconds"] == 3
    assert obj["spec"]["renewTime"].endswith("Z") and len(obj["spec"]["renewTime"]) == 27

    a_task.cancel()                               # graceful: releases the lease
    await asyncio.gather(a_task, return_exceptions=True)
    released = await api_client.get(LEASES, lease, "kube-system")
    assert not released["spec"].get("holderIdentity")
    started = time.monotonic()
    await asyncio.wait_for(b_led.wait(), 3)
    assert time.monotonic() - started < 3
    assert b.is_leader
    obj = await api_client.get(LEASES, lease, "kube-system")
    assert obj["spec"]["holderIdentity"] == "b"
    assert obj["spec"]["leaseTransitions"] == 1    # a created it (0), b took over
    b.stop()
    await asyncio.wait_for(b_task, 5)
    await api_client.delete(LEASES, lease, "kube-system")


async def test_crashed_leader_is_replaced_after_lease_duration(api_client):
    lease = f"le-{uuid.uuid4().hex[:8]}"
    a, a_led, a_task = candidate(api_client, lease, "a", release_on_cancel=False)
    await asyncio.wait_for(a_led.wait(), 5)
    b, b_led, b_task = candidate(api_client, lease, "b")
    await asyncio.sleep(0.5)
    a_task.cancel()                               # a "crash": no release
    started = time.monotonic()
    await asyncio.wait_for(b_led.wait(), 8)
    waited = time.monotonic() - started
    assert 1.5 < waited < 3 + 2                   # not before the lease expired, soon after
    obj = await api_client.get(LEASES, lease, "kube-system")
    assert obj["spec"]["holderIdentity"] == "b"
    assert obj["spec"]["leaseTransitions"] == 1
    b_task.cancel()
    await asyncio.gather(b_task, return_exceptions=True)
    await api_client.delete(LEASES, lease, "kube-system")


async def test_many_candidates_never_two_leaders(api_client):
    lease = f"le-{uuid.uuid4().hex[:8]}"
    candidates = [candidate(api_client, lease, f"c{i}") for i in range(4)]
    await eventually(lambda: any(c[0].is_leader for c in candidates), 5)
    for _ in range(10):
        assert sum(c[0].is_leader for c in candidates) == 1
        await asyncio.sleep(0.2)
    for _, _, task in candidates:
        task.cancel()
    await asyncio.gather(*(c[2] for c in candidates), return_exceptions=True)
    await api_client.delete(LEASES, lease, "kube-system")


async def test_losing_the_lease_cancels_the_callback_and_raises(api_client):
    lease = f"le-{uuid.uuid4().hex[:8]}"
    a, a_led, a_task = candidate(api_client, lease, "a")
    await asyncio.wait_for(a_led.wait(), 5)
    # another party steals the lease: a's renewals are refused until its deadline passes
    async def steal():
        obj = await api_client.get(LEASES, lease, "kube-system")
        obj["spec"]["holderIdentity"] = "thief"
        try:
            return await api_client.update(LEASES, obj)
        except Conflict:                          # raced with a renewal: read again
            return None
    await eventually(steal, 5)
    with pytest.raises(LeaderElectionLost):
        await asyncio.wait_for(a_task, 6)
    assert not a.is_leader
    await api_client.delete(LEASES, lease, "kube-system")
