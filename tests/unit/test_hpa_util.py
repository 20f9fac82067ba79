"""The HorizontalPodAutoscaler controller's decisions without a metrics API."""
from __future__ import annotations

import pytest

from controller_manager import hpa_util as hu
from controller_manager.controllers.horizontalpodautoscaling import scale_target

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("current,low,high,expected", [
    (1, 2, 4, hu.Decision(2, True, hu.BELOW_MIN)),
    (6, 2, 4, hu.Decision(4, True, hu.ABOVE_MAX)),
    (0, 1, 4, hu.Decision(0, False, disabled=True)),
    (0, None, 4, hu.Decision(0, False, disabled=True)),     # minReplicas defaults to 1
    (0, 0, 4, None),                                         # min 0: zero is in bounds
    (2, 2, 4, None),
    (4, 2, 4, None),
])
def test_decide_clamps_into_bounds(current, low, high, expected):
    assert hu.decide(current, low, high) == expected


def test_resource_utilization_failure_reads_as_upstream():
    reason, error = hu.metric_failure({"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}})
    assert reason == "FailedGetResourceMetric"
    assert error == ("failed to get cpu utilization: unable to get metrics for resource cpu: "
                     "unable to fetch metrics from resource metrics API: the server could not "
                     "find the requested resource (get pods.metrics.k8s.io)")
    assert hu.unable_to_compute(error).startswith(
        "the HPA was unable to compute the replica count: failed to get cpu utilization")
    assert hu.metrics_error([(reason, error)]) == \
        f"invalid metrics (1 invalid out of 1), first error is: {error}"


def test_other_metric_failures_name_their_type():
    reason, error = hu.metric_failure({"type": "Resource", "resource": {
        "name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}})
    assert reason == "FailedGetResourceMetric" and error.startswith("failed to get memory usage")
    assert hu.metric_failure({"type": "Pods", "pods": {}})[0] == "FailedGetPodsMetric"
    assert hu.metric_failure({"type": "External", "external": {}})[0] == "FailedGetExternalMetric"
    assert hu.metric_failure({"type": "ContainerResource", "containerResource": {
        "name": "cpu", "target": {"averageUtilization": 5}}})[0] == \
        "FailedGetContainerResourceMetric"


def test_set_condition_moves_transition_time_only_on_a_status_change():
    status: dict = {}
    hu.set_condition(status, "AbleToScale", "True", "SucceededGetScale", "m", "t1")
    hu.set_condition(status, "AbleToScale", "True", "SucceededRescale", "m2", "t2")
    assert status["conditions"] == [{"type": "AbleToScale", "status": "True",
                                     "lastTransitionTime": "t1", "reason": "SucceededRescale",
                                     "message": "m2"}]
    hu.set_condition(status, "AbleToScale", "False", "FailedGetScale", "m3", "t3")
    assert status["conditions"][0]["lastTransitionTime"] == "t3"
    hu.set_condition(status, "ScalingActive", "False", "FailedGetResourceMetric", "m4", "t4")
    assert [c["type"] for c in status["conditions"]] == ["AbleToScale", "ScalingActive"]


def test_scale_target_resolves_kinds_with_a_scale_subresource():
    def hpa(api_version, kind):
        return {"spec": {"scaleTargetRef": {"apiVersion": api_version, "kind": kind,
                                            "name": "x"}}}
    info, _ = scale_target(hpa("apps/v1", "Deployment"))
    assert info is not None and info.plural == "deployments"
    assert scale_target(hpa("v1", "ReplicationController"))[0].plural == "replicationcontrollers"
    assert scale_target(hpa("apps/v1", "Widget")) == (
        None, 'no matches for kind "Widget" in group "apps"')
    assert scale_target(hpa("v1", "ConfigMap"))[0] is None
