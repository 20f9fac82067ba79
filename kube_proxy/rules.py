"""Render Services and EndpointSlices into iptables rules, as upstream's iptables proxier.

`render()` is pure: objects in, a RuleSet out; nothing here runs a command. The layout is
upstream's: nat `KUBE-SERVICES` matches each cluster IP, external IP, load-balancer IP (and, last,
every local address into `KUBE-NODEPORTS`) and jumps to a per-port chain: `KUBE-SVC-*` (Cluster
policy), `KUBE-SVL-*` (Local policy), `KUBE-EXT-*` (external traffic), `KUBE-FW-*`
(loadBalancerSourceRanges); those pick an endpoint with `-m statistic --mode random` (and `-m
recent` for ClientIP affinity) and jump to its `KUBE-SEP-*` chain, which DNATs. Ports with no
usable endpoints get REJECT (or DROP, for a Local policy with no local endpoints) in the filter
table, so clients are refused at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kube_proxy.chains import ChainNames, probability
from kube_proxy.ruleset import RuleSet, ServiceRules
from kube_proxy.servicemap import (Categorized, Endpoint, ServicePort, categorize,
                                   endpoints_by_port, service_ports, slice_service_key)

Obj = dict

LOOPBACK_CIDR = "127.0.0.0/8"


@dataclass(frozen=True)
class RenderSettings:
    cluster_cidr: str = "10.244.0.0/16"
    chain_prefix: str = "KUBE"
    masquerade_mark: str = "0x4000"
    pods_bridge: str = "tkpods0"
    local_nodes: frozenset[str] | None = None   # None: every node is on this machine
    localhost_nodeports: bool = True
    large_cluster_endpoints: int = 1000          # above this, no per-endpoint comments

    def is_local(self, node_name: str | None) -> bool:
        return self.local_nodes is None or node_name in self.local_nodes


def _q(comment: str) -> str:
    return f'"{comment}"' if any(c in comment for c in ' "') else comment


def render(services: Iterable[Obj], endpoint_slices: Iterable[Obj], settings: RenderSettings,
           previous: RuleSet | None = None, changed: Iterable[str] | None = None) -> RuleSet:
    """The whole rule set. With `previous` and `changed` (Service keys whose Service or slices
    changed since `previous`), other Services' rules are reused instead of re-rendered."""
    names = ChainNames(settings.chain_prefix)
    by_key = {_key(s): s for s in services}
    slices: dict[str, list[Obj]] = {}
    for eps in endpoint_slices:
        if (key := slice_service_key(eps)) is not None:
            slices.setdefault(key, []).append(eps)
    total = sum(_endpoint_count(eps) for key, group in slices.items() if key in by_key
                for eps in group)
    large = total > settings.large_cluster_endpoints
    reuse = previous is not None and changed is not None and previous.large_cluster == large
    dirty = set(changed or ())
    rendered: dict[str, ServiceRules] = {}
    for key in sorted(by_key):
        if reuse and key not in dirty and key in previous.services:
            rendered[key] = previous.services[key]
            continue
        endpoints = endpoints_by_port(slices.get(key, ()), settings.is_local)
        writer = _ServiceWriter(names, settings, comments=not large)
        for sp in service_ports(by_key[key]):
            writer.write_port(sp, endpoints.get((sp.port_name, sp.protocol), []))
        rendered[key] = writer.rules
    return RuleSet(nat_top=names.nat_top(), filter_top=names.filter_top(),
                   nat_head=_nat_head(names, settings), filter_head=_filter_head(names, settings),
                   nat_tail=_nat_tail(names, settings), services=rendered,
                   large_cluster=large, endpoints=total, mark_masq_chain=names.mark_masq)


def _endpoint_count(eps: Obj) -> int:
    """Endpoints x ports of one slice: cheap, and what the large-cluster threshold counts."""
    return len(eps.get("endpoints") or ()) * len(eps.get("ports") or ())


def _key(svc: Obj) -> str:
    meta = svc.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def _nat_head(n: ChainNames, s: RenderSettings) -> list[str]:
    mark = s.masquerade_mark
    return [
        # the machine's own 127.0.0.1 (NodePorts on localhost) must not reach a pod unmasked
        f'-A {n.postrouting} -m comment --comment "localhost traffic to pods" '
        f"-s {LOOPBACK_CIDR} -o {s.pods_bridge} -j MASQUERADE",
        f"-A {n.postrouting} -m mark ! --mark {mark}/{mark} -j RETURN",
        f"-A {n.postrouting} -j MARK --xor-mark {mark}",
        f'-A {n.postrouting} -m comment --comment "kubernetes service traffic requiring SNAT" '
        "-j MASQUERADE --random-fully",
        f"-A {n.mark_masq} -j MARK --or-mark {mark}",
    ]


def _nat_tail(n: ChainNames, s: RenderSettings) -> list[str]:
    dest = "-m addrtype --dst-type LOCAL"
    if not s.localhost_nodeports:
        dest += f" ! -d {LOOPBACK_CIDR}"
    return [f'-A {n.services} -m comment --comment "kubernetes service nodeports; NOTE: this '
            f'must be the last rule in this chain" {dest} -j {n.nodeports}']


def _filter_head(n: ChainNames, s: RenderSettings) -> list[str]:
    mark = s.masquerade_mark
    head = [
        f"-A {n.forward} -m conntrack --ctstate INVALID -j DROP",
        f'-A {n.forward} -m comment --comment "kubernetes forwarding rules" '
        f"-m mark --mark {mark}/{mark} -j ACCEPT",
        f'-A {n.forward} -m comment --comment "kubernetes forwarding conntrack rule" '
        "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    ]
    if s.localhost_nodeports:
        # route_localnet=1 would otherwise let other hosts reach 127.0.0.1 (upstream #90259)
        head.insert(0, f'-A {n.localnet_firewall} -m comment --comment "block incoming '
                       f'localnet connections" -d {LOOPBACK_CIDR} ! -s {LOOPBACK_CIDR} '
                       "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")
    return head


class _ServiceWriter:
    """Writes the rules of one Service's ports into a ServiceRules."""

    def __init__(self, names: ChainNames, settings: RenderSettings, comments: bool):
        self.n, self.s, self.comments = names, settings, comments
        self.rules = ServiceRules()

    def _comment(self, text: str) -> str:
        return f"-m comment --comment {_q(text)} " if self.comments else ""

    def write_port(self, sp: ServicePort, endpoints: list[Endpoint]) -> None:
        cat = categorize(endpoints, sp)
        n, name, proto = self.n, sp.name_string, sp.protocol
        svc_chain, svl_chain = n.svc(name, proto), n.svl(name, proto)
        ext_chain = n.ext(name, proto)
        internal_chain = svl_chain if sp.internal_local else svc_chain
        has_internal = cat.has_any and not (sp.internal_local and not cat.local)
        has_external = cat.has_any and not (sp.external_local and not cat.local)
        self._write_entry_rules(sp, cat, internal_chain, ext_chain, has_internal, has_external)
        if has_internal:
            self._chain(internal_chain).append(
                f"-A {internal_chain} -m comment --comment {_q(name + ' cluster IP')} "
                f"{self._match(sp, sp.cluster_ip, sp.port)} ! -s {self.s.cluster_cidr} "
                f"-j {n.mark_masq}")
        if cat.has_any and sp.externally_accessible:
            self._write_ext_chain(sp, ext_chain, svc_chain, svl_chain, has_external)
        if cat.has_any and sp.lb_ips and sp.lb_source_ranges:
            self._write_fw_chain(sp, ext_chain)
        if cat.cluster and sp.uses_cluster_endpoints:
            self._write_balancing(sp, svc_chain, cat.cluster)
        if cat.local and sp.uses_local_endpoints:
            self._write_balancing(sp, svl_chain, cat.local)
        for ep in cat.reachable:
            self._write_endpoint(sp, ep)
        if sp.protocol == "udp":
            endpoints = tuple(str(e) for e in cat.reachable)
            self.rules.udp[(sp.cluster_ip, sp.port)] = endpoints
            if sp.node_port:
                self.rules.udp[("", sp.node_port)] = endpoints

    def _chain(self, chain: str) -> list[str]:
        return self.rules.chains.setdefault(chain, [])

    @staticmethod
    def _match(sp: ServicePort, ip: str | None, port: int) -> str:
        dest = f"-d {ip} " if ip else ""
        return f"-m {sp.protocol} -p {sp.protocol} {dest}--dport {port}"

    def _write_entry_rules(self, sp: ServicePort, cat: Categorized, internal_chain: str,
                           ext_chain: str, has_internal: bool, has_external: bool) -> None:
        """The rules of the top-level chains that capture this port's traffic."""
        n, r, name = self.n, self.rules, sp.name_string
        no_eps = f"{name} has no endpoints" if not cat.has_any else f"{name} has no local endpoints"
        target = "REJECT" if not cat.has_any else "DROP"
        if has_internal:
            r.nat_services.append(f"-A {n.services} -m comment --comment "
                                  f"{_q(name + ' cluster IP')} "
                                  f"{self._match(sp, sp.cluster_ip, sp.port)} -j {internal_chain}")
        else:
            r.filter_services.append(f"-A {n.services} -m comment --comment {_q(no_eps)} "
                                     f"{self._match(sp, sp.cluster_ip, sp.port)} -j {target}")
        lb_target = n.fw(name, sp.protocol) if sp.lb_source_ranges else ext_chain
        for kind, ips, jump in (("external IP", sp.external_ips, ext_chain),
                                ("loadbalancer IP", sp.lb_ips, lb_target)):
            for ip in ips:
                if cat.has_any:
                    r.nat_services.append(f"-A {n.services} -m comment --comment "
                                          f"{_q(f'{name} {kind}')} "
                                          f"{self._match(sp, ip, sp.port)} -j {jump}")
                if not has_external:
                    r.filter_external.append(f"-A {n.external_services} -m comment --comment "
                                             f"{_q(no_eps)} {self._match(sp, ip, sp.port)} "
                                             f"-j {target}")
        if sp.node_port:
            if cat.has_any:
                r.nat_nodeports.append(f"-A {n.nodeports} -m comment --comment {_q(name)} "
                                       f"{self._match(sp, None, sp.node_port)} -j {ext_chain}")
            if not has_external:
                r.filter_external.append(
                    f"-A {n.external_services} -m comment --comment {_q(no_eps)} "
                    f"-m addrtype --dst-type LOCAL {self._match(sp, None, sp.node_port)} "
                    f"-j {target}")

    def _write_ext_chain(self, sp: ServicePort, ext_chain: str, svc_chain: str,
                         svl_chain: str, has_external: bool) -> None:
        rules, name, masq = self._chain(ext_chain), sp.name_string, self.n.mark_masq
        if not sp.external_local:
            # the endpoint may be on another node: masquerade so replies come back here
            rules.append(f"-A {ext_chain} -m comment --comment "
                         f"{_q(f'masquerade traffic for {name} external destinations')} "
                         f"-j {masq}")
        else:
            rules += [
                f"-A {ext_chain} -m comment --comment "
                f"{_q(f'pod traffic for {name} external destinations')} "
                f"-s {self.s.cluster_cidr} -j {svc_chain}",
                f"-A {ext_chain} -m comment --comment "
                f"{_q(f'masquerade LOCAL traffic for {name} external destinations')} "
                f"-m addrtype --src-type LOCAL -j {masq}",
                f"-A {ext_chain} -m comment --comment "
                f"{_q(f'route LOCAL traffic for {name} external destinations')} "
                f"-m addrtype --src-type LOCAL -j {svc_chain}",
            ]
        if has_external:
            rules.append(f"-A {ext_chain} -j {svl_chain if sp.external_local else svc_chain}")

    def _write_fw_chain(self, sp: ServicePort, ext_chain: str) -> None:
        name, fw_chain = sp.name_string, self.n.fw(sp.name_string, sp.protocol)
        rules = self._chain(fw_chain)
        prefix = f"-A {fw_chain} -m comment --comment {_q(f'{name} loadbalancer IP')}"
        rules += [f"{prefix} -s {cidr} -j {ext_chain}" for cidr in sp.lb_source_ranges]
        rules.append(f"-A {fw_chain} -m comment --comment "
                     f"{_q(f'other traffic to {name} will be dropped by {self.n.proxy_firewall}')}")
        for ip in sp.lb_ips:
            self.rules.filter_firewall.append(
                f"-A {self.n.proxy_firewall} -m comment --comment "
                f"{_q(f'{name} traffic not accepted by {fw_chain}')} "
                f"{self._match(sp, ip, sp.port)} -j DROP")

    def _write_balancing(self, sp: ServicePort, chain: str, endpoints: list[Endpoint]) -> None:
        rules, name = self._chain(chain), sp.name_string
        seps = [self.n.sep(name, sp.protocol, str(ep)) for ep in endpoints]
        if sp.affinity_timeout_s is not None:
            for ep, sep in zip(endpoints, seps):
                rules.append(f"-A {chain} {self._comment(f'{name} -> {ep}')}-m recent "
                             f"--name {sep} --rcheck --seconds {sp.affinity_timeout_s} "
                             f"--reap -j {sep}")
        count = len(endpoints)
        for i, (ep, sep) in enumerate(zip(endpoints, seps)):
            stat = (f"-m statistic --mode random --probability {probability(count - i)} "
                    if i < count - 1 else "")
            rules.append(f"-A {chain} {self._comment(f'{name} -> {ep}')}{stat}-j {sep}")

    def _write_endpoint(self, sp: ServicePort, ep: Endpoint) -> None:
        sep = self.n.sep(sp.name_string, sp.protocol, str(ep))
        head = f"-A {sep} {self._comment(sp.name_string)}"
        recent = f"-m recent --name {sep} --set " if sp.affinity_timeout_s is not None else ""
        self._chain(sep).extend([
            # hairpin: a pod reaching itself through the Service must be masqueraded
            f"{head}-s {ep.ip} -j {self.n.mark_masq}",
            f"{head}{recent}-m {sp.protocol} -p {sp.protocol} -j DNAT --to-destination {ep}",
        ])
