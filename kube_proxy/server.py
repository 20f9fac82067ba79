"""`/healthz` and `/metrics`: a small HTTP/1.1 server on asyncio streams (no framework needed).

`/healthz` answers as upstream's proxy health server: 200 with
`{"lastUpdated": ..., "currentTime": ..., "nodeEligible": true}` while the last successful sync
is recent, 503 with the same body once it is older than the health timeout (or before the
first sync).
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Callable




def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


class HealthState:
    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.time):
        self.timeout_s, self.clock = timeout_s, clock
        self.last_updated: float | None = None

    def updated(self) -> None:
        self.last_updated = self.clock()

    def healthy(self) -> bool:
        return self.last_updated is not None and \
            self.clock() - self.last_updated <= self.timeout_s

    def body(self) -> dict:
        now = self.clock()
        return {"lastUpdated": _iso(self.last_updated) if self.last_updated else "",
                "currentTime": _iso(now),
                "secondsSinceLastUpdate": (round(now - self.last_updated, 3)
                                           if self.last_updated else None),
                "nodeEligible": True}


Route = Callable[[], tuple[int, str, str]]      # -> (status, content type, body)


def health_route(state: HealthState) -> Route:
    def route() -> tuple[int, str, str]:
        status = 200 if state.healthy() else 503
        return status, "application/json", json.dumps(state.body())
    return route
