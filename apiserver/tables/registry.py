"""Which printer serves which kind: upstream's table handlers, and its default table convertor.

Kinds without a printer upstream (Role, ClusterRole, LimitRange, ...) get the default convertor's
two columns: Name, and Created At as an RFC 3339 `date` cell.
"""
from __future__ import annotations

from datetime import datetime, timezone

from apiserver.tables import cluster, config, networking, pods, scaling, storage, workloads
from apiserver.tables.columns import CREATED_DOC, Column, Printer, name_col
from apiserver.tables.duration import parse_timestamp
from apiserver.tables.fields import get, text
from machinery.api.resources import ResourceInfo

_ZERO_TIME = "0001-01-01T00:00:00Z"     # Go's zero time.Time, as the default convertor prints it


def _created_at(obj: dict) -> str:
    stamp = parse_timestamp(get(obj, "metadata", "creationTimestamp"))
    if stamp is None:
        return _ZERO_TIME
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _default_cells(obj: dict, now: datetime) -> list:
    return [text(obj, "metadata", "name"), _created_at(obj)]


DEFAULT = Printer((name_col(), Column("Created At", "date", CREATED_DOC)), _default_cells)

# (API group, kind) -> printer. Every version of a group/kind prints the same way.
PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Pod"): pods.POD,
    ("", "PodTemplate"): workloads.POD_TEMPLATE,
    ("", "ReplicationController"): workloads.REPLICATION_CONTROLLER,
    ("", "Service"): networking.SERVICE,
    ("", "Endpoints"): networking.ENDPOINTS,
    ("", "Node"): cluster.NODE,
    ("", "Namespace"): cluster.NAMESPACE,
    ("", "Event"): cluster.EVENT,
    ("", "ConfigMap"): config.CONFIG_MAP,
    ("", "Secret"): config.SECRET,
    ("", "ServiceAccount"): config.SERVICE_ACCOUNT,
    ("", "ResourceQuota"): config.RESOURCE_QUOTA,
    ("", "PersistentVolume"): storage.PERSISTENT_VOLUME,
    ("", "PersistentVolumeClaim"): storage.PERSISTENT_VOLUME_CLAIM,
    ("apps", "Deployment"): workloads.DEPLOYMENT,
    ("apps", "ReplicaSet"): workloads.REPLICA_SET,
    ("apps", "StatefulSet"): workloads.STATEFUL_SET,
    ("apps", "DaemonSet"): workloads.DAEMON_SET,
    ("apps", "ControllerRevision"): workloads.CONTROLLER_REVISION,
    ("batch", "Job"): workloads.JOB,
    ("batch", "CronJob"): workloads.CRON_JOB,
    ("autoscaling", "HorizontalPodAutoscaler"): scaling.HORIZONTAL_POD_AUTOSCALER,
    ("policy", "PodDisruptionBudget"): scaling.PDB,
    ("coordination.k8s.io", "Lease"): cluster.LEASE,
    ("discovery.k8s.io", "EndpointSlice"): networking.ENDPOINT_SLICE,
    ("events.k8s.io", "Event"): cluster.EVENT_V1,
    ("networking.k8s.io", "Ingress"): networking.INGRESS,
    ("networking.k8s.io", "IngressClass"): networking.INGRESS_CLASS,
    ("rbac.authorization.k8s.io", "RoleBinding"): config.ROLE_BINDING,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): config.CLUSTER_ROLE_BINDING,
    ("storage.k8s.io", "StorageClass"): storage.STORAGE_CLASS,
}


def printer_for(info: ResourceInfo) -> Printer:
    return PRINTERS.get((info.group, info.kind), DEFAULT)
