"""HorizontalPodAutoscaler autoscaling/v1 <-> v2 (storage) conversion, and v1 in the catalog,
the table printer and the OpenAPI models."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from apiserver import conversion
from apiserver.conversion_autoscaling import hpa_to_v1, hpa_to_v2
from apiserver.tables import row_for
from machinery.api import resources
from machinery.api.models import model_for

pytestmark = pytest.mark.unit

V1 = resources.lookup("autoscaling", "v1", "horizontalpodautoscalers")
META = {"name": "web", "namespace": "default", "creationTimestamp": "2024-01-01T00:00:00Z"}
REF = {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"}
CPU_50 = {"type": "Resource", "resource": {
    "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}


def v1_hpa(**spec) -> dict:
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": META,
            "spec": {"scaleTargetRef": REF, "minReplicas": 2, "maxReplicas": 4, **spec}}


def test_v1_is_served_beside_v2_and_stored_as_v2():
    assert V1 is not None and V1.storage_version == "v2" and not V1.is_storage_version
    assert V1.subresource("status") is not None
    assert dict(resources.GROUP_VERSIONS)["autoscaling"] == ("v2", "v1")   # v2 preferred


def test_cpu_target_becomes_a_resource_metric():
    stored = hpa_to_v2(v1_hpa(targetCPUUtilizationPercentage=50))
    assert stored["apiVersion"] == "autoscaling/v2"
    assert stored["spec"] == {"scaleTargetRef": REF, "minReplicas": 2, "maxReplicas": 4,
                              "metrics": [CPU_50]}


def test_no_cpu_target_gives_no_metric_so_the_v2_default_applies():
    assert "metrics" not in hpa_to_v2(v1_hpa())["spec"]


def test_current_cpu_becomes_a_current_metric_and_back():
    obj = v1_hpa()
    obj["status"] = {"currentReplicas": 3, "desiredReplicas": 3,
                     "lastScaleTime": "2024-01-01T00:00:00Z",
                     "currentCPUUtilizationPercentage": 40}
    stored = hpa_to_v2(obj)
    assert stored["status"]["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40}}}]
    assert hpa_to_v1(stored)["status"] == obj["status"]


def test_v2_to_v1_takes_the_cpu_utilization_metric_only():
    stored = hpa_to_v2(v1_hpa())
    stored["spec"]["metrics"] = [
        {"type": "Pods", "pods": {"metric": {"name": "qps"},
                                  "target": {"type": "AverageValue", "averageValue": "10"}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {
            "type": "Utilization", "averageUtilization": 70}}},
        CPU_50]
    stored["spec"]["behavior"] = {"scaleUp": {"stabilizationWindowSeconds": 0}}
    served = hpa_to_v1(stored)
    assert served["spec"] == {"scaleTargetRef": REF, "minReplicas": 2, "maxReplicas": 4,
                              "targetCPUUtilizationPercentage": 50}


def test_cpu_average_value_target_has_no_v1_form():
    stored = hpa_to_v2(v1_hpa())
    stored["spec"]["metrics"] = [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "AverageValue", "averageValue": "500m"}}}]
    assert "targetCPUUtilizationPercentage" not in hpa_to_v1(stored)["spec"]


def test_v1_status_always_has_replica_counts():
    stored = hpa_to_v2(v1_hpa())
    stored["status"] = {"desiredReplicas": 0}
    assert hpa_to_v1(stored)["status"] == {"currentReplicas": 0, "desiredReplicas": 0}


def test_round_trip_through_the_generic_conversion_entry_points():
    obj = v1_hpa(targetCPUUtilizationPercentage=50)
    stored = conversion.to_storage(V1, obj)
    assert conversion.from_storage(V1, stored) == {**obj, "status": {"currentReplicas": 0,
                                                                     "desiredReplicas": 0}}


def test_v1_rows_print_like_v2_rows():
    now = datetime(2024, 1, 2, tzinfo=timezone.utc)
    v1 = v1_hpa(targetCPUUtilizationPercentage=50)
    v1["status"] = {"currentReplicas": 2, "desiredReplicas": 2}
    v2 = resources.lookup("autoscaling", "v2", "horizontalpodautoscalers")
    cells = row_for(V1, v1, now)["cells"]
    assert cells[:6] == ["web", "Deployment/web", "cpu: <unknown>/50%", "2", 4, 2]
    assert cells == row_for(v2, hpa_to_v2(v1), now)["cells"]


def test_v1_model_names_the_cpu_fields_as_upstream():
    model = model_for("autoscaling", "v1", "HorizontalPodAutoscaler")
    dumped = model.model_validate(v1_hpa(targetCPUUtilizationPercentage=50)).model_dump(
        by_alias=True, exclude_none=True)
    assert dumped["spec"]["targetCPUUtilizationPercentage"] == 50
