"""Which UDP conntrack entries a sync leaves stale, as upstream's conntrack cleanup.

UDP has no connection end, so a flow keeps its conntrack entry (and with it the DNAT chosen
by its first packet) until the entry times out. Two cases need the entries deleted:
- an endpoint went away: flows DNATed to it would keep going to a dead address;
- a destination went from no endpoints to some: packets of flows that began while it had none
  were never DNATed, and conntrack would keep them that way.
`stale_udp_flows()` is pure; the commands run in iptables.py (`conntrack -D`).
"""
from __future__ import annotations

from kube_proxy.ruleset import RuleSet


def _udp(rules: RuleSet | None) -> dict[tuple[str, int], tuple[str, ...]]:
    if rules is None:
        return {}
    return {dest: eps for r in rules.services.values() for dest, eps in r.udp.items()}


def stale_udp_flows(old: RuleSet | None, new: RuleSet) -> list[list[str]]:
    """`conntrack` arguments (after `conntrack -D -p udp`) for each stale group of flows."""
    before, after = _udp(old), _udp(new)
    filters: list[list[str]] = []
    for (ip, port), old_eps in sorted(before.items()):
        dest = (["--orig-dst", ip] if ip else []) + ["--orig-port-dst", str(port)]
        gone = sorted(set(old_eps) - set(after.get((ip, port), ())))
        filters += [[*dest, "--dst-nat", ep.rsplit(":", 1)[0]] for ep in gone]
    for (ip, port), new_eps in sorted(after.items()):
        if new_eps and not before.get((ip, port)) and old is not None:
            filters.append((["--orig-dst", ip] if ip else []) + ["--orig-port-dst", str(port)])
    return filters
