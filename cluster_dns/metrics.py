"""Prometheus metrics under CoreDNS's names, and the text exposition format they are served in."""
from __future__ import annotations

import bisect
from collections import Counter as _Tally

DURATION_BUCKETS = (0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128,
                    0.256, 0.512, 1.024, 2.048, 4.096, 8.192)


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not names:
        return ""
    inner = ",".join(f'{n}="{v}"' for n, v in zip(names, values))
    return "{" + inner + "}"


class Counter:
    def __init__(self, name: str, help_: str, labels: tuple[str, ...] = ()):
        self.name, self.help, self.label_names = name, help_, labels
        self.values: _Tally[tuple[str, ...]] = _Tally()

    def inc(self, *labels: str, by: int = 1) -> None:
        self.values[labels] += by

    def get(self, *labels: str) -> int:
        return self.values[labels]

    def text(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        lines += [f"{self.name}{_labels(self.label_names, k)} {v}"
                  for k, v in sorted(self.values.items())]
        return lines


class Histogram:
    def __init__(self, name: str, help_: str, buckets: tuple[float, ...] = DURATION_BUCKETS):
        self.name, self.help, self.buckets = name, help_, buckets
        self.counts = [0] * len(buckets)
        self.total, self.count = 0.0, 0

    def observe(self, value: float) -> None:
        for i in range(bisect.bisect_left(self.buckets, value), len(self.buckets)):
            self.counts[i] += 1
        self.total += value
        self.count += 1

    def text(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        lines += [f'{self.name}_bucket{{le="{b:g}"}} {c}' for b, c in zip(self.buckets, self.counts)]
        lines += [f'{self.name}_bucket{{le="+Inf"}} {self.count}',
                  f"{self.name}_sum {self.total}", f"{self.name}_count {self.count}"]
        return lines


class DnsMetrics:
    def __init__(self) -> None:
        self.requests = Counter("coredns_dns_requests_total", "Counter of DNS requests made per "
                                "zone, protocol and family.", ("proto", "type"))
        self.responses = Counter("coredns_dns_responses_total", "Counter of response status "
                                 "codes.", ("rcode",))
        self.forwarded = Counter("coredns_forward_requests_total", "Counter of requests made "
                                 "per upstream.", ("to",))
        self.duration = Histogram("coredns_dns_request_duration_seconds", "Histogram of the "
                                  "time (in seconds) each request took.")

    def text(self) -> str:
        lines: list[str] = []
        for metric in (self.requests, self.responses, self.forwarded, self.duration):
            lines += metric.text()
        return "\n".join(lines) + "\n"
