"""The kubelet's plain-HTTP health endpoint (10248): /healthz (PLEG relisting) and /metrics."""
from __future__ import annotations

from typing import Callable

from machinery.status_server import StatusServer


def healthz_server(host: str, port: int, healthy: Callable[[], bool],
                   metrics: Callable[[], dict[str, float]]) -> StatusServer:
    def health() -> tuple[int, str, str]:
        if healthy():
            return 200, "text/plain; charset=utf-8", "ok"
        return 500, "text/plain; charset=utf-8", "[-]pleg failed\nhealthz check failed"

    def render() -> tuple[int, str, str]:
        lines = [f"{name} {value}" for name, value in sorted(metrics().items())]
        return 200, "text/plain; version=0.0.4", "\n".join(lines) + "\n"

    return StatusServer("healthz", host, port, {"/healthz": health, "/livez": health,
                                                "/readyz": health, "/metrics": render})
