"""The controller-manager as a process: `python -m controller_manager` serves /healthz and
/metrics, takes the kube-controller-manager Lease, runs the controllers, stops on SIGTERM and
releases the lease; two instances hand over leadership."""
import asyncio
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from controller_manager.app import ControllerManager
from controller_manager.settings import ControllerManagerSettings
from machinery.api import resources
from machinery.api.errors import NotFound
from tests.cluster import free_port
from tests.component.cm_harness import DEPLOYMENTS, Sandbox, deployment, eventually

pytestmark = pytest.mark.component
LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")
FAST_ELECTION = dict(leader_elect_lease_duration_s=2.0, leader_elect_renew_deadline_s=1.5,
                     leader_elect_retry_period_s=0.3)


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""                  # not listening yet


async def lease_holder(client, name: str) -> str:
    try:
        lease = await client.get(LEASES, name, "kube-system")
    except NotFound:
        return ""
    return (lease.get("spec") or {}).get("holderIdentity") or ""


async def test_python_m_controller_manager_runs_and_stops(api_server, api_client):
    port = free_port()
    lease = "cm-process-test"
    env = {**os.environ, "TINYKUBE_LEADER_ELECT_LEASE_NAME": lease,
           "TINYKUBE_LEADER_ELECT_RETRY_PERIOD_S": "0.3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "controller_manager", "--kubeconfig", api_server.kubeconfig,
         "--port", str(port), "--bind-address", "127.0.0.1",
         "--controllers", "replicaset,deployment"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ns = await Sandbox.create(api_client, "proc")
    try:
        url = f"http://127.0.0.1:{port}"
        await eventually(lambda: http_get(url + "/healthz") == (200, "ok"), 20, what="/healthz")
        await eventually(lambda: 'leader_election_master_status{name="cm-process-test"} 1'
                         in http_get(url + "/metrics")[1], 20, what="leading")
        assert await lease_holder(api_client, lease)
        await api_client.create(DEPLOYMENTS, deployment("web", 2), ns.name)

        async def available():
            d = await api_client.get(DEPLOYMENTS, "web", ns.name)
            return (d.get("status") or {}).get("availableReplicas") == 2
        await eventually(available, 20, what="deployment available via the process")
        metrics = http_get(url + "/metrics")[1]
        assert 'workqueue_depth{name="deployment"}' in metrics
        assert 'informer_cached_objects{resource="pods"}' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = await asyncio.to_thread(proc.communicate, timeout=30)
        finally:
            proc.kill()
        await ns.delete()
    assert proc.returncode == 0, output
    assert "became leader" in output
    assert await lease_holder(api_client, lease) == ""      # released on a graceful stop


async def test_leadership_hands_over_when_the_leader_stops(api_server, api_client):
    lease = "cm-handover-test"

    def manager():
        settings = ControllerManagerSettings(
            kubeconfig=api_server.kubeconfig, port=0, bind_address="127.0.0.1",
            controllers="namespace", leader_elect_lease_name=lease, **FAST_ELECTION)
        return ControllerManager(settings)

    first, second = manager(), manager()
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [asyncio.create_task(m.run(stop, handle_signals=False))
             for m, stop in zip((first, second), stops)]
    try:
        leader = await eventually(lambda: first if first.elector.is_leader else
                                  second if second.elector.is_leader else None, 15,
                                  what="a leader")
        standby = second if leader is first else first
        await asyncio.sleep(1.0)
        assert not standby.elector.is_leader                  # only one leads
        assert leader.workload.controllers and not standby.workload.controllers
        holder = await lease_holder(api_client, lease)
        assert holder == leader.elector.identity
        stops[0 if leader is first else 1].set()
        await eventually(lambda: standby.elector.is_leader, 10, what="the standby takes over")
        assert await lease_holder(api_client, lease) == standby.elector.identity
    finally:
        for stop in stops:
            stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
        for m in (first, second):
            await m.client.close()
