"""kube-proxy's rules on a REAL iptables, inside network namespaces made by the test.

render() + apply_rules() program the node namespace of a NetLab (see test_kube_proxy_netlab.py);
traffic then goes from that namespace (the machine's role) and from the pod namespaces to
ClusterIPs, NodePorts and load-balancer IPs, and must reach the echo servers in the pods.
"""
from __future__ import annotations

import collections

import pytest

from kube_proxy.chains import ChainNames
from kube_proxy.iptables import CommandError, Iptables
from kube_proxy.proxier import apply_rules
from kube_proxy.rules import RenderSettings, render
from tests.component.test_kube_proxy_netlab import NetLab, netns_exists, requires_netns

pytestmark = [pytest.mark.component, requires_netns]

SETTINGS = RenderSettings(cluster_cidr="10.244.0.0/16")
CLUSTER_IP, EMPTY_IP, UDP_IP, STICKY_IP = "10.96.0.10", "10.96.0.11", "10.96.0.12", "10.96.0.13"


def service(name, ip, ports, type_="ClusterIP", **spec):
    return {"metadata": {"namespace": "default", "name": name},
            "spec": {"type": type_, "clusterIP": ip, "ports": ports, **spec}, "status": {}}


def endpoint_slice(name, ports, ips):
    return {"metadata": {"namespace": "default", "name": f"{name}-abc",
                         "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "ports": ports,
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips]}


@pytest.fixture(scope="module")
def lab():
    lab = NetLab()
    try:
        lab.create()
        lab.add_pod("pod-a", "10.244.1.2")
        lab.add_pod("pod-b", "10.244.1.3")
        yield lab
    finally:
        lab.close()
    assert not netns_exists(lab.node)


@pytest.fixture(scope="module")
async def programmed(lab):
    """The lab's node namespace programmed with a handful of Services (one full sync)."""
    iptables = Iptables(ChainNames(), command_prefix=lab.prefix)
    await iptables.set_sysctl("net.ipv4.conf.all.route_localnet", "1")
    await iptables.set_sysctl("net.bridge.bridge-nf-call-iptables", "1")
    await iptables.ensure_route("10.96.0.0/16", "tkpods0")
    assert len(await iptables.enable_hairpin("tkpods0")) == 2       # both pods' ports
    assert await iptables.enable_hairpin("tkpods0") == []
    pods = ["10.244.1.2", "10.244.1.3"]
    services = [
        service("web", CLUSTER_IP, [{"name": "http", "port": 80, "protocol": "TCP",
                                     "targetPort": "web", "nodePort": 30080}], "NodePort"),
        service("empty", EMPTY_IP, [{"name": "http", "port": 80, "protocol": "TCP",
                                     "nodePort": 30081}], "NodePort"),
        service("dns", UDP_IP, [{"name": "dns", "port": 53, "protocol": "UDP"},
                                {"name": "tcp", "port": 5300, "protocol": "TCP"}]),
        service("sticky", STICKY_IP, [{"name": "http", "port": 80, "protocol": "TCP"}],
                sessionAffinity="ClientIP"),
    ]
    slices = [
        endpoint_slice("web", [{"name": "http", "port": 8080, "protocol": "TCP"}], pods),
        endpoint_slice("dns", [{"name": "dns", "port": 5353, "protocol": "UDP"},
                               {"name": "tcp", "port": 8080, "protocol": "TCP"}], pods),
        endpoint_slice("sticky", [{"name": "http", "port": 8080, "protocol": "TCP"}], pods),
    ]
    rules = render(services, slices, SETTINGS)
    await apply_rules(iptables, rules, None)
    return iptables, rules, services, slices


async def test_cluster_ip_reaches_both_endpoints_from_the_node(lab, programmed):
    counts = collections.Counter(lab.answers("tcp", CLUSTER_IP, 80, count=60))
    assert set(counts) == {"pod-a", "pod-b"}
    assert min(counts.values()) >= 10            # random 50/50: 10 of 60 is far in the tail


async def test_cluster_ip_from_a_pod_reaches_the_other_pod_and_itself(lab, programmed):
    answers = lab.client("tcp", CLUSTER_IP, 80, count=30, netns=lab.pods["pod-a"].netns)
    assert all(a is not None for a, _, _ in answers), answers
    names = {a.split()[0] for a, _, _ in answers}
    assert names == {"pod-a", "pod-b"}
    # hairpin: pod-a reaching itself through the Service sees the node's address, not its own
    hairpin_peers = {a.split()[1] for a, _, _ in answers if a.startswith("pod-a")}
    assert hairpin_peers == {"10.244.0.1"}


async def test_udp_and_a_second_port_of_the_same_service(lab, programmed):
    assert set(lab.answers("udp", UDP_IP, 53, count=30)) == {"pod-a", "pod-b"}
    assert set(lab.answers("tcp", UDP_IP, 5300, count=30)) == {"pod-a", "pod-b"}


async def test_service_without_endpoints_refuses_at_once(lab, programmed):
    (answer, error, seconds), = lab.client("tcp", EMPTY_IP, 80, timeout_s=5)
    assert answer is None and error == "ConnectionRefusedError"
    assert seconds < 1.0
    (answer, error, seconds), = lab.client("tcp", "127.0.0.1", 30081, timeout_s=5)
    assert error == "ConnectionRefusedError" and seconds < 1.0


async def test_node_port_on_the_node_loopback_and_bridge_address(lab, programmed):
    assert set(lab.answers("tcp", "127.0.0.1", 30080, count=30)) == {"pod-a", "pod-b"}
    assert set(lab.answers("tcp", "10.244.0.1", 30080, count=30)) == {"pod-a", "pod-b"}
    # from a pod, through the bridge's address
    names = {a.split()[0] for a, _, _ in lab.client(
        "tcp", "10.244.0.1", 30080, count=20, netns=lab.pods["pod-b"].netns) if a}
    assert names == {"pod-a", "pod-b"}


async def test_client_ip_affinity_sticks(lab, programmed):
    answers = lab.answers("tcp", STICKY_IP, 80, count=30)
    assert len(set(answers)) == 1


async def test_partial_sync_moves_traffic_and_keeps_other_services(lab, programmed):
    iptables, rules, services, slices = programmed
    only_b = list(slices)
    only_b[0] = endpoint_slice("web", [{"name": "http", "port": 8080, "protocol": "TCP"}],
                               ["10.244.1.3"])
    partial = render(services, only_b, SETTINGS, previous=rules, changed={"default/web"})
    written = await apply_rules(iptables, partial, rules)
    assert written == 1
    try:
        assert set(lab.answers("tcp", CLUSTER_IP, 80, count=20)) == {"pod-b"}
        assert set(lab.answers("udp", UDP_IP, 53, count=20)) == {"pod-a", "pod-b"}
        chains = lab.saved_chains()
        assert set(partial.service_chains()) <= set(chains)
        assert not set(rules.service_chains()) - set(partial.service_chains()) & set(chains)
    finally:
        await apply_rules(iptables, rules, partial)
    assert set(lab.answers("tcp", CLUSTER_IP, 80, count=40)) == {"pod-a", "pod-b"}


async def test_a_full_sync_in_many_small_restores_works(lab, programmed):
    iptables, rules, _, _ = programmed
    await apply_rules(iptables, rules, None, max_lines=12)
    assert set(lab.answers("tcp", CLUSTER_IP, 80, count=30)) == {"pod-a", "pod-b"}
    assert set(lab.answers("tcp", "127.0.0.1", 30080, count=10)) <= {"pod-a", "pod-b"}


async def test_a_second_full_sync_adds_no_duplicate_hooks(lab, programmed):
    iptables, rules, _, _ = programmed
    before = lab.node_exec("iptables-save")
    await apply_rules(iptables, rules, None)
    after = lab.node_exec("iptables-save")
    hooks = [line for line in after.splitlines()
             if line.startswith(("-A PREROUTING", "-A OUTPUT", "-A INPUT", "-A FORWARD",
                                 "-A POSTROUTING"))]
    assert len(hooks) == len(set(hooks)) == 14
    assert len(after.splitlines()) == len(before.splitlines())


async def test_commands_run_through_the_prefix():
    ipt = Iptables(ChainNames(), command_prefix=["env", "LC_ALL=C"])
    assert (await ipt._run("sh", "-c", "echo $LC_ALL")).strip() == "C"
    with pytest.raises(CommandError) as err:
        await ipt._run("false")
    assert err.value.argv[:2] == ["env", "LC_ALL=C"]


async def test_zz_cleanup_removes_every_chain(lab, programmed):
    iptables, *_ = programmed
    assert any(c.startswith("KUBE-") for c in lab.saved_chains())
    assert await iptables.cleanup() > 0
    saved = lab.node_exec("iptables-save")
    assert "KUBE-" not in saved
    assert await iptables.cleanup() == 0          # idempotent
