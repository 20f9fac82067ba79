"""tests/helpers.py: eventually() and async_eventually()."""
from __future__ import annotations

import pytest

from tests.helpers import EventuallyTimeout, async_eventually, eventually

pytestmark = pytest.mark.unit


def counter_until(n: int, value="done"):
    calls = []

    def predicate():
        calls.append(1)
        if len(calls) < n:
            raise AssertionError(f"only {len(calls)} calls")
        return value
    return predicate, calls


def test_returns_first_truthy_value_after_errors():
    predicate, calls = counter_until(3)
    assert eventually(predicate, timeout=5, interval=0.01) == "done"
    assert len(calls) == 3


def test_times_out_with_last_error_as_cause():
    predicate, _ = counter_until(10**9)
    with pytest.raises(EventuallyTimeout, match="ready did not come true") as info:
        eventually(predicate, timeout=0.1, interval=0.01, message="ready")
    assert isinstance(info.value.__cause__, AssertionError)


def test_falsy_results_are_not_true():
    with pytest.raises(EventuallyTimeout, match=r"last result: \[\]"):
        eventually(lambda: [], timeout=0.05, interval=0.01)


async def test_async_accepts_coroutine_predicates():
    calls = []

    async def predicate():
        calls.append(1)
        return len(calls) >= 2 and "ok"
    assert await async_eventually(predicate, timeout=5, interval=0.01) == "ok"
    assert len(calls) == 2


async def test_async_times_out():
    with pytest.raises(EventuallyTimeout):
        await async_eventually(lambda: 0, timeout=0.05, interval=0.01)
