"""Names of the proxy's iptables chains, as upstream's iptables proxier names them.

Every name starts with a configurable prefix (`KUBE` in a cluster) so that tests can program
their own chains beside a running cluster's. Per-service chains carry upstream's hash: the
first 16 characters of the base32 of sha256(servicePortName + protocol [+ endpoint]), so a chain
name is stable across restarts and the same as upstream's for the same Service.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

MAX_CHAIN_NAME = 28          # iptables' limit (XT_EXTENSION_MAXNAMELEN - 1)
SERVICE_CHAIN_KINDS = ("SVC", "SVL", "EXT", "FW", "SEP")


@lru_cache(maxsize=65536)
def port_proto_hash(service_port_name: str, protocol: str, endpoint: str = "") -> str:
    digest = hashlib.sha256((service_port_name + protocol + endpoint).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


@lru_cache(maxsize=1024)
def probability(n: int) -> str:
    """1/n formatted as upstream (`%0.10f`): 3 -> 0.3333333333."""
    return f"{1.0 / n:0.10f}"


@dataclass(frozen=True)
class ChainNames:
    prefix: str = "KUBE"

    def __post_init__(self) -> None:
        # the longest name is <prefix>-EXTERNAL-SERVICES; per-service names are shorter
        if not self.prefix or len(self.external_services) > MAX_CHAIN_NAME:
            raise ValueError(f"chain prefix {self.prefix!r} is empty or too long "
                             f"(at most {MAX_CHAIN_NAME - len('-EXTERNAL-SERVICES')} characters)")

    # --- top-level chains -------------------------------------------------------------------

    @property
    def services(self) -> str:            # nat and filter
        return f"{self.prefix}-SERVICES"

    @property
    def external_services(self) -> str:   # filter
        return f"{self.prefix}-EXTERNAL-SERVICES"

    @property
    def nodeports(self) -> str:           # nat and filter
        return f"{self.prefix}-NODEPORTS"

    @property
    def postrouting(self) -> str:         # nat
        return f"{self.prefix}-POSTROUTING"

    @property
    def mark_masq(self) -> str:           # nat
        return f"{self.prefix}-MARK-MASQ"

    @property
    def forward(self) -> str:             # filter
        return f"{self.prefix}-FORWARD"

    @property
    def proxy_firewall(self) -> str:      # filter
        return f"{self.prefix}-PROXY-FIREWALL"

    @property
    def localnet_firewall(self) -> str:   # filter: upstream's KUBE-FIREWALL (route_localnet guard)
        return f"{self.prefix}-FIREWALL"

    def nat_top(self) -> list[str]:
        return [self.services, self.nodeports, self.postrouting, self.mark_masq]

    def filter_top(self) -> list[str]:
        return [self.services, self.external_services, self.forward, self.nodeports,
                self.proxy_firewall, self.localnet_firewall]

    # --- per-service chains -----------------------------------------------------------------

    def svc(self, name_string: str, protocol: str) -> str:
        return f"{self.prefix}-SVC-{port_proto_hash(name_string, protocol)}"

    def svl(self, name_string: str, protocol: str) -> str:
        return f"{self.prefix}-SVL-{port_proto_hash(name_string, protocol)}"

    def ext(self, name_string: str, protocol: str) -> str:
        return f"{self.prefix}-EXT-{port_proto_hash(name_string, protocol)}"

    def fw(self, name_string: str, protocol: str) -> str:
        return f"{self.prefix}-FW-{port_proto_hash(name_string, protocol)}"

    def sep(self, name_string: str, protocol: str, endpoint: str) -> str:
        return f"{self.prefix}-SEP-{port_proto_hash(name_string, protocol, endpoint)}"

    def is_service_chain(self, chain: str) -> bool:
        return any(chain.startswith(f"{self.prefix}-{kind}-") for kind in SERVICE_CHAIN_KINDS)

    def is_ours(self, chain: str, table: str) -> bool:
        top = self.nat_top() if table == "nat" else self.filter_top()
        return chain in top or (table == "nat" and self.is_service_chain(chain))
