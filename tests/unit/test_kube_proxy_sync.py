"""Partial syncs: render() reuse, diff() and the restore text of a partial sync."""
from __future__ import annotations

import pytest

from kube_proxy.rules import RenderSettings, render
from kube_proxy.ruleset import diff

pytestmark = pytest.mark.unit

S = RenderSettings()


def svc(name, ip, nodeport=None):
    spec = {"type": "NodePort" if nodeport else "ClusterIP", "clusterIP": ip,
            "ports": [{"name": "http", "port": 80, "protocol": "TCP",
                       **({"nodePort": nodeport} if nodeport else {})}]}
    return {"metadata": {"namespace": "default", "name": name}, "spec": spec}


def eps(name, *ips):
    return {"metadata": {"namespace": "default", "name": f"{name}-1",
                         "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips]}


def world(n=3):
    services = [svc(f"s{i}", f"10.96.0.{10 + i}") for i in range(n)]
    slices = [eps(f"s{i}", f"10.244.1.{10 + i}", f"10.244.2.{10 + i}") for i in range(n)]
    return services, slices


def chain_lines(text):
    return [line for line in text.splitlines() if line.startswith(":")]


def test_unchanged_services_are_reused_not_re_rendered():
    services, slices = world()
    first = render(services, slices, S)
    slices[1] = eps("s1", "10.244.1.11")                   # one endpoint gone
    second = render(services, slices, S, previous=first, changed={"default/s1"})
    assert second.services["default/s0"] is first.services["default/s0"]
    assert second.services["default/s1"] is not first.services["default/s1"]
    assert second.services == render(services, slices, S).services   # same as a full render


def test_diff_of_identical_rule_sets_changes_nothing():
    services, slices = world()
    plan = diff(render(services, slices, S), render(services, slices, S))
    assert plan.changed == frozenset() and plan.stale_chains == frozenset()
    assert not plan.full


def test_partial_sync_writes_only_the_changed_service_and_deletes_its_stale_chain():
    services, slices = world()
    old = render(services, slices, S)
    slices[1] = eps("s1", "10.244.1.11")
    new = render(services, slices, S, previous=old, changed={"default/s1"})
    plan = diff(old, new)
    assert plan.changed == {"default/s1"}
    assert len(plan.stale_chains) == 1 and next(iter(plan.stale_chains)).startswith("KUBE-SEP-")
    text = new.restore_text(plan.changed, plan.stale_chains)
    stale = next(iter(plan.stale_chains))
    assert f":{stale} - [0:0]" in text and f"-X {stale}" in text
    # the top-level chains are always written in full: every service's cluster IP rule is there
    for i in range(3):
        assert f"-d 10.96.0.{10 + i} --dport 80" in text
    # only the changed service's own chains are declared (flushed) and filled
    s0_chains = set(old.services["default/s0"].chains)
    assert not any(c in text for c in s0_chains if c.startswith(("KUBE-SVC-", "KUBE-SEP-"))
                   and f":{c} " in text)
    assert set(new.services["default/s1"].chains) <= {c[1:].split()[0] for c in chain_lines(text)}


def test_partial_restore_text_is_much_smaller_than_full():
    services, slices = world(50)
    old = render(services, slices, S)
    slices[7] = eps("s7", "10.244.9.9")
    new = render(services, slices, S, previous=old, changed={"default/s7"})
    plan = diff(old, new)
    assert len(new.restore_text(plan.changed, plan.stale_chains)) < len(new.restore_text()) / 3


def test_deleted_service_leaves_only_stale_chains_to_delete():
    services, slices = world()
    old = render(services, slices, S)
    new = render(services[:2], slices[:2], S, previous=old, changed={"default/s2"})
    plan = diff(old, new)
    assert plan.changed == frozenset()
    assert plan.stale_chains == frozenset(old.services["default/s2"].chains)
    text = new.restore_text(plan.changed, plan.stale_chains)
    assert "10.96.0.12" not in text
    assert all(f"-X {c}" in text for c in plan.stale_chains)


def test_switching_to_large_cluster_mode_forces_a_full_write():
    services, slices = world()
    old = render(services, slices, S)
    big = RenderSettings(large_cluster_endpoints=1)
    new = render(services, slices, big, previous=old, changed=set())
    assert new.large_cluster and diff(old, new).full
    assert new.services["default/s0"] is not old.services["default/s0"]


def test_first_sync_is_full():
    services, slices = world()
    assert diff(None, render(services, slices, S)).full


def test_restore_text_places_hooks_after_chain_declarations():
    rs = render([], [], S)
    text = rs.restore_text(nat_hooks=["-I PREROUTING 1 -j KUBE-SERVICES"],
                           filter_hooks=["-I INPUT 1 -j KUBE-FIREWALL"])
    lines = text.splitlines()
    assert lines.index("-I INPUT 1 -j KUBE-FIREWALL") > lines.index(":KUBE-FIREWALL - [0:0]")
    assert lines.index("-I PREROUTING 1 -j KUBE-SERVICES") > lines.index(":KUBE-MARK-MASQ - [0:0]")
    assert text.count("COMMIT") == 2 and text.endswith("COMMIT\n")


def test_rule_count_counts_both_tables():
    services, slices = world(2)
    counts = render(services, slices, S).rule_count()
    # per service: 1 KUBE-SERVICES + 3 SVC (masq + 2 endpoints) + 2 SEPs x 2
    assert counts["nat"] == 6 + 2 * 8
    assert counts["filter"] == 4


def test_large_syncs_are_cut_into_consistent_batches():
    services, slices = world(20)
    old = render(services, slices, S)
    new = render(services[:15], slices[:15], S)
    stale = old.service_chains() - new.service_chains()
    batches = new.restore_batches(None, stale, max_lines=40)
    assert len(batches) > 4
    assert all(b.startswith("*nat\n") or b.startswith("*filter\n") for b in batches)
    declared = [[line[1:].split()[0] for line in b.splitlines() if line.startswith(":")]
                for b in batches]
    kinds = [{c.split("-")[1] for c in chains if c != "KUBE-MARK-MASQ"} for chains in declared]
    first_svc = next(i for i, k in enumerate(kinds) if "SVC" in k)
    assert all(k == {"SEP"} for k in kinds[:first_svc])          # leaves first
    top = next(i for i, b in enumerate(batches) if ":KUBE-SERVICES - [0:0]" in b)
    assert all("-X " not in b for b in batches[:top + 1])         # deletions come last
    assert all(f"-X {c}" in "".join(batches[top + 1:]) for c in stale)
    for b in batches[:top]:                                      # each chain batch is small
        assert len([x for x in b.splitlines() if x.startswith(("-A", ":"))]) <= 40 + 2
    # every rule of the single text is in exactly one batch (the mark rule is repeated)
    single = [x for x in new.restore_text(None, stale).splitlines() if x.startswith("-A")]
    in_batches = [x for b in batches for x in b.splitlines()
                  if x.startswith("-A") and not x.startswith("-A KUBE-MARK-MASQ")]
    assert sorted(in_batches) == sorted(x for x in single
                                        if not x.startswith("-A KUBE-MARK-MASQ"))


def test_small_syncs_stay_one_restore():
    services, slices = world(3)
    rs = render(services, slices, S)
    assert rs.restore_batches() == [rs.restore_text()]


def udp_world(ips, node_port=None):
    port = {"name": "dns", "port": 53, "protocol": "UDP", **({"nodePort": node_port}
                                                            if node_port else {})}
    services = [{"metadata": {"namespace": "kube-system", "name": "dns"}, "spec": {
        "type": "NodePort" if node_port else "ClusterIP", "clusterIP": "10.96.0.10",
        "ports": [port]}}]
    slices = [{"metadata": {"namespace": "kube-system", "name": "dns-1",
                            "labels": {"kubernetes.io/service-name": "dns"}},
               "addressType": "IPv4", "ports": [{"name": "dns", "port": 5353, "protocol": "UDP"}],
               "endpoints": [{"addresses": [ip]} for ip in ips]}]
    return render(services, slices, S)


def test_udp_flows_to_a_removed_endpoint_are_stale():
    from kube_proxy.conntrack import stale_udp_flows
    old = udp_world(["10.244.1.2", "10.244.1.3"], node_port=30053)
    new = udp_world(["10.244.1.3"], node_port=30053)
    assert stale_udp_flows(old, new) == [
        ["--orig-port-dst", "30053", "--dst-nat", "10.244.1.2"],
        ["--orig-dst", "10.96.0.10", "--orig-port-dst", "53", "--dst-nat", "10.244.1.2"]]
    assert stale_udp_flows(new, new) == []


def test_udp_flows_of_a_service_that_gets_its_first_endpoint_are_stale():
    from kube_proxy.conntrack import stale_udp_flows
    assert stale_udp_flows(udp_world([]), udp_world(["10.244.1.2"])) == [
        ["--orig-dst", "10.96.0.10", "--orig-port-dst", "53"]]
    assert stale_udp_flows(None, udp_world(["10.244.1.2"])) == []


class KernelFake:
    """Stands in for Iptables: a nat table with the given chains; records restores."""

    def __init__(self, chains):
        from kube_proxy.chains import ChainNames
        from kube_proxy.iptables import Iptables, SavedTable
        self.names, self.restored = ChainNames(), []
        self._saved = SavedTable(chains=set(chains))
        self._real = Iptables(self.names)

    async def save_all(self):
        from kube_proxy.iptables import SavedTable
        return {"nat": self._saved, "filter": SavedTable()}

    def missing_hooks(self, nat, flt):
        return self._real.missing_hooks(nat, flt)

    async def restore(self, text):
        self.restored.append(text)


async def test_verifying_sync_rewrites_only_services_whose_chains_vanished():
    from kube_proxy.proxier import apply_rules
    services, slices = world(3)
    rules = render(services, slices, S)
    kernel_chains = rules.service_chains() | {"KUBE-SEP-LEFTOVER0000000"}
    lost = next(iter(rules.services["default/s2"].chains))
    kernel = KernelFake(kernel_chains - {lost})
    assert await apply_rules(kernel, rules, rules, verify=True) == 1
    (text,) = kernel.restored
    assert f":{lost} - [0:0]" in text                       # s2 rewritten
    assert not any(f":{c} " in text for c in rules.services["default/s0"].chains)
    assert "-X KUBE-SEP-LEFTOVER0000000" in text             # stale chain deleted
    assert "-I PREROUTING 1 " in text                        # hooks re-added


async def test_partial_sync_with_nothing_changed_runs_no_restore():
    from kube_proxy.proxier import apply_rules
    services, slices = world(2)
    rules = render(services, slices, S)
    kernel = KernelFake(rules.service_chains())
    assert await apply_rules(kernel, rules, rules) == 0 and kernel.restored == []
    assert await apply_rules(kernel, rules, None) is None and len(kernel.restored) == 1
