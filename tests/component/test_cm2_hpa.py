"""`kubectl autoscale` with the real kubectl v1.32 (it posts autoscaling/v1) and the
HorizontalPodAutoscaler controller: the target is scaled into [min, max], and the status tells
the story upstream tells in a cluster without a metrics API.

kubectl is a blocking subprocess: it runs in a thread so the controller keeps working."""
from __future__ import annotations

import asyncio

import pytest

from machinery.api import resources
from tests.component.cm2_harness import namespace, running
from tests.helpers import async_eventually
from tests.kubectl import Kubectl

pytestmark = pytest.mark.component

DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
HPAS = resources.lookup("autoscaling", "v2", "horizontalpodautoscalers")
EVENTS = resources.lookup("", "v1", "events")


@pytest.fixture(scope="module")
async def env(api_server):
    async with running(api_server.kubeconfig, ["horizontalpodautoscaling"],
                       horizontal_pod_autoscaler_sync_period_s=1.0) as r:
        yield r


@pytest.fixture
async def ns(env):
    async with namespace(env.client, "hpa") as name:
        yield name


@pytest.fixture(scope="module")
def kubectl(api_server):
    return Kubectl.for_kubeconfig(api_server.kubeconfig)


async def kc(kubectl: Kubectl, ns: str, *args: str) -> str:
    return await asyncio.to_thread(kubectl.ok, "-n", ns, *args, timeout=90)


def _condition(hpa: dict, type_: str) -> dict:
    return next((c for c in (hpa.get("status") or {}).get("conditions") or []
                 if c.get("type") == type_), {})


async def test_kubectl_autoscale_scales_deployment_into_bounds(env, ns, kubectl):
    await kc(kubectl, ns, "create", "deployment", "web", "--image=nginx", "--replicas=1")
    out = await kc(kubectl, ns, "autoscale", "deployment", "web", "--min=2", "--max=4",
                   "--cpu-percent=50")
    assert out.strip() == "horizontalpodautoscaler.autoscaling/web autoscaled"

    table = (await kc(kubectl, ns, "get", "hpa")).splitlines()
    assert table[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS",
                                "REPLICAS", "AGE"]
    assert table[1].split()[:6] == ["web", "Deployment/web", "cpu:", "<unknown>/50%", "2", "4"]

    async def scaled():
        deploy = await env.client.get(DEPLOYMENTS, "web", ns)
        return deploy["spec"]["replicas"] == 2
    await async_eventually(scaled, timeout=30, message="deployment scaled to minReplicas")

    # in bounds now: no metrics API, so ScalingActive goes False as upstream reports it
    async def metrics_failed():
        hpa = await env.client.get(HPAS, "web", ns)
        active = _condition(hpa, "ScalingActive")
        return hpa if active.get("reason") == "FailedGetResourceMetric" else None
    hpa = await async_eventually(metrics_failed, timeout=30, message="ScalingActive False")
    assert _condition(hpa, "ScalingActive")["status"] == "False"
    assert _condition(hpa, "ScalingActive")["message"].startswith(
        "the HPA was unable to compute the replica count: failed to get cpu utilization")
    assert _condition(hpa, "AbleToScale")["reason"] == "SucceededGetScale"
    assert hpa["status"]["currentReplicas"] == 2 and hpa["status"]["desiredReplicas"] == 2
    assert hpa["status"]["lastScaleTime"]

    # the same object read as autoscaling/v1
    v1 = await asyncio.to_thread(kubectl.json, "-n", ns, "get", "horizontalpodautoscalers.v1.autoscaling", "web")
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 50
    assert v1["spec"]["minReplicas"] == 2 and v1["spec"]["maxReplicas"] == 4

    await env.flush_events()
    events = (await env.client.list(EVENTS, ns))["items"]
    assert any(e["reason"] == "SuccessfulRescale" and e["message"] ==
               "New size: 2; reason: Current number of replicas below Spec.MinReplicas"
               for e in events)


async def test_discovery_and_explain_serve_autoscaling_v1(kubectl, api_server):
    versions = (await asyncio.to_thread(kubectl.ok, "api-versions")).split()
    assert "autoscaling/v1" in versions and "autoscaling/v2" in versions
    listed = (await asyncio.to_thread(kubectl.ok, "api-resources")).splitlines()
    hpa_rows = [line.split() for line in listed if line.startswith("horizontalpodautoscalers ")]
    assert hpa_rows == [["horizontalpodautoscalers", "hpa", "autoscaling/v2", "true",
                         "HorizontalPodAutoscaler"]]                      # v2 is preferred
    explained = await asyncio.to_thread(kubectl.ok, "explain", "hpa.spec",
                                        "--api-version=autoscaling/v1")
    assert "targetCPUUtilizationPercentage" in explained
