"""Projected service-account tokens: one TokenRequest per pod and token spec, reused until it
nears its end, as upstream's kubelet token manager.

A token is requested again once 80% of its lifetime has passed (or it is older than 24 hours);
pod syncs run every few seconds, so the file is rewritten with the new token soon after. If the
api-server cannot issue one, the cached token serves until it expires.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from machinery.runtime import kv

log = logging.getLogger("kubelet.tokens")

REFRESH_FRACTION = 0.8
MAX_AGE_S = 24 * 3600
# (namespace, service account, audience, expirationSeconds, pod) -> (token, expiry epoch)
Requester = Callable[[str, str, str | None, int, dict], Awaitable[tuple[str, float]]]


@dataclass
class CachedToken:
    token: str
    issued: float
    expires: float

    def needs_refresh(self, now: float) -> bool:
        lifetime = self.expires - self.issued
        return now >= self.issued + REFRESH_FRACTION * lifetime or \
            now >= self.issued + MAX_AGE_S


class TokenCache:
    def __init__(self, request: Requester, clock: Callable[[], float] = time.time):
        self.request, self.clock = request, clock
        self._tokens: dict[tuple, CachedToken] = {}

    async def get(self, namespace: str, sa: str, audience: str | None, expiration_s: int,
                  pod: dict) -> str:
        """The pod's token for this spec; raises what the requester raises when there is no
        usable token at all."""
        now = self.clock()
        self._forget_expired(now)
        key = (pod["metadata"]["uid"], sa, audience or "", expiration_s)
        cached = self._tokens.get(key)
        if cached is not None and not cached.needs_refresh(now):
            return cached.token
        try:
            token, expires = await self.request(namespace, sa, audience, expiration_s, pod)
        except Exception as e:
            if cached is not None and now < cached.expires:
                log.info("token refresh failed, keeping the current one",
                         extra=kv(pod=f"{namespace}/{pod['metadata']['name']}", error=str(e)))
                return cached.token
            raise
        self._tokens[key] = CachedToken(token, now, expires)
        return token

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, t in self._tokens.items() if now >= t.expires]:
            del self._tokens[key]
