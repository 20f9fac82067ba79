"""The node IPAM's address book: the cluster CIDR cut into per-node subnets (upstream's cidrset).

    cidrs = CidrSet("10.244.0.0/16", 24, reserved=1)
    cidrs.allocate()            -> "10.244.1.0/24"   (the next free one, round-robin)
    cidrs.occupy("10.244.7.0/24"); cidrs.release("10.244.1.0/24")

The first `reserved` subnets are never handed out (10.244.0.0/24 is Docker's own dynamic range
on the pod network, see DESIGN.md). Allocation goes round-robin from the last one given, as
upstream's, so that a subnet just freed is not handed to the next node at once.
"""
from __future__ import annotations

import ipaddress


class CidrSetFull(Exception):
    """No free subnet left in the cluster CIDR."""


class CidrSet:
    def __init__(self, cluster_cidr: str, mask_size: int, reserved: int = 0):
        self.network = ipaddress.ip_network(cluster_cidr, strict=False)
        if mask_size < self.network.prefixlen or mask_size > self.network.max_prefixlen:
            raise ValueError(f"node CIDR mask size {mask_size} does not fit {cluster_cidr}")
        self.mask_size = mask_size
        self.size = 2 ** (mask_size - self.network.prefixlen)
        self.reserved = min(reserved, self.size)
        self._used: set[int] = set()
        self._next = self.reserved

    @property
    def free(self) -> int:
        return self.size - self.reserved - len(self._used - set(range(self.reserved)))

    def _subnet(self, index: int) -> str:
        step = 2 ** (self.network.max_prefixlen - self.mask_size)
        base = int(self.network.network_address) + index * step
        return f"{ipaddress.ip_address(base)}/{self.mask_size}"

    def index_of(self, cidr: str) -> int | None:
        """The index of a subnet of ours, or None if `cidr` is not one of them."""
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return None
        if net.version != self.network.version or net.prefixlen != self.mask_size or \
                not net.subnet_of(self.network):
            return None
        step = 2 ** (self.network.max_prefixlen - self.mask_size)
        return (int(net.network_address) - int(self.network.network_address)) // step

    def allocate(self) -> str:
        for offset in range(self.size):
            index = (self._next + offset) % self.size
            if index < self.reserved or index in self._used:
                continue
            self._used.add(index)
            self._next = (index + 1) % self.size
            return self._subnet(index)
        raise CidrSetFull(f"no free /{self.mask_size} left in {self.network}")

    def occupy(self, cidr: str) -> bool:
        """Mark a subnet in use (a node already has it); False if it is not one of ours."""
        index = self.index_of(cidr)
        if index is None:
            return False
        self._used.add(index)
        return True

    def release(self, cidr: str) -> None:
        index = self.index_of(cidr)
        if index is not None:
            self._used.discard(index)

    def in_use(self, cidr: str) -> bool:
        index = self.index_of(cidr)
        return index is not None and index in self._used
