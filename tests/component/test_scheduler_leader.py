"""Two scheduler processes' worth of SchedulerApp with leader election: only the leader binds,
and the standby takes over when the leader stops."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from machinery.leaderelection import LEASES
from scheduler.app import SchedulerApp, SchedulerSettings
from tests.component.test_scheduler import NAMESPACES, World, eventually

pytestmark = pytest.mark.component


def settings(world, lease):
    return SchedulerSettings(scheduler_name=world.scheduler_name, leader_elect=True,
                             leader_elect_resource_name=lease,
                             leader_elect_lease_duration_s=3, leader_elect_renew_deadline_s=2,
                             leader_elect_retry_period_s=0.3, port=-1,
                             node_label_selector=f"test={world.tag}")


async def test_only_the_leader_binds_and_the_standby_takes_over(api_client):
    world = World(api_client)
    lease = f"kube-scheduler-{world.tag}"
    await api_client.create(NAMESPACES, {"metadata": {"name": world.namespace}})
    apps = [SchedulerApp(settings(world, lease), api_client) for _ in range(2)]
    tasks = [asyncio.create_task(app.run()) for app in apps]
    try:
        await world.add_node("n0", cpu="8")
        await world.add_node("n1", cpu="8")
        await eventually(lambda: any(a.is_leader for a in apps), 10)
        leader = next(a for a in apps if a.is_leader)
        standby = next(a for a in apps if a is not leader)
        for i in range(5):
            await world.add_pod(f"p{i}", cpu="100m")
        await eventually(lambda: world.bound(*[f"p{i}" for i in range(5)]), 10)
        scheduled = lambda app: app.metrics.attempts.get(  # noqa: E731
            result="scheduled", profile=world.scheduler_name)
        assert scheduled(leader) == 5 and scheduled(standby) == 0
        assert not standby.is_leader

        leader.stop()                                   # graceful: releases the lease
        await asyncio.wait_for(tasks[apps.index(leader)], 10)
        await eventually(lambda: standby.is_leader, 5)
        await world.add_pod("after", cpu="100m")
        assert await eventually(lambda: world.node_of("after"), 10)
        assert scheduled(standby) == 1
    finally:
        for app in apps:
            app.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await world.close()
        await api_client.delete(LEASES, lease, "kube-system")
