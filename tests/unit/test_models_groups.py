"""The typed models of the non-core groups: wire names, round trips and the kind registry."""
from __future__ import annotations

import pytest

from machinery.api import (
    apps_v1, authentication_v1, autoscaling_v1, autoscaling_v2, batch_v1, coordination_v1,
    discovery_v1, events_v1, networking_v1, networking_v1beta1, policy_v1, rbac_v1, storage_v1,
)
from machinery.api.base import KubeModel
from machinery.api.models import MODULES, all_models, go_package, model_for
from machinery.api.resources import RESOURCES

pytestmark = pytest.mark.unit

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
        "template": {"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}},
    },
    "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
               "availableReplicas": 3, "collisionCount": 1,
               "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                               "lastUpdateTime": "2024-01-01T00:00:00Z",
                               "lastTransitionTime": "2024-01-01T00:00:00Z"}]},
}

STATEFULSET = {
    "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
    "spec": {
        "serviceName": "db", "replicas": 2, "podManagementPolicy": "Parallel", "minReadySeconds": 5,
        "selector": {"matchLabels": {"app": "db"}},
        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db"}]}},
        "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                  "spec": {"accessModes": ["ReadWriteOnce"],
                                           "resources": {"requests": {"storage": "1Gi"}}}}],
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1, "maxUnavailable": "50%"}},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"},
        "ordinals": {"start": 5},
    },
    "status": {"replicas": 2, "readyReplicas": 2, "currentRevision": "db-1", "updateRevision": "db-2",
               "availableReplicas": 2},
}

JOB = {
    "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
    "spec": {
        "parallelism": 2, "completions": 4, "completionMode": "Indexed", "backoffLimitPerIndex": 1,
        "maxFailedIndexes": 2, "ttlSecondsAfterFinished": 100, "suspend": False,
        "podReplacementPolicy": "Failed", "activeDeadlineSeconds": 60,
        "podFailurePolicy": {"rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}},
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]},
        "successPolicy": {"rules": [{"succeededIndexes": "0-2", "succeededCount": 2}]},
        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "perl"}]}},
    },
    "status": {"active": 1, "ready": 1, "terminating": 0, "succeeded": 2, "failed": 1,
               "completedIndexes": "0,2", "failedIndexes": "1",
               "uncountedTerminatedPods": {"succeeded": ["u1"], "failed": ["u2"]},
               "startTime": "2024-01-01T00:00:00Z",
               "conditions": [{"type": "Complete", "status": "True"}]},
}


@pytest.mark.parametrize("cls, manifest", [
    (apps_v1.Deployment, DEPLOYMENT), (apps_v1.StatefulSet, STATEFULSET), (batch_v1.Job, JOB),
])
def test_full_manifests_round_trip_unchanged(cls, manifest):
    assert cls.from_dict(manifest).to_dict() == manifest


def test_typed_access_through_snake_case_attributes():
    deployment = apps_v1.Deployment.from_dict(DEPLOYMENT)
    assert deployment.spec.strategy.rolling_update.max_surge == "25%"
    assert deployment.spec.strategy.rolling_update.max_unavailable == 1
    assert deployment.status.conditions[0].last_update_time == "2024-01-01T00:00:00Z"
    job = batch_v1.Job.from_dict(JOB)
    assert job.spec.ttl_seconds_after_finished == 100
    assert job.spec.pod_failure_policy.rules[0].on_exit_codes.values == [42]
    assert job.status.uncounted_terminated_pods.failed == ["u2"]


@pytest.mark.parametrize("cls, wire", [
    (rbac_v1.PolicyRule, {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"],
                          "nonResourceURLs": ["/healthz"], "resourceNames": ["x"]}),
    (networking_v1.IngressLoadBalancerIngress, {"ip": "10.0.0.1", "hostname": "lb"}),
    (batch_v1.CronJobSpec, {"schedule": "*/1 * * * *", "timeZone": "Etc/UTC",
                            "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 10,
                            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                            "jobTemplate": {"spec": {"template": {"spec": {}}}}}),
    (coordination_v1.LeaseSpec, {"holderIdentity": "node-1", "leaseDurationSeconds": 40,
                                 "acquireTime": "2024-01-01T00:00:00.000000Z",
                                 "renewTime": "2024-01-01T00:00:10.123456Z", "leaseTransitions": 1}),
    (autoscaling_v2.MetricSpec, {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}),
    (autoscaling_v2.MetricSpec, {"type": "ContainerResource", "containerResource": {
        "name": "memory", "container": "app", "target": {"type": "AverageValue", "averageValue": "100Mi"}}}),
    (autoscaling_v2.MetricSpec, {"type": "Object", "object": {
        "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
        "metric": {"name": "rps", "selector": {"matchLabels": {"a": "b"}}},
        "target": {"type": "Value", "value": "10k"}}}),
    (autoscaling_v2.HorizontalPodAutoscalerBehavior, {"scaleDown": {
        "stabilizationWindowSeconds": 300, "selectPolicy": "Min",
        "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60}]}}),
    (discovery_v1.EndpointSlice, {"addressType": "IPv4", "endpoints": [{
        "addresses": ["10.244.1.5"], "conditions": {"ready": True, "serving": True, "terminating": False},
        "nodeName": "node-1", "targetRef": {"kind": "Pod", "name": "web-1", "namespace": "default"},
        "hints": {"forZones": [{"name": "a"}]}}],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "appProtocol": "http"}]}),
    (events_v1.Event, {"eventTime": "2024-01-01T00:00:00.000001Z", "reportingController": "kubelet",
                       "reportingInstance": "node-1", "action": "Pulling", "reason": "Pulling",
                       "regarding": {"kind": "Pod", "name": "web"}, "note": "Pulling image",
                       "type": "Normal", "series": {"count": 2, "lastObservedTime": "2024-01-01T00:00:01.000000Z"},
                       "deprecatedSource": {"component": "kubelet"}, "deprecatedCount": 2}),
    (policy_v1.PodDisruptionBudget, {"spec": {"minAvailable": "50%", "selector": {"matchLabels": {"a": "b"}},
                                              "unhealthyPodEvictionPolicy": "AlwaysAllow"},
                                     "status": {"disruptionsAllowed": 1, "currentHealthy": 2,
                                                "desiredHealthy": 1, "expectedPods": 2,
                                                "disruptedPods": {"web-1": "2024-01-01T00:00:00Z"}}}),
    (policy_v1.Eviction, {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web-1"},
                          "deleteOptions": {"gracePeriodSeconds": 0}}),
    (networking_v1.Ingress, {"spec": {"ingressClassName": "nginx",
        "defaultBackend": {"service": {"name": "web", "port": {"number": 80}}},
        "tls": [{"hosts": ["a.example"], "secretName": "tls"}],
        "rules": [{"host": "a.example", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                   "backend": {"service": {"name": "web", "port": {"name": "http"}}}}]}}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}}),
    (networking_v1beta1.Ingress, {"spec": {"backend": {"serviceName": "web", "servicePort": 80},
        "rules": [{"http": {"paths": [{"path": "/", "backend": {"serviceName": "web",
                                                                 "servicePort": "http"}}]}}]}}),
    (networking_v1.IngressClass, {"spec": {"controller": "example.com/ingress", "parameters": {
        "apiGroup": "k8s.example.com", "kind": "Params", "name": "p", "scope": "Namespace",
        "namespace": "x"}}}),
    (storage_v1.StorageClass, {"provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
                               "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True,
                               "parameters": {"type": "ssd"}, "mountOptions": ["ro"],
                               "allowedTopologies": [{"matchLabelExpressions": [
                                   {"key": "topology.kubernetes.io/zone", "values": ["a"]}]}]}),
    (rbac_v1.ClusterRole, {"aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "true"}}]},
                           "rules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]}),
    (rbac_v1.RoleBinding, {"subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "x"}],
                           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}}),
    (autoscaling_v1.Scale, {"spec": {"replicas": 3}, "status": {"replicas": 2, "selector": "app=web"}}),
    (authentication_v1.TokenRequest, {"spec": {"audiences": ["api"], "expirationSeconds": 3600,
                                               "boundObjectRef": {"kind": "Pod", "apiVersion": "v1",
                                                                  "name": "p", "uid": "u"}},
                                      "status": {"token": "t", "expirationTimestamp": "2024-01-01T00:00:00Z"}}),
    (apps_v1.ControllerRevision, {"revision": 3, "data": {"spec": {"template": {"anything": [1, 2]}}}}),
    (apps_v1.DaemonSet, {"spec": {"updateStrategy": {"type": "RollingUpdate",
                                                     "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "10%"}}},
                         "status": {"desiredNumberScheduled": 2, "numberMisscheduled": 0,
                                    "currentNumberScheduled": 2, "numberReady": 1}}),
    (apps_v1.ReplicaSet, {"status": {"replicas": 1, "fullyLabeledReplicas": 1}}),
])
def test_wire_names_round_trip(cls, wire):
    assert cls.from_dict(wire).to_dict() == wire


def test_unknown_fields_are_kept():
    wire = {"spec": {"replicas": 1, "futureField": {"x": 1}}}
    assert apps_v1.Deployment.from_dict(wire).to_dict() == wire


def test_every_field_is_optional_with_a_description():
    for cls in all_models():
        if go_package(cls) is None or cls.__module__.startswith("machinery.api.core_v1"):
            continue
        for name, info in cls.model_fields.items():
            assert not info.is_required(), f"{cls.__name__}.{name}"
            assert info.description, f"{cls.__name__}.{name} has no description"
        assert cls.__doc__, f"{cls.__name__} has no docstring"


@pytest.mark.parametrize("group, version, kind, cls", [
    ("apps", "v1", "Deployment", apps_v1.Deployment),
    ("apps", "v1", "DeploymentList", apps_v1.DeploymentList),
    ("batch", "v1", "CronJob", batch_v1.CronJob),
    ("networking.k8s.io", "v1beta1", "Ingress", networking_v1beta1.Ingress),
    ("networking.k8s.io", "v1", "Ingress", networking_v1.Ingress),
    ("events.k8s.io", "v1", "Event", events_v1.Event),
    ("policy", "v1", "Eviction", policy_v1.Eviction),
    ("autoscaling", "v1", "Scale", autoscaling_v1.Scale),
    ("authentication.k8s.io", "v1", "TokenRequest", authentication_v1.TokenRequest),
])
def test_model_for_finds_kinds(group, version, kind, cls):
    assert model_for(group, version, kind) is cls


def test_model_for_unknown_kind_is_none():
    assert model_for("apps", "v1", "Nope") is None
    assert model_for("nope.example", "v1", "Deployment") is None


def test_core_kinds_are_registered_too():
    pod = model_for("", "v1", "Pod")
    assert pod is not None and pod.__name__ == "Pod"
    assert model_for("", "v1", "Event") is not events_v1.Event


def test_every_served_resource_has_a_model_and_a_list_model():
    for info in RESOURCES:
        if "list" not in info.verbs:
            continue                     # create-only (Binding, access reviews); no list
        assert model_for(info.group, info.version, info.kind) is not None, info.kind
        assert model_for(info.group, info.version, info.list_kind) is not None, info.list_kind


def test_top_level_kinds_declare_matching_gvk():
    for entry in MODULES:
        if entry.module.startswith(("core_v1", "meta_v1")):
            continue
        for cls in all_models():
            gvk = vars(cls).get("GVK")
            if gvk and go_package(cls) == entry.go_package:
                assert (gvk[0], gvk[1]) == (entry.group, entry.version), cls
                assert gvk[2] == cls.__name__
                assert issubclass(cls, KubeModel)


def test_go_packages_name_schemas_like_upstream():
    assert go_package(apps_v1.Deployment) == "io.k8s.api.apps.v1"
    assert go_package(networking_v1beta1.IngressTLS) == "io.k8s.api.networking.v1beta1"
    assert go_package(type(model_for("", "v1", "Pod")())) == "io.k8s.api.core.v1"
