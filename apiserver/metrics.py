"""Prometheus metrics of the api-server: request counts and latency by verb and resource, and
the number of open watches. Rendered in the Prometheus text format at /metrics."""
from __future__ import annotations

import bisect
import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency: dict[tuple[str, str], list[int]] = {}
        self.latency_sum: dict[tuple[str, str], float] = defaultdict(float)
        self.watchers: dict[str, int] = defaultdict(int)

    def observe(self, verb: str, resource: str, code: int, seconds: float) -> None:
        with self._lock:
            self.requests[(verb, resource, str(code))] += 1
            counts = self.latency.setdefault((verb, resource), [0] * (len(BUCKETS) + 1))
            counts[bisect.bisect_left(BUCKETS, seconds)] += 1
            self.latency_sum[(verb, resource)] += seconds

    def watch_started(self, resource: str) -> None:
        self.watchers[resource] += 1

    def watch_ended(self, resource: str) -> None:
        self.watchers[resource] -= 1

    def render(self) -> str:
        out = ["# HELP apiserver_request_total Counter of apiserver requests by verb, resource "
               "and HTTP response code.", "# TYPE apiserver_request_total counter"]
        with self._lock:
            for (verb, res, code), n in sorted(self.requests.items()):
                out.append(f'apiserver_request_total{{verb="{verb}",resource="{res}",'
                           f'code="{code}"}} {n}')
            out += ["# HELP apiserver_request_duration_seconds Response latency distribution "
                    "in seconds for each verb and resource.",
                    "# TYPE apiserver_request_duration_seconds histogram"]
            for (verb, res), counts in sorted(self.latency.items()):
                cumulative = 0
                labels = f'verb="{verb}",resource="{res}"'
                for bound, n in zip(BUCKETS + (float("inf"),), counts):
                    cumulative += n
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    out.append(f'apiserver_request_duration_seconds_bucket{{{labels},le="{le}"}} '
                               f'{cumulative}')
                out.append(f"apiserver_request_duration_seconds_sum{{{labels}}} "
                           f"{self.latency_sum[(verb, res)]:.6f}")
                out.append(f"apiserver_request_duration_seconds_count{{{labels}}} {cumulative}")
            out += ["# HELP apiserver_registered_watchers Number of currently open watches "
                    "per resource.", "# TYPE apiserver_registered_watchers gauge"]
            for res, n in sorted(self.watchers.items()):
                out.append(f'apiserver_registered_watchers{{resource="{res}"}} {n}')
        return "\n".join(out) + "\n"
