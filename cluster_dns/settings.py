"""Cluster DNS settings: one field = one flag (`--cluster-domain`) = one variable
(`TINYKUBE_CLUSTER_DOMAIN`)."""
from __future__ import annotations

from dataclasses import dataclass

from machinery.settings import ComponentSettings

POD_MODES = ("verified", "insecure", "disabled")


@dataclass
class DnsSettings(ComponentSettings):
    """tinykube cluster DNS: answers for Services and Pods, forwards everything else."""
    bind_address: str = "0.0.0.0"
    port: int = 53                       # UDP and TCP
    cluster_domain: str = "cluster.local"
    upstream: str = ""                   # host[:port],...; empty: nameservers of resolv_conf
    resolv_conf: str = "/etc/resolv.conf"
    upstream_timeout_s: float = 2.0
    ttl_s: int = 30                      # as kubeadm's CoreDNS Corefile (`ttl 30`)
    pods: str = "verified"               # verified: <ip>.<ns>.pod names need such a pod
    health_port: int = 8080              # /health; 0: none
    ready_port: int = 0                  # /ready; 0: on the health port (CoreDNS uses 8181)
    metrics_port: int = 9153             # /metrics; 0: none
    # Outside pods (the compose cluster): keep this Service and an EndpointSlice naming
    # publish_address; empty publish_address: do not publish (a Deployment behind kube-dns).
    publish_address: str = ""
    publish_service: str = "kube-system/kube-dns"
    publish_cluster_ip: str = "10.96.0.10"

    def __post_init__(self) -> None:
        if self.pods not in POD_MODES:
            raise ValueError(f"--pods must be one of {', '.join(POD_MODES)}")
        self.cluster_domain = self.cluster_domain.strip(".").lower()
        if not self.cluster_domain:
            raise ValueError("--cluster-domain must not be empty")
