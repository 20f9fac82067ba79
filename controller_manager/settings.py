"""Settings of the controller-manager: every field is a flag and a TINYKUBE_* variable."""
from __future__ import annotations

from dataclasses import dataclass

from machinery.settings import ComponentSettings


@dataclass
class ControllerManagerSettings(ComponentSettings):
    """tinykube controller-manager: runs the core controllers against the api-server."""
    port: int = 10257                    # /healthz and /metrics
    bind_address: str = "0.0.0.0"
    controllers: str = "*"               # comma list; "*" all, "-name" disables one
    leader_elect: bool = True
    leader_elect_lease_name: str = "kube-controller-manager"
    leader_elect_namespace: str = "kube-system"
    leader_elect_lease_duration_s: float = 15.0
    leader_elect_renew_deadline_s: float = 10.0
    leader_elect_retry_period_s: float = 2.0
    concurrent_replicaset_syncs: int = 5
    concurrent_rc_syncs: int = 5
    concurrent_deployment_syncs: int = 5
    concurrent_gc_syncs: int = 20
    concurrent_namespace_syncs: int = 10
    shutdown_timeout_s: float = 30.0
    cluster_cidr: str = "10.244.0.0/16"          # node IPAM hands out /node_cidr_mask_size
    node_cidr_mask_size: int = 24
    node_monitor_grace_period_s: float = 40.0    # a node silent this long goes Unknown
    node_monitor_period_s: float = 5.0
    node_startup_grace_period_s: float = 60.0
    job_pod_failure_backoff_s: float = 10.0
    concurrent_endpoint_syncs: int = 5
    concurrent_service_endpoint_syncs: int = 5
    concurrent_job_syncs: int = 5
    concurrent_cron_job_syncs: int = 5
    concurrent_daemonset_syncs: int = 2
    concurrent_statefulset_syncs: int = 5
    concurrent_disruption_syncs: int = 2
    concurrent_ttl_syncs: int = 5
    concurrent_horizontal_pod_autoscaler_syncs: int = 5
    horizontal_pod_autoscaler_sync_period_s: float = 15.0   # each HPA is reconciled this often

    def enabled(self, name: str) -> bool:
        """Upstream's --controllers rule: named wins, then "-name", then "*"."""
        items = [c.strip() for c in self.controllers.split(",") if c.strip()]
        if name in items:
            return True
        if f"-{name}" in items:
            return False
        return "*" in items
