"""Settings (flags = env vars), the health/metrics server and the metrics text."""
from __future__ import annotations

import asyncio

import httpx
import pytest

from scheduler.app import SchedulerSettings
from scheduler.metrics import SchedulerMetrics
from machinery.status_server import StatusServer

pytestmark = pytest.mark.unit


def test_settings_from_flags_and_environment():
    s = SchedulerSettings.from_argv(["--scheduler-name", "other", "--leader-elect", "false"],
                                    environ={"TINYKUBE_PORT": "20259"})
    assert (s.scheduler_name, s.leader_elect, s.port) == ("other", False, 20259)
    d = SchedulerSettings.from_argv([], environ={})
    assert (d.scheduler_name, d.leader_elect, d.port) == ("default-scheduler", True, 10259)
    assert d.leader_elect_resource_name == "kube-scheduler"
    assert d.leader_elect_resource_namespace == "kube-system"


def test_metrics_render_counters_and_cumulative_histograms():
    m = SchedulerMetrics()
    m.attempts.inc(result="scheduled", profile="default-scheduler")
    m.attempts.inc(result="scheduled", profile="default-scheduler")
    m.e2e_latency.observe(0.003, result="scheduled")
    text = m.render()
    assert ('scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 2'
            in text)
    assert 'scheduler_e2e_scheduling_duration_seconds_bucket{le="0.002",result="scheduled"} 0' in text
    assert 'scheduler_e2e_scheduling_duration_seconds_bucket{le="0.004",result="scheduled"} 1' in text
    assert 'scheduler_e2e_scheduling_duration_seconds_bucket{le="+Inf",result="scheduled"} 1' in text
    assert 'scheduler_e2e_scheduling_duration_seconds_count{result="scheduled"} 1' in text


async def test_health_server_serves_healthz_and_metrics():
    m = SchedulerMetrics()
    m.attempts.inc(result="unschedulable", profile="p")
    server = StatusServer("health-server", "127.0.0.1", 0, {
        "/healthz": lambda: (200, "text/plain", "ok"),
        "/metrics": lambda: (200, "text/plain; version=0.0.4", m.render())})
    await server.start()
    task = asyncio.create_task(server.run())
    base = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient() as http:
        health = await http.get(base + "/healthz")
        metrics = await http.get(base + "/metrics")
        missing = await http.get(base + "/nope")
    server.stop()
    await asyncio.wait_for(task, 5)
    assert (health.status_code, health.text) == (200, "ok")
    assert 'result="unschedulable"' in metrics.text
    assert missing.status_code == 404
