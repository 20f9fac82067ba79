"""The kubelet's projected token cache: reuse, refresh at 80% of the lifetime, fallbacks."""
from __future__ import annotations

import pytest

from kubelet.volumes_tokens import TokenCache

pytestmark = pytest.mark.unit

POD = {"metadata": {"name": "p", "namespace": "ns", "uid": "u1"}}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _cache(clock, fail=None):
    calls = []

    async def request(ns, sa, audience, expiration_s, pod):
        calls.append((ns, sa, audience, expiration_s, pod["metadata"]["uid"]))
        if fail and fail():
            raise RuntimeError("api-server down")
        return f"token-{len(calls)}", clock.now + expiration_s
    return TokenCache(request, clock), calls


async def test_reused_until_80_percent_then_refreshed():
    clock = Clock()
    cache, calls = _cache(clock)
    assert await cache.get("ns", "default", None, 1000, POD) == "token-1"
    clock.now += 799
    assert await cache.get("ns", "default", None, 1000, POD) == "token-1"
    clock.now += 2
    assert await cache.get("ns", "default", None, 1000, POD) == "token-2"
    assert len(calls) == 2


async def test_separate_tokens_per_pod_and_audience():
    clock = Clock()
    cache, calls = _cache(clock)
    await cache.get("ns", "default", None, 3607, POD)
    await cache.get("ns", "default", "vault", 3607, POD)
    other = {"metadata": {**POD["metadata"], "uid": "u2"}}
    await cache.get("ns", "default", None, 3607, other)
    await cache.get("ns", "default", None, 3607, POD)
    assert [c[2] for c in calls] == [None, "vault", None]


async def test_failed_refresh_keeps_the_token_until_it_expires():
    clock, down = Clock(), [False]
    cache, _ = _cache(clock, fail=lambda: down[0])
    await cache.get("ns", "default", None, 1000, POD)
    down[0] = True
    clock.now += 900
    assert await cache.get("ns", "default", None, 1000, POD) == "token-1"
    clock.now += 200                                  # past its expiry: nothing usable
    with pytest.raises(RuntimeError):
        await cache.get("ns", "default", None, 1000, POD)
