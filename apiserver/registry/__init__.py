"""Per-kind defaulting, validation and server-side preparation, as upstream's registry does.

    from apiserver.registry import strategy_for
    s = strategy_for(info)      # info: machinery.api.resources.ResourceInfo
    s.prepare_create(obj); s.default(obj); causes = s.validate(obj)            # create
    s.prepare_update(obj, old); s.default(obj); causes = s.validate(obj, old)  # update

Every kind in RESOURCES has a strategy (tests/unit/test_registry_strategies.py checks it); a kind
missing from the table falls back to GenericStrategy, which still validates metadata.
"""
from __future__ import annotations

from machinery.api.resources import ResourceInfo

from .apps import (ControllerRevisionStrategy, DaemonSetStrategy, DeploymentStrategy,
                   ReplicaSetStrategy, StatefulSetStrategy)
from .batch import CronJobStrategy, JobStrategy
from .core_cluster import (EndpointsStrategy, EventStrategy, LimitRangeStrategy,
                           NamespaceStrategy, NodeStrategy, ResourceQuotaStrategy)
from .core_config import ConfigMapStrategy, SecretStrategy, ServiceAccountStrategy
from .core_pod import PodStrategy, PodTemplateStrategy, pod_qos_class
from .core_rc import ReplicationControllerStrategy
from .core_service import ServiceStrategy
from .core_storage import PersistentVolumeClaimStrategy, PersistentVolumeStrategy
from .labels import (selector_matches_labels, validate_label_selector, validate_labels)
from .names import (validate_dns1035_label, validate_dns1123_label, validate_dns1123_subdomain,
                    validate_label_key, validate_label_value, validate_qualified_name)
from .networking import IngressClassStrategy, IngressStrategy
from .other import (BindingStrategy, EndpointSliceStrategy, EventsV1Strategy, LeaseStrategy,
                    StorageClassStrategy)
from .policy_autoscaling import HorizontalPodAutoscalerStrategy, PodDisruptionBudgetStrategy
from .quantity import canonical_quantity, format_quantity, parse_quantity
from .rbac import RoleBindingStrategy, RoleStrategy
from .strategy import GenericStrategy, Strategy

__all__ = [
    "strategy_for", "Strategy", "GenericStrategy", "STRATEGY_CLASSES",
    "validate_dns1123_subdomain", "validate_dns1123_label", "validate_dns1035_label",
    "validate_label_key", "validate_label_value", "validate_qualified_name", "validate_labels",
    "validate_label_selector", "selector_matches_labels",
    "parse_quantity", "format_quantity", "canonical_quantity", "pod_qos_class",
]

# (group, kind) -> strategy class; every version of a kind shares its strategy.
STRATEGY_CLASSES: dict[tuple[str, str], type[Strategy]] = {
    ("", "Binding"): BindingStrategy,
    ("", "ConfigMap"): ConfigMapStrategy,
    ("", "Endpoints"): EndpointsStrategy,
    ("", "Event"): EventStrategy,
    ("", "LimitRange"): LimitRangeStrategy,
    ("", "Namespace"): NamespaceStrategy,
    ("", "Node"): NodeStrategy,
    ("", "PersistentVolumeClaim"): PersistentVolumeClaimStrategy,
    ("", "PersistentVolume"): PersistentVolumeStrategy,
    ("", "Pod"): PodStrategy,
    ("", "PodTemplate"): PodTemplateStrategy,
    ("", "ReplicationController"): ReplicationControllerStrategy,
    ("", "ResourceQuota"): ResourceQuotaStrategy,
    ("", "Secret"): SecretStrategy,
    ("", "ServiceAccount"): ServiceAccountStrategy,
    ("", "Service"): ServiceStrategy,
    ("apps", "ControllerRevision"): ControllerRevisionStrategy,
    ("apps", "DaemonSet"): DaemonSetStrategy,
    ("apps", "Deployment"): DeploymentStrategy,
    ("apps", "ReplicaSet"): ReplicaSetStrategy,
    ("apps", "StatefulSet"): StatefulSetStrategy,
    ("autoscaling", "HorizontalPodAutoscaler"): HorizontalPodAutoscalerStrategy,
    ("batch", "CronJob"): CronJobStrategy,
    ("batch", "Job"): JobStrategy,
    ("coordination.k8s.io", "Lease"): LeaseStrategy,
    ("discovery.k8s.io", "EndpointSlice"): EndpointSliceStrategy,
    ("events.k8s.io", "Event"): EventsV1Strategy,
    ("networking.k8s.io", "IngressClass"): IngressClassStrategy,
    ("networking.k8s.io", "Ingress"): IngressStrategy,
    ("policy", "PodDisruptionBudget"): PodDisruptionBudgetStrategy,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): RoleBindingStrategy,
    ("rbac.authorization.k8s.io", "ClusterRole"): RoleStrategy,
    ("rbac.authorization.k8s.io", "RoleBinding"): RoleBindingStrategy,
    ("rbac.authorization.k8s.io", "Role"): RoleStrategy,
    ("storage.k8s.io", "StorageClass"): StorageClassStrategy,
}

_CACHE: dict[ResourceInfo, Strategy] = {}


def strategy_for(info: ResourceInfo) -> Strategy:
    """The strategy of one served resource (cached; strategies hold no per-request state)."""
    strategy = _CACHE.get(info)
    if strategy is None:
        cls = STRATEGY_CLASSES.get((info.group, info.kind), GenericStrategy)
        strategy = _CACHE[info] = cls(info)
    return strategy

