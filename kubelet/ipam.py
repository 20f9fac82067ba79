"""Pod IPs from the node's podCIDR: the lowest free address, never the network, gateway or broadcast.

The allocator is seeded from the sandboxes the runtime already has (their IPs are in Docker), so a
restarted kubelet never hands out an address a running pod still holds.
"""
from __future__ import annotations

import ipaddress


class PodCIDRExhausted(Exception):
    pass


class PodIPAllocator:
    def __init__(self, pod_cidr: str):
        self.network = ipaddress.ip_network(pod_cidr, strict=False)
        self._by_uid: dict[str, str] = {}

    def sync(self, in_use: dict[str, str]) -> None:
        """Adopt `{pod uid: ip}` held by existing sandboxes (in this podCIDR)."""
        for uid, ip in in_use.items():
            if ip and ipaddress.ip_address(ip) in self.network:
                self._by_uid[uid] = ip

    def allocate(self, uid: str) -> str:
        """The pod's IP: the one it already holds, else the lowest free one."""
        if uid in self._by_uid:
            return self._by_uid[uid]
        used = set(self._by_uid.values())
        hosts = self.network.hosts()
        next(hosts, None)          # .1 is the network's gateway on Docker bridges
        for address in hosts:
            ip = str(address)
            if ip not in used:
                self._by_uid[uid] = ip
                return ip
        raise PodCIDRExhausted(f"no free IP left in {self.network}")

    def block(self, ip: str) -> None:
        """An address something outside this node holds (a leftover container on the shared
        network): never hand it out."""
        self._by_uid[f"held-elsewhere:{ip}"] = ip

    def release(self, uid: str) -> None:
        self._by_uid.pop(uid, None)

    def ip_of(self, uid: str) -> str | None:
        return self._by_uid.get(uid)

    def __len__(self) -> int:
        return len(self._by_uid)
