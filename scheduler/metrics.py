"""The scheduler's Prometheus metrics, rendered in the text exposition format.

Names as upstream's kube-scheduler: `scheduler_schedule_attempts_total{result,profile}`,
`scheduler_e2e_scheduling_duration_seconds` (one attempt: pop to bound),
`scheduler_pod_scheduling_sli_duration_seconds` (first enqueue to bound), `scheduler_pending_pods`.
"""
from __future__ import annotations

import bisect
from typing import Callable

# upstream's buckets: exponential from 1 ms, factor 2, 15 buckets (to ~16 s)
LATENCY_BUCKETS = tuple(0.001 * 2 ** i for i in range(15))


def _labels(pairs: dict[str, str]) -> str:
    if not pairs:
        return ""
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(pairs.items()))
    return "{" + inner + "}"


class Counter:
    def __init__(self, name: str, help_: str):
        self.name, self.help = name, help_
        self.values: dict[tuple, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        self.values[key] = self.values.get(key, 0.0) + amount

    def get(self, **labels: str) -> float:
        return self.values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        for key, value in sorted(self.values.items()):
            lines.append(f"{self.name}{_labels(dict(key))} {value:g}")
        return lines


class Histogram:
    def __init__(self, name: str, help_: str, buckets: tuple[float, ...] = LATENCY_BUCKETS):
        self.name, self.help, self.buckets = name, help_, buckets
        self.series: dict[tuple, list] = {}     # labels -> [bucket counts..., sum, count]

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        series = self.series.setdefault(key, [0] * len(self.buckets) + [0.0, 0])
        for i in range(bisect.bisect_left(self.buckets, value), len(self.buckets)):
            series[i] += 1                 # cumulative buckets: every bound >= value
        series[-2] += value
        series[-1] += 1

    def count(self, **labels: str) -> int:
        series = self.series.get(tuple(sorted(labels.items())))
        return series[-1] if series else 0

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key, series in sorted(self.series.items()):
            labels = dict(key)
            for bound, count in zip(self.buckets, series):
                lines.append(f"{self.name}_bucket{_labels({**labels, 'le': f'{bound:g}'})} {count}")
            lines.append(f"{self.name}_bucket{_labels({**labels, 'le': '+Inf'})} {series[-1]}")
            lines.append(f"{self.name}_sum{_labels(labels)} {series[-2]:g}")
            lines.append(f"{self.name}_count{_labels(labels)} {series[-1]}")
        return lines


class Gauge:
    """A gauge read when rendered: fn() -> {label value: number}."""

    def __init__(self, name: str, help_: str, label: str, fn: Callable[[], dict[str, float]]):
        self.name, self.help, self.label, self.fn = name, help_, label, fn

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        for value_label, value in sorted(self.fn().items()):
            lines.append(f"{self.name}{_labels({self.label: value_label} if self.label else {})} "
                         f"{value:g}")
        return lines


class SchedulerMetrics:
    def __init__(self) -> None:
        self.attempts = Counter("scheduler_schedule_attempts_total",
                                "Number of attempts to schedule pods, by result.")
        self.e2e_latency = Histogram("scheduler_e2e_scheduling_duration_seconds",
                                     "Scheduling latency of one attempt, up to the binding.")
        self.sli_latency = Histogram("scheduler_pod_scheduling_sli_duration_seconds",
                                     "Latency from a pod entering the queue to its binding.")
        self.preemptions = Counter("scheduler_preemption_attempts_total",
                                   "Total preemption attempts in the cluster.")
        self.gauges: list[Gauge] = []

    def add_gauge(self, gauge: Gauge) -> None:
        self.gauges.append(gauge)

    def render(self) -> str:
        lines: list[str] = []
        for metric in (self.attempts, self.e2e_latency, self.sli_latency, self.preemptions,
                       *self.gauges):
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"
