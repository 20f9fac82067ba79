"""The strategy table: every served kind, and upstream's per-kind registry flags."""
from __future__ import annotations

import pytest

from apiserver.registry import GenericStrategy, strategy_for
from machinery.api.resources import RESOURCES, ResourceInfo, for_kind

pytestmark = pytest.mark.unit

WITH_GENERATION = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
                   "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "IngressClass",
                   "ReplicationController", "PodTemplate", "EndpointSlice"}
STATUS_NOT_RESET = {"Node", "Event", "ConfigMap", "Secret", "Lease", "Endpoints"}


@pytest.mark.parametrize("info", RESOURCES,
                         ids=lambda r: f"{r.group or 'core'}.{r.version}.{r.kind}")
def test_every_served_kind_has_a_specific_strategy(info):
    if info.group == "authorization.k8s.io":
        return                  # access reviews are answered, never written through a strategy
    strategy = strategy_for(info)
    assert not isinstance(strategy, GenericStrategy)
    assert strategy.info is info
    assert strategy.has_generation is (info.kind in WITH_GENERATION)
    if info.kind in STATUS_NOT_RESET:
        assert strategy.reset_status_on_create is False


def test_unknown_kinds_get_the_generic_strategy():
    info = ResourceInfo("example.com", "v1", "Widget", "widgets", True)
    strategy = strategy_for(info)
    assert isinstance(strategy, GenericStrategy)
    assert strategy.validate({"metadata": {"name": "Bad_Name", "namespace": "default"}})[0][
        "field"] == "metadata.name"


@pytest.mark.parametrize("api_version,kind,rule", [
    ("v1", "Pod", "subdomain"), ("v1", "Namespace", "label"), ("v1", "Service", "dns1035"),
    ("apps/v1", "StatefulSet", "label"), ("apps/v1", "Deployment", "subdomain"),
    ("rbac.authorization.k8s.io/v1", "Role", "path-segment")])
def test_name_rules(api_version, kind, rule):
    assert strategy_for(for_kind(api_version, kind)).name_validation == rule


def test_prepare_create_sets_generation_and_drops_namespace_of_cluster_kinds():
    strategy = strategy_for(for_kind("apps/v1", "Deployment"))
    obj = {"metadata": {"name": "w", "namespace": "default"}, "status": {"replicas": 3}}
    strategy.prepare_create(obj)
    assert obj["metadata"]["generation"] == 1 and obj["status"] == {}
    node = {"metadata": {"name": "n", "namespace": "default"}, "status": {"phase": "x"}}
    strategy_for(for_kind("v1", "Node")).prepare_create(node)
    assert "namespace" not in node["metadata"] and node["status"] == {"phase": "x"}


def test_endpoint_slice_generation_counts_any_change_outside_metadata():
    strategy = strategy_for(for_kind("discovery.k8s.io/v1", "EndpointSlice"))
    old = {"metadata": {"name": "e"}, "endpoints": [{"addresses": ["10.0.0.1"]}]}
    assert strategy.spec_changed({**old, "endpoints": []}, old)
    assert not strategy.spec_changed({**old, "metadata": {"name": "e", "labels": {}}}, old)
