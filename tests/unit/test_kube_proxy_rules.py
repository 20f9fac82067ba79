"""kube_proxy.rules.render: golden iptables-restore text, as upstream's iptables proxier writes it."""
from __future__ import annotations

import textwrap

import pytest

from kube_proxy.chains import ChainNames, port_proto_hash, probability
from kube_proxy.rules import RenderSettings, render

pytestmark = pytest.mark.unit

S = RenderSettings(cluster_cidr="10.244.0.0/16")


def svc(name, ports, ns="ns1", cluster_ip="10.96.0.41", type_="ClusterIP", status=None, **spec):
    return {"metadata": {"namespace": ns, "name": name},
            "spec": {"type": type_, "clusterIP": cluster_ip, "ports": ports, **spec},
            "status": status or {}}


def port(number, name="p80", protocol="TCP", node_port=None, target="http"):
    p = {"name": name, "port": number, "protocol": protocol, "targetPort": target}
    if node_port:
        p["nodePort"] = node_port
    return p


def eps(service, ports, endpoints, ns="ns1", name=None):
    return {"metadata": {"namespace": ns, "name": name or f"{service}-x",
                         "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "ports": ports, "endpoints": endpoints}


def ep(ip, node="node-1", ready=True, **cond):
    return {"addresses": [ip], "nodeName": node, "conditions": {"ready": ready, **cond}}


def eport(number, name="p80", protocol="TCP"):
    return {"name": name, "port": number, "protocol": protocol}


def nat_rules(ruleset, chain_prefix="-A "):
    text = ruleset.restore_text()
    nat = text[text.index("*nat"):]
    return [line for line in nat.splitlines() if line.startswith(chain_prefix)]


def filter_rules(ruleset):
    text = ruleset.restore_text()
    flt = text[:text.index("*nat")]
    return [line for line in flt.splitlines() if line.startswith("-A ")]


def lines(block: str) -> list[str]:
    return [line for line in textwrap.dedent(block).strip().splitlines()]


# --- names --------------------------------------------------------------------------------------

def test_chain_hashes_match_upstream():
    # values from upstream's pkg/proxy/iptables/proxier_test.go
    n = ChainNames()
    assert n.svc("ns1/svc1:p80", "tcp") == "KUBE-SVC-XPGD46QRK7WJZT7O"
    assert n.svc("ns2/svc2:p8080", "tcp") == "KUBE-SVC-2VJB64SDSIJUP5T6"
    assert n.sep("ns1/svc1:p80", "tcp", "10.180.0.1:80") == "KUBE-SEP-SXIVWICOYRO3J4NJ"
    assert n.sep("ns1/svc1:p80", "tcp", "10.180.2.1:80") == "KUBE-SEP-ZX7GRIZKSNUQ3LAJ"
    assert n.sep("ns2/svc2:p8080", "tcp", "10.0.2.1:8080") == "KUBE-SEP-UHEGFW77JX3KXTOV"
    assert len(port_proto_hash("a", "udp")) == 16


def test_probability_is_formatted_as_upstream():
    assert probability(2) == "0.5000000000"
    assert probability(3) == "0.3333333333"
    assert probability(7) == "0.1428571429"


def test_chain_prefix_applies_everywhere_and_is_bounded():
    s = RenderSettings(chain_prefix="TKT")
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="NodePort")],
                [eps("svc1", [eport(8080)], [ep("10.244.1.2")])], s)
    text = rs.restore_text()
    assert "KUBE-" not in text
    assert ":TKT-SVC-XPGD46QRK7WJZT7O - [0:0]" in text
    assert "-j TKT-MARK-MASQ" in text
    with pytest.raises(ValueError):
        ChainNames("TOO-LONG-PREFIX-X")


# --- ClusterIP ----------------------------------------------------------------------------------

def test_cluster_ip_with_two_endpoints_golden():
    rs = render([svc("svc1", [port(80)])],
                [eps("svc1", [eport(8080)], [ep("10.244.1.3"), ep("10.244.1.2")])], S)
    svc_chain = "KUBE-SVC-XPGD46QRK7WJZT7O"
    sep_a = ChainNames().sep("ns1/svc1:p80", "tcp", "10.244.1.2:8080")
    sep_b = ChainNames().sep("ns1/svc1:p80", "tcp", "10.244.1.3:8080")
    assert rs.services["ns1/svc1"].nat_services == [
        '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp '
        f'-d 10.96.0.41 --dport 80 -j {svc_chain}']
    assert rs.services["ns1/svc1"].chains == {
        svc_chain: [
            f'-A {svc_chain} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp '
            '-d 10.96.0.41 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
            f'-A {svc_chain} -m comment --comment "ns1/svc1:p80 -> 10.244.1.2:8080" '
            f'-m statistic --mode random --probability 0.5000000000 -j {sep_a}',
            f'-A {svc_chain} -m comment --comment "ns1/svc1:p80 -> 10.244.1.3:8080" -j {sep_b}',
        ],
        sep_a: [
            f"-A {sep_a} -m comment --comment ns1/svc1:p80 -s 10.244.1.2 -j KUBE-MARK-MASQ",
            f"-A {sep_a} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT "
            "--to-destination 10.244.1.2:8080",
        ],
        sep_b: [
            f"-A {sep_b} -m comment --comment ns1/svc1:p80 -s 10.244.1.3 -j KUBE-MARK-MASQ",
            f"-A {sep_b} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT "
            "--to-destination 10.244.1.3:8080",
        ],
    }
    assert filter_rules(rs) == lines('''
        -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    ''')


def test_three_endpoints_use_one_third_then_one_half():
    rs = render([svc("svc1", [port(80)])],
                [eps("svc1", [eport(80)], [ep("10.244.1.2"), ep("10.244.1.3"), ep("10.244.1.4")])],
                S)
    rules = rs.services["ns1/svc1"].chains["KUBE-SVC-XPGD46QRK7WJZT7O"]
    assert "--probability 0.3333333333" in rules[1]
    assert "--probability 0.5000000000" in rules[2]
    assert "statistic" not in rules[3]


def test_fixed_chains_golden():
    rs = render([], [], S)
    assert nat_rules(rs) == lines('''
        -A KUBE-POSTROUTING -m comment --comment "localhost traffic to pods" -s 127.0.0.0/8 -o tkpods0 -j MASQUERADE
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
    ''')


def test_hairpin_every_endpoint_masquerades_its_own_traffic():
    rs = render([svc("svc1", [port(80)])],
                [eps("svc1", [eport(80)], [ep("10.244.1.2"), ep("10.244.2.9")])], S)
    rules = nat_rules(rs)
    for ip in ("10.244.1.2", "10.244.2.9"):
        sep = ChainNames().sep("ns1/svc1:p80", "tcp", f"{ip}:80")
        assert f"-A {sep} -m comment --comment ns1/svc1:p80 -s {ip} -j KUBE-MARK-MASQ" in rules


def test_no_ready_endpoints_rejects_in_filter_table():
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="NodePort")],
                [eps("svc1", [eport(80)], [ep("10.244.1.2", ready=False)])], S)
    r = rs.services["ns1/svc1"]
    assert r.chains == {} and r.nat_services == [] and r.nat_nodeports == []
    assert r.filter_services == [
        '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp '
        '-d 10.96.0.41 --dport 80 -j REJECT']
    assert r.filter_external == [
        '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" '
        '-m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30001 -j REJECT']


def test_a_service_without_any_slice_rejects_udp_too():
    rs = render([svc("dns", [port(53, name="", protocol="UDP")])], [], S)
    assert rs.services["ns1/dns"].filter_services == [
        '-A KUBE-SERVICES -m comment --comment "ns1/dns has no endpoints" -m udp -p udp '
        '-d 10.96.0.41 --dport 53 -j REJECT']


def test_serving_terminating_endpoints_are_used_when_none_is_ready():
    slices = [eps("svc1", [eport(80)], [
        ep("10.244.1.2", ready=False, serving=True, terminating=True),
        ep("10.244.1.3", ready=False, serving=False, terminating=True)])]
    rules = nat_rules(render([svc("svc1", [port(80)])], slices, S))
    assert any("--to-destination 10.244.1.2:80" in r for r in rules)
    assert not any("10.244.1.3" in r for r in rules)


def test_headless_and_external_name_services_get_no_rules():
    rs = render([svc("headless", [port(80)], cluster_ip="None"),
                 svc("ext", [port(80)], cluster_ip="", type_="ExternalName",
                     externalName="example.com")],
                [eps("headless", [eport(80)], [ep("10.244.1.2")])], S)
    assert all(r == type(r)() for r in rs.services.values())


# --- ports --------------------------------------------------------------------------------------

def test_named_target_port_uses_the_number_from_the_slice():
    # Service port "http" -> targetPort "web"; the slice carries the resolved container port
    rs = render([svc("web", [port(80, name="http", target="web")])],
                [eps("web", [eport(8443, name="http")], [ep("10.244.1.2")])], S)
    assert any(r.endswith("-j DNAT --to-destination 10.244.1.2:8443") for r in nat_rules(rs))


def test_multiple_ports_get_their_own_chains():
    rs = render([svc("svc1", [port(80, name="http"), port(53, name="dns", protocol="UDP")])],
                [eps("svc1", [eport(8080, name="http"), eport(5353, name="dns", protocol="UDP")],
                     [ep("10.244.1.2")])], S)
    chains = rs.services["ns1/svc1"].chains
    n = ChainNames()
    assert set(chains) == {n.svc("ns1/svc1:http", "tcp"), n.svc("ns1/svc1:dns", "udp"),
                           n.sep("ns1/svc1:http", "tcp", "10.244.1.2:8080"),
                           n.sep("ns1/svc1:dns", "udp", "10.244.1.2:5353")}
    services = rs.services["ns1/svc1"].nat_services
    assert any("-m tcp -p tcp -d 10.96.0.41 --dport 80 " in r for r in services)
    assert any("-m udp -p udp -d 10.96.0.41 --dport 53 " in r for r in services)
    dnat = [r for r in nat_rules(rs) if "DNAT" in r]
    assert any("-m udp -p udp -j DNAT --to-destination 10.244.1.2:5353" in r for r in dnat)


def test_sctp_is_rendered():
    rs = render([svc("s", [port(9, name="", protocol="SCTP")])],
                [eps("s", [eport(9, name="", protocol="SCTP")], [ep("10.244.1.2")])], S)
    assert any("-m sctp -p sctp -d 10.96.0.41 --dport 9" in r for r in nat_rules(rs))


def test_slice_port_of_another_protocol_does_not_match():
    rs = render([svc("svc1", [port(80)])],
                [eps("svc1", [eport(80, protocol="UDP")], [ep("10.244.1.2")])], S)
    assert rs.services["ns1/svc1"].filter_services      # no TCP endpoints: REJECT


# --- session affinity ---------------------------------------------------------------------------

def test_client_ip_affinity_golden():
    rs = render([svc("svc1", [port(80)], sessionAffinity="ClientIP",
                     sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})],
                [eps("svc1", [eport(80)], [ep("10.244.1.2"), ep("10.244.1.3")])], S)
    n = ChainNames()
    a = n.sep("ns1/svc1:p80", "tcp", "10.244.1.2:80")
    b = n.sep("ns1/svc1:p80", "tcp", "10.244.1.3:80")
    chain = "KUBE-SVC-XPGD46QRK7WJZT7O"
    assert rs.services["ns1/svc1"].chains[chain][1:] == [
        f'-A {chain} -m comment --comment "ns1/svc1:p80 -> 10.244.1.2:80" -m recent --name {a} '
        f'--rcheck --seconds 60 --reap -j {a}',
        f'-A {chain} -m comment --comment "ns1/svc1:p80 -> 10.244.1.3:80" -m recent --name {b} '
        f'--rcheck --seconds 60 --reap -j {b}',
        f'-A {chain} -m comment --comment "ns1/svc1:p80 -> 10.244.1.2:80" '
        f'-m statistic --mode random --probability 0.5000000000 -j {a}',
        f'-A {chain} -m comment --comment "ns1/svc1:p80 -> 10.244.1.3:80" -j {b}',
    ]
    assert rs.services["ns1/svc1"].chains[a][1] == (
        f"-A {a} -m comment --comment ns1/svc1:p80 -m recent --name {a} --set "
        "-m tcp -p tcp -j DNAT --to-destination 10.244.1.2:80")


def test_client_ip_affinity_default_timeout_is_three_hours():
    rs = render([svc("svc1", [port(80)], sessionAffinity="ClientIP")],
                [eps("svc1", [eport(80)], [ep("10.244.1.2")])], S)
    assert any("--rcheck --seconds 10800 --reap" in r for r in nat_rules(rs))


# --- NodePort, LoadBalancer, externalTrafficPolicy ----------------------------------------------

def test_node_port_golden():
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="NodePort")],
                [eps("svc1", [eport(80)], [ep("10.244.1.2")])], S)
    ext, chain = "KUBE-EXT-XPGD46QRK7WJZT7O", "KUBE-SVC-XPGD46QRK7WJZT7O"
    r = rs.services["ns1/svc1"]
    assert r.nat_nodeports == [
        f"-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 30001 -j {ext}"]
    assert r.chains[ext] == [
        f'-A {ext} -m comment --comment "masquerade traffic for ns1/svc1:p80 external '
        f'destinations" -j KUBE-MARK-MASQ',
        f"-A {ext} -j {chain}"]
    # the jump to KUBE-NODEPORTS comes after every service rule
    services = [line for line in nat_rules(rs) if line.startswith("-A KUBE-SERVICES")]
    assert services[-1].endswith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")


def test_external_traffic_policy_local_golden():
    s = RenderSettings(cluster_cidr="10.244.0.0/16", local_nodes=frozenset({"node-1"}))
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="NodePort",
                     externalTrafficPolicy="Local")],
                [eps("svc1", [eport(80)], [ep("10.244.1.2", node="node-1"),
                                           ep("10.244.2.2", node="node-2")])], s)
    n = ChainNames()
    ext, svc_chain, svl = (f"KUBE-{k}-XPGD46QRK7WJZT7O" for k in ("EXT", "SVC", "SVL"))
    local_sep = n.sep("ns1/svc1:p80", "tcp", "10.244.1.2:80")
    chains = rs.services["ns1/svc1"].chains
    assert chains[ext] == [
        f'-A {ext} -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" '
        f'-s 10.244.0.0/16 -j {svc_chain}',
        f'-A {ext} -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external '
        f'destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
        f'-A {ext} -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external '
        f'destinations" -m addrtype --src-type LOCAL -j {svc_chain}',
        f"-A {ext} -j {svl}"]
    assert chains[svl] == [
        f'-A {svl} -m comment --comment "ns1/svc1:p80 -> 10.244.1.2:80" -j {local_sep}']
    assert len([c for c in chains[svc_chain] if "KUBE-SEP-" in c]) == 2   # cluster: both


def test_external_traffic_policy_local_without_local_endpoints_drops_external_traffic():
    s = RenderSettings(cluster_cidr="10.244.0.0/16", local_nodes=frozenset({"node-1"}))
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="NodePort",
                     externalTrafficPolicy="Local")],
                [eps("svc1", [eport(80)], [ep("10.244.2.2", node="node-2")])], s)
    r = rs.services["ns1/svc1"]
    ext = "KUBE-EXT-XPGD46QRK7WJZT7O"
    assert r.filter_external == [
        '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" '
        '-m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30001 -j DROP']
    assert not any(rule == f"-A {ext} -j KUBE-SVL-XPGD46QRK7WJZT7O" for rule in r.chains[ext])
    assert r.nat_services and not r.filter_services          # cluster IP still works


def test_all_nodes_are_local_when_no_local_nodes_are_given():
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="NodePort",
                     externalTrafficPolicy="Local")],
                [eps("svc1", [eport(80)], [ep("10.244.2.2", node="node-2")])], S)
    assert "KUBE-SVL-XPGD46QRK7WJZT7O" in rs.services["ns1/svc1"].chains


def test_internal_traffic_policy_local_without_local_endpoints_drops_cluster_ip():
    s = RenderSettings(local_nodes=frozenset({"node-1"}))
    rs = render([svc("svc1", [port(80)], internalTrafficPolicy="Local")],
                [eps("svc1", [eport(80)], [ep("10.244.2.2", node="node-2")])], s)
    assert rs.services["ns1/svc1"].filter_services == [
        '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" '
        '-m tcp -p tcp -d 10.96.0.41 --dport 80 -j DROP']


def lb_status(*ips, mode="VIP"):
    return {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": mode} for ip in ips]}}


def test_load_balancer_ip_golden():
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="LoadBalancer",
                     status=lb_status("127.0.100.1"))],
                [eps("svc1", [eport(80)], [ep("10.244.1.2")])], S)
    ext = "KUBE-EXT-XPGD46QRK7WJZT7O"
    assert rs.services["ns1/svc1"].nat_services[1] == (
        '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp '
        f'-d 127.0.100.1 --dport 80 -j {ext}')
    assert rs.services["ns1/svc1"].nat_nodeports                      # NodePort too


def test_load_balancer_without_endpoints_rejects_its_ip():
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="LoadBalancer",
                     status=lb_status("127.0.100.1"))], [], S)
    assert ('-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" '
            '-m tcp -p tcp -d 127.0.100.1 --dport 80 -j REJECT'
            ) in rs.services["ns1/svc1"].filter_external


def test_proxy_mode_ingress_and_non_lb_status_are_ignored():
    rs = render([svc("a", [port(80)], type_="LoadBalancer", status=lb_status("1.2.3.4",
                                                                             mode="Proxy")),
                 svc("b", [port(80)], cluster_ip="10.96.0.42", status=lb_status("1.2.3.5"))],
                [eps("a", [eport(80)], [ep("10.244.1.2")]),
                 eps("b", [eport(80)], [ep("10.244.1.3")])], S)
    text = rs.restore_text()
    assert "1.2.3.4" not in text and "1.2.3.5" not in text


def test_load_balancer_source_ranges_use_a_firewall_chain():
    rs = render([svc("svc1", [port(80, node_port=30001)], type_="LoadBalancer",
                     status=lb_status("127.0.100.1"),
                     loadBalancerSourceRanges=["192.168.0.0/24"])],
                [eps("svc1", [eport(80)], [ep("10.244.1.2")])], S)
    r = rs.services["ns1/svc1"]
    fw = "KUBE-FW-XPGD46QRK7WJZT7O"
    assert r.nat_services[1].endswith(f"-d 127.0.100.1 --dport 80 -j {fw}")
    assert r.chains[fw][0] == (f'-A {fw} -m comment --comment "ns1/svc1:p80 loadbalancer IP" '
                               "-s 192.168.0.0/24 -j KUBE-EXT-XPGD46QRK7WJZT7O")
    assert r.filter_firewall[0].startswith("-A KUBE-PROXY-FIREWALL ")
    assert r.filter_firewall[0].endswith("-d 127.0.100.1 --dport 80 -j DROP")


def test_external_ips_jump_to_the_external_chain():
    rs = render([svc("svc1", [port(80)], externalIPs=["192.0.2.10"])],
                [eps("svc1", [eport(80)], [ep("10.244.1.2")])], S)
    assert any(r.endswith("-d 192.0.2.10 --dport 80 -j KUBE-EXT-XPGD46QRK7WJZT7O")
               for r in rs.services["ns1/svc1"].nat_services)


def test_localhost_nodeports_off_excludes_loopback():
    rs = render([], [], RenderSettings(localhost_nodeports=False))
    assert nat_rules(rs)[-1].endswith(
        "-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS")
    assert not any("KUBE-FIREWALL" in r for r in filter_rules(rs))


def test_large_clusters_drop_per_endpoint_comments():
    s = RenderSettings(large_cluster_endpoints=2)
    rs = render([svc("svc1", [port(80)])],
                [eps("svc1", [eport(80)], [ep(f"10.244.1.{i}") for i in range(2, 5)])], s)
    assert rs.large_cluster
    sep_rules = [r for r in nat_rules(rs) if r.startswith("-A KUBE-SEP-")]
    assert sep_rules and not any("comment" in r for r in sep_rules)


def test_duplicate_endpoints_across_slices_are_used_once():
    rs = render([svc("svc1", [port(80)])],
                [eps("svc1", [eport(80)], [ep("10.244.1.2")], name="a"),
                 eps("svc1", [eport(80)], [ep("10.244.1.2"), ep("10.244.1.3")], name="b")], S)
    assert len([r for r in nat_rules(rs) if "DNAT" in r]) == 2
