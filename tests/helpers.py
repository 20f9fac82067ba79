"""Helpers for every test tier: wait for a condition instead of sleeping.

    node = eventually(lambda: kubectl_json("get", "node", "node-1"), timeout=30)
    await async_eventually(lambda: client.get(...), timeout=10)

The predicate is called until it returns something truthy, which is returned.
A predicate that raises (an AssertionError, a connection refused, a 404) simply
has not come true yet; at the timeout, the last value or error is reported.
"""
from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Awaitable, Callable, TypeVar

T = TypeVar("T")


class EventuallyTimeout(AssertionError):
    """The condition did not come true in time; its last error is the __cause__."""


def _timeout_error(what: str, timeout: float, attempts: int, last: Any) -> EventuallyTimeout:
    return EventuallyTimeout(
        f"{what} did not come true within {timeout:g}s ({attempts} attempts); last result: {last!r}")


def eventually(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.25,
               message: str | None = None) -> T:
    """Call `predicate` until it returns a truthy value, and return that value."""
    what = message or getattr(predicate, "__name__", "condition")
    deadline = time.monotonic() + timeout
    attempts, last, error = 0, None, None
    while True:
        attempts += 1
        try:
            last, error = predicate(), None
            if last:
                return last
        except Exception as exc:  # not true yet: remember why
            last, error = exc, exc
        if time.monotonic() >= deadline:
            raise _timeout_error(what, timeout, attempts, last) from error
        time.sleep(interval)


async def async_eventually(predicate: Callable[[], T | Awaitable[T]], timeout: float = 30.0,
                           interval: float = 0.1, message: str | None = None) -> T:
    """`eventually` for asyncio tests: `predicate` may be a plain or an async function."""
    what = message or getattr(predicate, "__name__", "condition")
    deadline = time.monotonic() + timeout
    attempts, last, error = 0, None, None
    while True:
        attempts += 1
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            last, error = result, None
            if last:
                return last
        except Exception as exc:  # not true yet: remember why
            last, error = exc, exc
        if time.monotonic() >= deadline:
            raise _timeout_error(what, timeout, attempts, last) from error
        await asyncio.sleep(interval)
