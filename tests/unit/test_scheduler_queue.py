"""The scheduling queue: priority order, back-off, unschedulable parking and moves."""
from __future__ import annotations

import asyncio
import time

import pytest

from scheduler.queue import SchedulingQueue
from tests.unit.test_scheduler_plugins import pod

pytestmark = pytest.mark.unit


def prio(name, value=0, **kw):
    p = pod(name, **kw)
    p["spec"]["priority"] = value
    return p


async def pop(queue, timeout=1.0):
    return await asyncio.wait_for(queue.pop(), timeout)


async def test_higher_priority_first_then_fifo():
    q = SchedulingQueue()
    for name, value in (("a", 0), ("b", 10), ("c", 0), ("d", 10)):
        q.add(prio(name, value))
    assert [(await pop(q)).key for _ in range(4)] == ["default/b", "default/d", "default/a",
                                                      "default/c"]


async def test_adding_twice_queues_once_with_the_latest_object():
    q = SchedulingQueue()
    q.add(prio("a"))
    q.add(prio("a", labels={"v": "2"}))
    first = await pop(q)
    assert first.pod["metadata"]["labels"] == {"v": "2"}
    with pytest.raises(asyncio.TimeoutError):
        await pop(q, 0.1)


def test_backoff_doubles_from_one_to_ten_seconds():
    q = SchedulingQueue()
    assert [q.backoff_s(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


async def test_unschedulable_pod_waits_for_a_change_then_backs_off():
    q = SchedulingQueue(initial_backoff_s=0.2, max_backoff_s=0.4)
    q.add(prio("a"))
    queued = await pop(q)
    q.unschedulable(queued)
    assert q.counts() == {"active": 0, "backoff": 0, "unschedulable": 1}
    with pytest.raises(asyncio.TimeoutError):
        await pop(q, 0.3)                 # nothing changed: no retry
    q.move_all()
    started = time.monotonic()
    again = await pop(q)
    assert again.key == "default/a" and again.attempts == 2
    assert time.monotonic() - started < 0.25   # its 0.2 s back-off had mostly run already


async def test_move_during_an_attempt_sends_the_pod_to_backoff_not_parking():
    q = SchedulingQueue(initial_backoff_s=0.05)
    q.add(prio("a"))
    queued = await pop(q)
    q.move_all()                          # e.g. a node appeared while we were deciding
    q.unschedulable(queued)
    assert q.counts()["unschedulable"] == 0
    assert (await pop(q)).key == "default/a"


async def test_status_only_updates_do_not_requeue_but_spec_changes_do():
    q = SchedulingQueue(initial_backoff_s=0.01)
    p = prio("a")
    q.add(p)
    q.unschedulable(await pop(q))
    q.add({**p, "status": {"conditions": [{"type": "PodScheduled", "status": "False"}]}})
    assert q.counts()["unschedulable"] == 1
    q.add({**p, "spec": {**p["spec"], "nodeSelector": {"x": "y"}}})
    assert (await pop(q)).pod["spec"]["nodeSelector"] == {"x": "y"}


async def test_retry_after_error_uses_backoff_and_delete_forgets():
    q = SchedulingQueue(initial_backoff_s=0.1)
    q.add(prio("a"))
    queued = await pop(q)
    started = time.monotonic()
    q.retry(queued)
    assert (await pop(q)).key == "default/a"
    assert time.monotonic() - started >= 0.09
    q.add(prio("b"))
    q.delete("default/b")
    with pytest.raises(asyncio.TimeoutError):
        await pop(q, 0.1)


async def test_unschedulable_pods_are_retried_after_the_maximum_wait():
    q = SchedulingQueue(initial_backoff_s=0.01, max_unschedulable_s=0.2)
    q.add(prio("a"))
    q.unschedulable(await pop(q))
    assert (await pop(q, 1.0)).attempts == 2


async def test_close_wakes_pop():
    q = SchedulingQueue()
    waiter = asyncio.create_task(q.pop())
    await asyncio.sleep(0.01)
    q.close()
    assert await asyncio.wait_for(waiter, 1) is None
