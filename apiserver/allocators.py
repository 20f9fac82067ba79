"""ClusterIP and NodePort allocation for Services.

Each allocated address is a claim key in etcd, written in the same transaction as the Service
(`/registry/ranges/serviceips/<ip>`, `/registry/ranges/servicenodeports/<port>`), so allocation
is race-free across api-servers and a deleted Service frees its addresses atomically.
"""
from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from typing import Any

from machinery.api.errors import Invalid, cause

IP_CLAIMS = "/registry/ranges/serviceips/"
PORT_CLAIMS = "/registry/ranges/servicenodeports/"


@dataclass
class ServiceAllocation:
    claims: list[str]
    releases: list[str]


def _spec(svc: dict[str, Any]) -> dict[str, Any]:
    spec = svc.get("spec")
    return spec if isinstance(spec, dict) else {}


class ServiceAllocator:
    def __init__(self, service_cidr: str, node_port_range: str):
        self.network = ipaddress.ip_network(service_cidr)
        lo, hi = node_port_range.split("-")
        self.port_lo, self.port_hi = int(lo), int(hi)

    @property
    def kubernetes_ip(self) -> str:
        """The first address, upstream's home of the `kubernetes` Service."""
        return str(self.network.network_address + 1)

    def random_ip(self, taken: set[str]) -> str:
        size = self.network.num_addresses
        for _ in range(64):
            ip = str(self.network.network_address + random.randrange(2, size - 1))
            if ip not in taken:
                return ip
        for offset in range(2, size - 1):
            ip = str(self.network.network_address + offset)
            if ip not in taken:
                return ip
        raise Invalid.fields("Service", "", [cause("spec.clusterIPs", "range is full",
                                                   "FieldValueInvalid")])

    def random_port(self, taken: set[int]) -> int:
        for _ in range(64):
            port = random.randint(self.port_lo, self.port_hi)
            if port not in taken:
                return port
        free = [p for p in range(self.port_lo, self.port_hi + 1) if p not in taken]
        if not free:
            raise Invalid.fields("Service", "", [cause("spec.ports", "range is full")])
        return random.choice(free)

    def validate_requested(self, svc: dict[str, Any]) -> list[dict]:
        causes = []
        ip = _spec(svc).get("clusterIP")
        if ip and ip != "None":
            try:
                in_range = ipaddress.ip_address(ip) in self.network
            except ValueError:
                in_range = True      # malformed addresses are the validator's to report
            if not in_range and isinstance(ip, str):
                causes.append(cause("spec.clusterIPs", f'Invalid value: ["{ip}"]: failed to '
                                    f'allocate IP {ip}: the provided IP ({ip}) is not in the '
                                    f'valid range. The range of valid IPs is {self.network}'))
        return causes

    def allocate(self, svc: dict[str, Any], old: dict[str, Any] | None,
                 taken_ips: set[str], taken_ports: set[int]) -> ServiceAllocation:
        """Fill in clusterIP(s) and nodePorts the user left empty; return the claim keys to
        write and the ones to free (ports dropped by an update)."""
        spec = svc.get("spec")
        if not isinstance(spec, dict):
            return ServiceAllocation([], [])      # invalid: the validator reports it
        typ = spec.get("type", "ClusterIP")
        claims: list[str] = []
        releases: list[str] = []
        old_spec = (old or {}).get("spec")
        old_spec = old_spec if isinstance(old_spec, dict) else {}
        if typ != "ExternalName":
            ip = spec.get("clusterIP") or old_spec.get("clusterIP")
            if not ip:
                ip = self.random_ip(taken_ips)
            spec["clusterIP"] = ip
            if ip != "None":
                spec["clusterIPs"] = [ip]
                if ip != old_spec.get("clusterIP"):
                    claims.append(IP_CLAIMS + ip)
            else:
                spec["clusterIPs"] = ["None"]
        elif old_spec.get("clusterIP") not in (None, "", "None"):
            releases.append(IP_CLAIMS + old_spec["clusterIP"])
        old_ports = {p.get("nodePort") for p in old_spec.get("ports") or [] if isinstance(p, dict)}
        new_ports: set[int] = set()
        if typ in ("NodePort", "LoadBalancer"):
            for port in spec.get("ports") or []:
                if not isinstance(port, dict):
                    continue
                if not port.get("nodePort"):
                    port["nodePort"] = self.random_port(taken_ports | new_ports)
                if isinstance(port["nodePort"], int):
                    new_ports.add(port["nodePort"])
        else:
            for port in spec.get("ports") or []:
                if isinstance(port, dict):
                    port.pop("nodePort", None)
        claims += [PORT_CLAIMS + str(p) for p in sorted(new_ports - old_ports)]
        releases += [PORT_CLAIMS + str(p) for p in sorted(old_ports - new_ports) if p]
        return ServiceAllocation(claims, releases)

    @staticmethod
    def held_by(svc: dict[str, Any]) -> list[str]:
        """The claim keys a stored Service holds (freed when it is deleted)."""
        spec = _spec(svc)
        keys = []
        if spec.get("clusterIP") not in (None, "", "None"):
            keys.append(IP_CLAIMS + spec["clusterIP"])
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and port.get("nodePort"):
                keys.append(PORT_CLAIMS + str(port["nodePort"]))
        return keys
