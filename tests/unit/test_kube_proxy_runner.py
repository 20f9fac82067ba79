"""BoundedFrequencyRunner: min interval between runs, max interval without requests, retries."""
from __future__ import annotations

import asyncio
import time

import pytest

from kube_proxy.runner import BoundedFrequencyRunner

pytestmark = pytest.mark.unit


class Recorder:
    def __init__(self, results=()):
        self.times: list[float] = []
        self.results = list(results)

    async def __call__(self) -> bool:
        self.times.append(time.monotonic())
        return self.results.pop(0) if self.results else True


async def run_for(runner: BoundedFrequencyRunner, seconds: float, during=None):
    task = asyncio.create_task(runner.loop())
    if during:
        await during()
    await asyncio.sleep(seconds)
    runner.stop()
    await asyncio.wait_for(task, 2)


async def test_first_run_is_immediate_and_a_burst_collapses():
    rec = Recorder()
    runner = BoundedFrequencyRunner("t", rec, min_interval_s=0.3, max_interval_s=10)

    async def burst():
        await asyncio.sleep(0.02)
        for _ in range(50):
            runner.run()

    start = time.monotonic()
    await run_for(runner, 0.5, burst)
    assert rec.times[0] - start < 0.1
    assert len(rec.times) == 2                       # the burst became one run ...
    assert rec.times[1] - rec.times[0] >= 0.29       # ... after the min interval


async def test_runs_at_least_every_max_interval_without_requests():
    rec = Recorder()
    runner = BoundedFrequencyRunner("t", rec, min_interval_s=0.0, max_interval_s=0.1)
    await run_for(runner, 0.45)
    assert 4 <= len(rec.times) <= 6


async def test_failure_is_retried_after_the_retry_interval():
    rec = Recorder(results=[False, True])
    runner = BoundedFrequencyRunner("t", rec, min_interval_s=0.0, max_interval_s=10,
                                    retry_interval_s=0.1)
    await run_for(runner, 0.3)
    assert len(rec.times) == 2
    assert 0.09 <= rec.times[1] - rec.times[0] < 0.25


async def test_an_exception_counts_as_a_failure_and_the_loop_goes_on():
    calls = []

    async def boom() -> bool:
        calls.append(1)
        raise RuntimeError("no")

    runner = BoundedFrequencyRunner("t", boom, min_interval_s=0.0, max_interval_s=10,
                                    retry_interval_s=0.05)
    await run_for(runner, 0.2)
    assert len(calls) >= 3


async def test_stop_wakes_a_waiting_loop_at_once():
    runner = BoundedFrequencyRunner("t", Recorder(), min_interval_s=0, max_interval_s=60)
    task = asyncio.create_task(runner.loop())
    await asyncio.sleep(0.05)
    start = time.monotonic()
    runner.stop()
    await asyncio.wait_for(task, 1)
    assert time.monotonic() - start < 0.2


def test_max_below_min_is_rejected():
    with pytest.raises(ValueError):
        BoundedFrequencyRunner("t", Recorder(), min_interval_s=2, max_interval_s=1)
