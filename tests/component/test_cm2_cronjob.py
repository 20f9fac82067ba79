"""The CronJob controller (with the Job controller and a hollow kubelet) against the real
api-server. The CronJob controller's clock is a fake one the test moves forward a minute at a
time, so no test waits for the wall clock to reach a minute boundary."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from controller_manager.podutil import parse_time
from machinery.api import resources
from tests.component.cm2_harness import eventually, namespace, running
from tests.hollow import hollow_nodes

pytestmark = pytest.mark.component

CRONJOBS = resources.lookup("batch", "v1", "cronjobs")
JOBS = resources.lookup("batch", "v1", "jobs")
EVENTS = resources.lookup("", "v1", "events")


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
async def env(api_server):
    async with hollow_nodes(api_server.kubeconfig, 1, prefix="cron") as nodes, \
            running(api_server.kubeconfig, ["cronjob", "job", "garbagecollector"]) as r:
        await nodes.wait_ready()
        yield r, nodes[0].name


@pytest.fixture
async def ns(env):
    async with namespace(env[0].client, "cron") as name:
        yield name


@pytest.fixture
def clock(env):
    """A fresh clock, frozen before the test creates anything: the controller reacts to a new
    CronJob at once, and must not see it with an earlier test's clock (minutes ahead)."""
    fake = FakeClock(datetime.now(timezone.utc))
    env[0].controller("cronjob").clock = fake
    return fake


def cronjob(name, node, run_s=0.1, **spec):
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": "* * * * *", "jobTemplate": {
                "metadata": {"labels": {"cron": name}},
                "spec": {"template": {
                    "metadata": {"annotations": {"fake.tinykube.io/exit-code": "0",
                                                 "fake.tinykube.io/run-seconds": str(run_s)}},
                    "spec": {"nodeName": node, "restartPolicy": "Never",
                             "containers": [{"name": "c", "image": "busybox"}]}}}},
                     **spec}}


def first_minute_after(t: datetime) -> datetime:
    return (t + timedelta(minutes=1)).replace(second=0, microsecond=0)


async def jobs_named(c, ns):
    return sorted(j["metadata"]["name"] for j in (await c.list(JOBS, ns))["items"])


async def tick(ctl, key, clock, moment):
    clock.now = moment + timedelta(seconds=1)
    ctl.enqueue(key)


async def test_runs_each_minute_and_keeps_history(ns, env, clock):
    r, node = env
    c = r.client
    ctl = r.controller("cronjob")
    created = await c.create(CRONJOBS, cronjob("hello", node, successfulJobsHistoryLimit=1), ns)
    t0 = parse_time(created["metadata"]["creationTimestamp"])
    m1 = first_minute_after(t0)
    await tick(ctl, f"{ns}/hello", clock, m1)
    first = f"hello-{int(m1.timestamp()) // 60}"
    await eventually(lambda: _eq(jobs_named(c, ns), [first]), 10, what="first job")
    job = await c.get(JOBS, first, ns)
    assert job["metadata"]["labels"]["cron"] == "hello"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] \
        == m1.strftime("%Y-%m-%dT%H:%M:%SZ")

    async def finished():
        cj = await c.get(CRONJOBS, "hello", ns)
        s = cj.get("status") or {}
        return cj if s.get("lastSuccessfulTime") and not s.get("active") else None
    cj = await eventually(finished, 15, what="first job seen complete")
    assert cj["status"]["lastScheduleTime"] == m1.strftime("%Y-%m-%dT%H:%M:%SZ")

    m2 = m1 + timedelta(minutes=1)
    await tick(ctl, f"{ns}/hello", clock, m2)
    second = f"hello-{int(m2.timestamp()) // 60}"
    await eventually(lambda: _eq(jobs_named(c, ns), [second]), 15,
                     what="second job ran, first pruned")
    await r.flush_events()
    events = [(e["reason"], e["message"]) for e in (await c.list(EVENTS, ns))["items"]
              if e["involvedObject"]["kind"] == "CronJob"]
    assert ("SuccessfulCreate", f"Created job {first}") in events
    assert ("SawCompletedJob", f"Saw completed job: {first}, condition: Complete") in events
    assert ("SuccessfulDelete", f"Deleted job {first}") in events


async def test_forbid_then_replace(ns, env, clock):
    r, node = env
    c = r.client
    ctl = r.controller("cronjob")
    created = await c.create(CRONJOBS, cronjob("busy", node, run_s=120,
                                               concurrencyPolicy="Forbid"), ns)
    t0 = parse_time(created["metadata"]["creationTimestamp"])
    m1 = first_minute_after(t0)
    await tick(ctl, f"{ns}/busy", clock, m1)
    first = f"busy-{int(m1.timestamp()) // 60}"
    await eventually(lambda: _eq(jobs_named(c, ns), [first]), 10, what="first job")

    async def active_is(name):
        cj = await c.get(CRONJOBS, "busy", ns)
        return [a["name"] for a in (cj.get("status") or {}).get("active") or []] == [name]
    await eventually(lambda: active_is(first), 10, what="first job active")
    m2 = m1 + timedelta(minutes=1)
    await tick(ctl, f"{ns}/busy", clock, m2)
    await asyncio.sleep(0.5)            # a chance to do the wrong thing
    assert await active_is(first)
    assert await jobs_named(c, ns) == [first]

    await c.patch(CRONJOBS, "busy", {"spec": {"concurrencyPolicy": "Replace"}}, "merge", ns)
    second = f"busy-{int(m2.timestamp()) // 60}"
    await eventually(lambda: active_is(second), 10, what="replaced by the second job")
    await eventually(lambda: _eq(jobs_named(c, ns), [second]), 10, what="first job deleted")


async def test_suspended_cronjob_runs_nothing(ns, env, clock):
    r, node = env
    c = r.client
    ctl = r.controller("cronjob")
    created = await c.create(CRONJOBS, cronjob("off", node, suspend=True), ns)
    await tick(ctl, f"{ns}/off", clock,
               first_minute_after(parse_time(created["metadata"]["creationTimestamp"])))
    await asyncio.sleep(0.5)            # a chance to do the wrong thing
    cj = await c.get(CRONJOBS, "off", ns)
    assert not (cj.get("status") or {}).get("lastScheduleTime")
    assert await jobs_named(c, ns) == []


async def _eq(coro, expected):
    return await coro == expected
