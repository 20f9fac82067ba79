"""kube-proxy settings: one field = one flag (`--cluster-cidr`) = one variable
(`TINYKUBE_CLUSTER_CIDR`)."""
from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass

from kube_proxy.chains import ChainNames
from kube_proxy.rules import RenderSettings
from machinery.settings import ComponentSettings


@dataclass
class ProxySettings(ComponentSettings):
    """tinykube kube-proxy: programs iptables (nat and filter) from Services and EndpointSlices."""
    master: str = ""                    # overrides the kubeconfig's server (host network)
    node_name: str = ""                 # this machine's name, for logs and /healthz
    local_nodes: str = ""               # comma list of nodes on this machine; empty: all nodes
    cluster_cidr: str = "10.244.0.0/16"
    service_cidr: str = "10.96.0.0/16"
    load_balancer_cidr: str = "127.0.100.0/24"   # LoadBalancer IPs; empty: do not allocate
    pods_bridge: str = "tkpods0"
    hairpin_mode: str = "hairpin-veth"  # hairpin-veth: turn hairpin on for the bridge's ports; none
    chain_prefix: str = "KUBE"
    masquerade_bit: int = 14
    localhost_nodeports: bool = True    # NodePorts on 127.0.0.1 (sets route_localnet=1)
    min_sync_period_s: float = 1.0
    sync_period_s: float = 30.0         # at least one (verifying) sync this often
    full_sync_period_s: float = 3600.0  # every chain rewritten this often (upstream: 1 h)
    healthz_port: int = 10256           # 0: no health server
    healthz_bind_address: str = "0.0.0.0"
    metrics_port: int = 10249           # 0: no metrics server
    metrics_bind_address: str = "127.0.0.1"
    command_prefix: str = ""            # e.g. "ip netns exec tkp": run iptables elsewhere
    # Where the machine's sysctls are writable: a container gets /proc/sys read-only unless
    # privileged, so compose bind-mounts the host's /proc/sys/net and points this at it.
    proc_sys_dir: str = "/proc/sys"
    cleanup: bool = False               # remove hooks, chains and route, then exit

    def __post_init__(self) -> None:
        ChainNames(self.chain_prefix)               # validates the prefix length
        for cidr in (self.cluster_cidr, self.service_cidr, self.load_balancer_cidr):
            if cidr:
                ipaddress.IPv4Network(cidr)
        if self.hairpin_mode not in ("hairpin-veth", "none"):
            raise ValueError("--hairpin-mode must be hairpin-veth or none")
        if not 0 <= self.masquerade_bit <= 31:
            raise ValueError("--masquerade-bit must be in 0..31")
        if self.min_sync_period_s < 0 or self.sync_period_s <= 0 or \
                self.full_sync_period_s < self.sync_period_s:
            raise ValueError("sync periods must be positive")

    def local_node_set(self) -> frozenset[str] | None:
        names = frozenset(n.strip() for n in self.local_nodes.split(",") if n.strip())
        return names or None

    def render_settings(self) -> RenderSettings:
        return RenderSettings(cluster_cidr=self.cluster_cidr, chain_prefix=self.chain_prefix,
                              masquerade_mark=hex(1 << self.masquerade_bit),
                              pods_bridge=self.pods_bridge, local_nodes=self.local_node_set(),
                              localhost_nodeports=self.localhost_nodeports)

    def command_prefix_argv(self) -> list[str]:
        return shlex.split(self.command_prefix)

    def routed_cidrs(self) -> list[str]:
        """CIDRs to route onto the pods' bridge: the service CIDR, and LoadBalancer IPs unless
        they are loopback addresses (127.0.0.0/8 is local already)."""
        cidrs = [self.service_cidr]
        lb = self.load_balancer_cidr
        if lb and not ipaddress.IPv4Network(lb).is_loopback:
            cidrs.append(lb)
        return cidrs
