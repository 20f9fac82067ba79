"""Kubelet settings: one field = one flag (`--node-name`) = one variable (`TINYKUBE_NODE_NAME`)."""
from __future__ import annotations

import socket
from dataclasses import dataclass

from machinery.settings import ComponentSettings

KUBELET_VERSION = "v1.32.0"


@dataclass
class KubeletSettings(ComponentSettings):
    """tinykube kubelet: runs the pods bound to one node in Docker (or in memory)."""
    node_name: str = ""                 # default: the host name
    runtime: str = "docker"             # docker | fake
    pod_cidr: str = ""                  # static; empty: wait for node.spec.podCIDR (node IPAM)
    node_ip: str = ""                   # the node's InternalIP; empty: the host's address
    capacity_cpu: str = ""              # e.g. "4" or "3500m"; empty: the machine's CPUs
    capacity_memory: str = ""           # e.g. "8Gi"; empty: the machine's memory
    capacity_pods: int = 110
    node_labels: str = ""               # "k=v,k2=v2"
    register_with_taints: str = ""      # "key=value:NoSchedule,key2:NoExecute"
    port: int = 10250                   # the streaming server (kubelet/server/); 0: none
    address: str = "0.0.0.0"            # where the 10250 server listens
    tls_cert_dir: str = ""              # serving cert/key; default: <root-dir>/pki
    client_ca_file: str = ""            # require client certs signed by this CA (api-server)
    healthz_port: int = 10248           # 0: no healthz server
    healthz_bind_address: str = "0.0.0.0"
    root_dir: str = ""                  # default: /var/lib/tinykube/kubelet/<node>
    pod_network: str = "tinykube-pods"
    pod_network_subnet: str = "10.244.0.0/16"
    pod_network_ip_range: str = "10.244.0.64/26"
    pod_network_bridge: str = "tkpods0"
    pause_image: str = "tinykube-pause:latest"
    docker_host: str = "unix:///var/run/docker.sock"
    cluster_dns: str = ""               # comma-separated DNS servers given to pods
    cluster_domain: str = "cluster.local"
    node_status_update_s: float = 10.0
    node_status_report_s: float = 60.0  # write an unchanged status at least this often
    lease_duration_s: int = 40
    relist_s: float = 1.0               # PLEG period
    sync_s: float = 10.0                # periodic re-sync of every pod

    def __post_init__(self) -> None:
        if not self.node_name:
            self.node_name = socket.gethostname().lower()
        if not self.root_dir:
            self.root_dir = f"/var/lib/tinykube/kubelet/{self.node_name}"
        if self.runtime not in ("docker", "fake"):
            raise ValueError(f"--runtime must be docker or fake, not {self.runtime!r}")

    def labels(self) -> dict[str, str]:
        return parse_labels(self.node_labels)

    def taints(self) -> list[dict[str, str]]:
        return parse_taints(self.register_with_taints)


def parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        labels[key.strip()] = value.strip()
    return labels


def parse_taints(text: str) -> list[dict[str, str]]:
    """`key=value:Effect` or `key:Effect`, comma-separated (the kubelet's flag syntax)."""
    taints = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        spec, sep, effect = item.rpartition(":")
        if not sep or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ValueError(f"invalid taint {item!r}: want key[=value]:Effect")
        key, _, value = spec.partition("=")
        taint = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints
