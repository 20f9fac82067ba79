"""Work queue semantics (dedup, one worker per key, delays, back-off, shutdown) and the
Controller's handling of reconcile results and errors."""
import asyncio
import time

import pytest

from machinery.controller import Controller, Result, TerminalError
from machinery.workqueue import (
    ItemExponentialBackoff, MaxOf, TokenBucket, WorkQueue, default_controller_rate_limiter,
)

pytestmark = pytest.mark.unit


async def eventually(predicate, timeout=2.0, interval=0.005):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


# --- rate limiters ------------------------------------------------------------------------------

def test_exponential_backoff_doubles_and_caps():
    rl = ItemExponentialBackoff(0.005, 1000.0)
    delays = [rl.when("a") for _ in range(5)]
    assert delays == [0.005, 0.01, 0.02, 0.04, 0.08]
    assert rl.num_requeues("a") == 5
    for _ in range(30):
        rl.when("a")
    assert rl.when("a") == 1000.0
    assert rl.when("b") == 0.005            # per key
    rl.forget("a")
    assert rl.num_requeues("a") == 0
    assert rl.when("a") == 0.005
    for _ in range(2000):                    # no float overflow however long it fails
        rl.when("c")
    assert rl.when("c") == 1000.0


def test_token_bucket_burst_then_qps():
    clock = FakeClock()
    bucket = TokenBucket(qps=10, burst=100, clock=clock)
    assert all(bucket.when("k") == 0 for _ in range(100))
    assert bucket.when("k") == pytest.approx(0.1)
    assert bucket.when("k") == pytest.approx(0.2)
    clock.now += 0.2                           # pays back the two reservations
    assert bucket.when("k") == pytest.approx(0.1)
    clock.now += 100.0                         # refills up to the burst, no further
    assert all(bucket.when("k") == 0 for _ in range(100))
    assert bucket.when("k") > 0


def test_max_of_takes_the_longest_delay():
    clock = FakeClock()
    rl = MaxOf(ItemExponentialBackoff(0.005, 1000), TokenBucket(10, 1, clock=clock))
    assert rl.when("a") == 0.005
    assert rl.when("a") == pytest.approx(0.1)   # bucket empty: 1/qps beats 10 ms
    assert rl.num_requeues("a") == 2
    rl.forget("a")
    assert rl.num_requeues("a") == 0


def test_default_controller_rate_limiter():
    rl = default_controller_rate_limiter()
    assert rl.when("x") == 0.005
    assert rl.when("x") == 0.01


# --- queue --------------------------------------------------------------------------------------

async def test_dedup_before_processing():
    q = WorkQueue()
    for key in ["a", "b", "a", "a", "c", "b"]:
        q.add(key)
    assert len(q) == 3
    assert [await q.get() for _ in range(3)] == ["a", "b", "c"]
    assert len(q) == 0


async def test_key_in_flight_is_not_handed_out_twice_and_requeued_after_done():
    q = WorkQueue()
    q.add("a")
    assert await q.get() == "a"
    q.add("a")                       # re-added while processing
    assert len(q) == 0               # ... but not handed to another worker
    second = asyncio.create_task(q.get())
    await asyncio.sleep(0.01)
    assert not second.done()
    q.done("a")
    assert await asyncio.wait_for(second, 1) == "a"
    q.done("a")
    assert len(q) == 0


async def test_done_without_readd_does_not_requeue():
    q = WorkQueue()
    q.add("a")
    await q.get()
    q.done("a")
    assert len(q) == 0


async def test_get_waits_for_add():
    q = WorkQueue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0.01)
    assert not getter.done()
    q.add("x")
    assert await asyncio.wait_for(getter, 1) == "x"


async def test_many_waiting_workers_each_get_one_key():
    q = WorkQueue()
    getters = [asyncio.create_task(q.get()) for _ in range(3)]
    await asyncio.sleep(0)
    for key in "abc":
        q.add(key)
    assert sorted(await asyncio.wait_for(asyncio.gather(*getters), 1)) == ["a", "b", "c"]


async def test_add_after_delays_and_keeps_earliest():
    q = WorkQueue()
    q.add_after("a", 0.05)
    q.add_after("a", 10)             # later duplicate: ignored
    q.add_after("b", 10)
    q.add_after("b", 0.02)           # earlier duplicate: wins
    assert len(q) == 0
    started = time.monotonic()
    first = await asyncio.wait_for(q.get(), 1)
    second = await asyncio.wait_for(q.get(), 1)
    assert (first, second) == ("b", "a")
    assert time.monotonic() - started >= 0.04
    assert len(q) == 0


async def test_add_after_zero_adds_now():
    q = WorkQueue()
    q.add_after("a", 0)
    assert len(q) == 1


async def test_add_rate_limited_backs_off_and_forget_resets():
    q = WorkQueue(rate_limiter=ItemExponentialBackoff(0.01, 1.0))
    q.add_rate_limited("a")
    assert q.num_requeues("a") == 1
    await eventually(lambda: len(q) == 1, timeout=1)
    await q.get()
    q.done("a")
    q.add_rate_limited("a")              # 20 ms now
    q.add_rate_limited("a")              # 40 ms, but the earlier pending add wins
    assert q.num_requeues("a") == 3
    await eventually(lambda: len(q) == 1, timeout=1)
    q.forget("a")
    assert q.num_requeues("a") == 0


async def test_shutdown_with_drain_waits_for_queued_and_in_flight():
    q = WorkQueue()
    for key in "abc":
        q.add(key)
    processed = []

    async def worker():
        while (key := await q.get()) is not None:
            await asyncio.sleep(0.01)
            processed.append(key)
            q.done(key)

    in_flight = await q.get()           # taken before shutdown, finished after
    worker_task = asyncio.create_task(worker())
    shutdown = asyncio.create_task(q.shut_down(drain=True))
    await asyncio.sleep(0.05)
    assert not shutdown.done()           # "a" still in flight
    q.add("late")                        # ignored once shutting down
    q.done(in_flight)
    await asyncio.wait_for(shutdown, 1)
    await asyncio.wait_for(worker_task, 1)
    assert processed == ["b", "c"]
    assert await q.get() is None
    assert q.shutting_down


async def test_shutdown_without_drain_drops_queue_and_pending_delays():
    q = WorkQueue()
    q.add("a")
    q.add_after("b", 0.01)
    getter_result = await q.get()
    q.add("a")                            # dirty while in flight
    q.add("c")
    await asyncio.wait_for(q.shut_down(drain=False), 1)
    q.done(getter_result)
    assert len(q) == 0
    assert await q.get() is None
    await asyncio.sleep(0.03)
    assert len(q) == 0                    # the delayed add never fired


async def test_shutdown_wakes_idle_getters():
    q = WorkQueue()
    getters = [asyncio.create_task(q.get()) for _ in range(2)]
    await asyncio.sleep(0.01)
    await asyncio.wait_for(q.shut_down(), 1)
    assert await asyncio.wait_for(asyncio.gather(*getters), 1) == [None, None]


# --- controller ---------------------------------------------------------------------------------

async def _run_until(controller, predicate, timeout=2.0):
    task = asyncio.create_task(controller.run())
    try:
        await eventually(predicate, timeout)
    finally:
        await asyncio.wait_for(controller.stop(), 2)
        await asyncio.wait_for(task, 2)


async def test_controller_reconciles_each_key_once_at_a_time():
    active: set[str] = set()
    overlaps = []
    calls = []

    async def reconcile(key):
        if key in active:
            overlaps.append(key)
        active.add(key)
        calls.append(key)
        await asyncio.sleep(0.01)
        active.discard(key)

    q = WorkQueue()
    c = Controller("test", q, reconcile, workers=4)
    for key in ["a", "b", "a", "c"]:
        c.enqueue(key)
    await _run_until(c, lambda: len(calls) >= 3)
    assert sorted(calls) == ["a", "b", "c"]
    assert overlaps == []


async def test_controller_retries_errors_with_backoff_then_forgets():
    attempts = []

    async def reconcile(key):
        attempts.append(time.monotonic())
        if len(attempts) < 4:
            raise RuntimeError("not yet")

    q = WorkQueue(rate_limiter=ItemExponentialBackoff(0.01, 1.0))
    c = Controller("retry", q, reconcile)
    c.enqueue("k")
    await _run_until(c, lambda: len(attempts) == 4 and q.num_requeues("k") == 0)
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert gaps[0] >= 0.009 and gaps[1] >= 0.019 and gaps[2] >= 0.039
    assert q.num_requeues("k") == 0      # success forgets the back-off


async def test_controller_terminal_error_is_not_retried(caplog):
    calls = []

    async def reconcile(key):
        calls.append(key)
        raise TerminalError("spec is invalid")

    q = WorkQueue(rate_limiter=ItemExponentialBackoff(0.001, 0.01))
    c = Controller("term", q, reconcile)
    c.enqueue("k")
    with caplog.at_level("ERROR", logger="machinery.controller"):
        await _run_until(c, lambda: calls == ["k"])
        await asyncio.sleep(0.02)
    assert calls == ["k"]
    assert q.num_requeues("k") == 0
    assert any("reconcile failed permanently" in r.getMessage() and
               r.fields["error"] == "spec is invalid" for r in caplog.records)


async def test_controller_error_is_logged_with_key(caplog):
    async def reconcile(key):
        raise ValueError("boom")

    q = WorkQueue(rate_limiter=ItemExponentialBackoff(10, 10))
    c = Controller("logs", q, reconcile)
    c.enqueue("ns/x")
    with caplog.at_level("WARNING", logger="machinery.controller"):
        await _run_until(c, lambda: q.num_requeues("ns/x") == 1)
    record = next(r for r in caplog.records if r.getMessage() == "reconcile failed, will retry")
    assert record.fields["key"] == "ns/x" and "boom" in record.fields["error"]


async def test_controller_requeue_after():
    calls = []

    async def reconcile(key):
        calls.append(time.monotonic())
        return Result(requeue_after_s=0.05) if len(calls) == 1 else None

    c = Controller("after", WorkQueue(), reconcile)
    c.enqueue("k")
    await _run_until(c, lambda: len(calls) == 2)
    assert calls[1] - calls[0] >= 0.045


async def test_controller_requeue_uses_rate_limiter():
    calls = []

    async def reconcile(key):
        calls.append(key)
        return Result(requeue=True) if len(calls) == 1 else Result()

    q = WorkQueue(rate_limiter=ItemExponentialBackoff(0.001, 0.01))
    c = Controller("requeue", q, reconcile)
    c.enqueue("k")
    await _run_until(c, lambda: len(calls) == 2 and q.num_requeues("k") == 0)
    assert calls == ["k", "k"]


async def test_controller_stop_drains_queued_keys():
    done = []

    async def reconcile(key):
        await asyncio.sleep(0.01)
        done.append(key)

    c = Controller("drain", WorkQueue(), reconcile, workers=1)
    for key in "abcd":
        c.enqueue(key)
    task = asyncio.create_task(c.run())
    await asyncio.sleep(0)
    await asyncio.wait_for(c.stop(drain=True), 2)
    await asyncio.wait_for(task, 2)
    assert done == list("abcd")
