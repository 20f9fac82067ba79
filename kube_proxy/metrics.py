"""kube-proxy's Prometheus metrics (upstream's names) and the text format they are served in."""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field


def _buckets(start: float, factor: float, count: int) -> tuple[float, ...]:
    return tuple(start * factor ** i for i in range(count))


SYNC_BUCKETS = _buckets(0.001, 2, 15)           # upstream: ExponentialBuckets(0.001, 2, 15)
PROGRAMMING_BUCKETS = _buckets(0.001, 2, 20)


@dataclass
class Histogram:
    name: str
    help: str
    buckets: tuple[float, ...] = SYNC_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        for i in range(index, len(self.buckets)):
            self.counts[i] += 1
        self.total += value
        self.count += 1

    def quantile(self, q: float) -> float | None:
        """The upper bound of the bucket holding the q-quantile (None when empty)."""
        if not self.count:
            return None
        rank = q * self.count
        for bound, seen in zip(self.buckets, self.counts):
            if seen >= rank:
                return bound
        return float("inf")

    def text(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        lines += [f'{self.name}_bucket{{le="{b:g}"}} {c}'
                  for b, c in zip(self.buckets, self.counts)]
        lines += [f'{self.name}_bucket{{le="+Inf"}} {self.count}',
                  f"{self.name}_sum {self.total}", f"{self.name}_count {self.count}"]
        return lines


class ProxyMetrics:
    def __init__(self) -> None:
        self.sync = Histogram("kubeproxy_sync_proxy_rules_duration_seconds",
                              "SyncProxyRules latency in seconds")
        self.full_sync = Histogram("kubeproxy_sync_full_proxy_rules_duration_seconds",
                                   "SyncProxyRules latency in seconds for full resyncs")
        self.partial_sync = Histogram("kubeproxy_sync_partial_proxy_rules_duration_seconds",
                                      "SyncProxyRules latency in seconds for partial resyncs")
        self.programming = Histogram(
            "kubeproxy_network_programming_duration_seconds",
            "In Cluster Network Programming Latency in seconds", PROGRAMMING_BUCKETS)
        self.last_sync_timestamp = 0.0
        self.restore_failures = 0
        self.partial_restore_failures = 0
        self.service_changes = 0
        self.endpoint_changes = 0
        self.rules = {"nat": 0, "filter": 0}
        self.endpoints = 0

    def observe_sync(self, seconds: float, full: bool) -> None:
        self.sync.observe(seconds)
        (self.full_sync if full else self.partial_sync).observe(seconds)

    def synced(self, rules: dict[str, int], endpoints: int) -> None:
        self.last_sync_timestamp = time.time()
        self.rules = dict(rules)
        self.endpoints = endpoints

    def text(self) -> str:
        lines: list[str] = []
        for hist in (self.sync, self.full_sync, self.partial_sync, self.programming):
            lines += hist.text()
        scalars = [
            ("kubeproxy_sync_proxy_rules_last_timestamp_seconds", "gauge",
             "The last time proxy rules were successfully synced", self.last_sync_timestamp),
            ("kubeproxy_sync_proxy_rules_iptables_restore_failures_total", "counter",
             "Cumulative proxy iptables restore failures", self.restore_failures),
            ("kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total", "counter",
             "Cumulative proxy iptables partial restore failures",
             self.partial_restore_failures),
            ("kubeproxy_sync_proxy_rules_service_changes_total", "counter",
             "Cumulative proxy rules Service changes", self.service_changes),
            ("kubeproxy_sync_proxy_rules_endpoint_changes_total", "counter",
             "Cumulative proxy rules Endpoint changes", self.endpoint_changes),
            ("kubeproxy_sync_proxy_rules_endpoints", "gauge",
             "Endpoints programmed at the last sync", self.endpoints),
        ]
        for name, kind, help_, value in scalars:
            lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}", f"{name} {value}"]
        name = "kubeproxy_sync_proxy_rules_iptables_total"
        lines += [f"# HELP {name} Total number of iptables rules owned by kube-proxy",
                  f"# TYPE {name} gauge"]
        lines += [f'{name}{{table="{t}"}} {n}' for t, n in sorted(self.rules.items())]
        return "\n".join(lines) + "\n"
