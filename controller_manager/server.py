"""The controller-manager's HTTP endpoints on port 10257: /healthz, /readyz and /metrics.

A deliberately small HTTP/1.1 server on asyncio streams (GET only, one response per
connection): probes and scrapers need nothing more, and it leaves signal handling to
`machinery.runtime.serve`. Metrics are gathered at scrape time from callables, in the
Prometheus text format.
"""
from __future__ import annotations

from typing import Callable, Iterable

from machinery.status_server import StatusServer

# name -> (help, type, samples) where samples are (labels, value)
Sample = tuple[dict[str, str], float]
Collector = Callable[[], Iterable[tuple[str, str, str, list[Sample]]]]


def render_metrics(collectors: Iterable[Collector]) -> str:
    lines: list[str] = []
    for collect in collectors:
        for name, help_, type_, samples in collect():
            lines.append(f"# HELP {name} {help_}")
            lines.append(f"# TYPE {name} {type_}")
            for labels, value in samples:
                label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                lines.append(f"{name}{{{label_text}}} {value:g}" if label_text
                             else f"{name} {value:g}")
    return "\n".join(lines) + "\n"


def health_server(host: str, port: int, *, healthy: Callable[[], bool] = lambda: True,
                  collectors: list[Collector] | None = None) -> StatusServer:
    """/healthz, /livez, /readyz and /metrics (rendered from collectors at scrape time)."""
    def health() -> tuple[int, str, str]:
        if healthy():
            return 200, "text/plain; charset=utf-8", "ok"
        return 500, "text/plain; charset=utf-8", "unhealthy"

    def metrics() -> tuple[int, str, str]:
        return 200, "text/plain; version=0.0.4; charset=utf-8", render_metrics(collectors or [])

    return StatusServer("health-server", host, port, {"/healthz": health, "/livez": health,
                                                      "/readyz": health, "/metrics": metrics})


