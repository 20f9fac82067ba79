"""The answer logic: a pure function from (question, cluster view) to DNS records.

It follows the Kubernetes DNS-based service discovery specification (kubernetes/dns,
docs/specification.md) as CoreDNS's kubernetes plugin implements it:

    <svc>.<ns>.svc.<zone>                 A/AAAA: the ClusterIP; headless: the ready endpoints
    _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV: per named port (headless: per endpoint)
    <hostname>.<svc>.<ns>.svc.<zone>      A/AAAA: the endpoint with that hostname (or dashed IP)
    <a-b-c-d>.<ns>.pod.<zone>             A: a pod IP (verified against the pods of <ns>)
    ExternalName Services                 CNAME to spec.externalName
    <reversed-ip>.in-addr.arpa            PTR for ClusterIPs and named endpoints

Names in the zone that do not exist get NXDOMAIN, names that exist without records of the
asked type get NODATA (NOERROR, no answers); both carry the zone's SOA in the authority
section, for negative caching. `resolve()` returns None for names the cluster does not own:
the server forwards those upstream.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from cluster_dns import wire
from cluster_dns.view import ClusterView, Endpoint, Obj, service_ips
from cluster_dns.wire import AAAA, CNAME, NS, NXDOMAIN, NOERROR, PTR, SOA, SRV, TXT, A, Record

SCHEMA_VERSION = "1.1.0"          # the spec's dns-version TXT record


@dataclass(frozen=True)
class Zone:
    domain: str = "cluster.local"
    ttl: int = 30
    serial: int = 1

    def soa(self) -> Record:
        d = self.domain
        return Record(d, SOA, self.ttl, wire.soa(f"ns.dns.{d}", f"hostmaster.{d}", self.serial,
                                                  7200, 1800, 86400, self.ttl))


@dataclass
class Answer:
    rcode: int = NOERROR
    answers: list[Record] = field(default_factory=list)
    authority: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)
    chase: str | None = None      # a CNAME target the server should resolve and append


def resolve(q: wire.Question, view: ClusterView, zone: Zone) -> Answer | None:
    name = q.name.rstrip(".").lower()
    domain = zone.domain.lower()
    if name.endswith((".in-addr.arpa", ".ip6.arpa")):
        return _reverse(q, name, view, zone)
    if name != domain and not name.endswith("." + domain):
        return None
    labels = name[:-len(domain)].rstrip(".").split(".") if name != domain else []
    labels.reverse()                           # from the zone outwards: svc, ns, name, ...
    found = _lookup(q, labels, view, zone)
    if found is None:
        return Answer(NXDOMAIN, authority=[zone.soa()])
    if not found.answers and found.chase is None:
        found.authority.append(zone.soa())     # NODATA
    return found


def _lookup(q: wire.Question, labels: list[str], view: ClusterView, zone: Zone) -> Answer | None:
    if not labels:
        return _apex(q, zone)
    if labels == ["dns-version"]:
        return _only(q, TXT, [Record(q.name, TXT, zone.ttl, [SCHEMA_VERSION])])
    kind, rest = labels[0], labels[1:]
    if kind == "svc":
        return _svc_names(q, rest, view, zone)
    if kind == "pod":
        return _pod(q, rest, view, zone)
    return None


def _apex(q: wire.Question, zone: Zone) -> Answer:
    if q.qtype == SOA:
        return Answer(answers=[zone.soa()])
    if q.qtype == NS:
        return Answer(answers=[Record(zone.domain, NS, zone.ttl, f"ns.dns.{zone.domain}")])
    return Answer()


def _only(q: wire.Question, rtype: int, records: list[Record]) -> Answer:
    return Answer(answers=records if q.qtype == rtype else [])


def _svc_names(q: wire.Question, labels: list[str], view: ClusterView,
               zone: Zone) -> Answer | None:
    if not labels:
        return Answer()                        # svc.<zone> exists (an empty non-terminal)
    ns = labels[0]
    if len(labels) == 1:
        return Answer() if view.namespace_has_services(ns) else None
    svc = view.service(ns, labels[1])
    if svc is None:
        return None
    if len(labels) == 2:
        return _service(q, svc, view, zone)
    if len(labels) == 3 and not labels[2].startswith("_"):
        return _endpoint_name(q, svc, labels[2], view, zone)
    if len(labels) == 4 and labels[2].startswith("_") and labels[3].startswith("_"):
        return _srv(q, svc, port=labels[3][1:], proto=labels[2][1:], view=view, zone=zone)
    return None


def _fqdn(svc: Obj, zone: Zone) -> str:
    meta = svc["metadata"]
    return f"{meta['name']}.{meta['namespace']}.svc.{zone.domain}"


def _is_headless(svc: Obj) -> bool:
    return (svc.get("spec") or {}).get("clusterIP") == "None"


def _serving(svc: Obj, view: ClusterView) -> list[Endpoint]:
    meta, spec = svc["metadata"], svc.get("spec") or {}
    endpoints = view.endpoints(meta["namespace"], meta["name"])
    if spec.get("publishNotReadyAddresses"):
        return endpoints
    return [ep for ep in endpoints if ep.ready]


def _address_records(q: wire.Question, ips: list[str], zone: Zone,
                     owner: str | None = None) -> list[Record]:
    """A records for the IPv4 addresses (AAAA for IPv6) that match the question's type."""
    out = []
    for ip in ips:
        rtype = A if ipaddress.ip_address(ip).version == 4 else AAAA
        if q.qtype in (rtype, wire.ANY):
            out.append(Record(owner or q.name, rtype, zone.ttl, ip))
    return out


def _service(q: wire.Question, svc: Obj, view: ClusterView, zone: Zone) -> Answer:
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        target = (spec.get("externalName") or "").rstrip(".")
        answer = Answer(answers=[Record(q.name, CNAME, zone.ttl, target)])
        answer.chase = target if q.qtype != CNAME else None
        return answer
    if q.qtype == SRV:
        return _srv(q, svc, port=None, proto=None, view=view, zone=zone)
    if _is_headless(svc):
        ips = [ep.address for ep in _serving(svc, view)]
    else:
        ips = service_ips(svc)
    return Answer(answers=_address_records(q, ips, zone))


def _endpoint_host(ep: Endpoint) -> str:
    """An endpoint's DNS label: its hostname, else its IP with dashes (as CoreDNS)."""
    return ep.hostname or ep.address.replace(".", "-").replace(":", "-")


def _endpoint_name(q: wire.Question, svc: Obj, label: str, view: ClusterView,
                   zone: Zone) -> Answer | None:
    if (svc.get("spec") or {}).get("type") == "ExternalName":
        return None
    matches = [ep.address for ep in _serving(svc, view) if _endpoint_host(ep).lower() == label]
    if not matches:
        return None
    return Answer(answers=_address_records(q, matches, zone))


def _srv(q: wire.Question, svc: Obj, port: str | None, proto: str | None, view: ClusterView,
         zone: Zone) -> Answer | None:
    """SRV records for the named ports matching `port`/`proto` (None: every named port)."""
    def wanted(name: str, protocol: str) -> bool:
        return bool(name) and (port is None or name.lower() == port) and \
            (proto is None or protocol.lower() == proto)

    targets: list[tuple[int, str, list[str]]] = []   # (port, target name, its addresses)
    if _is_headless(svc):
        for ep in _serving(svc, view):
            for name, number, protocol in ep.ports:
                if wanted(name, protocol):
                    targets.append((number, f"{_endpoint_host(ep)}.{_fqdn(svc, zone)}",
                                    [ep.address]))
    elif (svc.get("spec") or {}).get("type") != "ExternalName":
        for p in (svc.get("spec") or {}).get("ports") or []:
            if wanted(p.get("name") or "", p.get("protocol") or "TCP"):
                targets.append((p["port"], _fqdn(svc, zone), service_ips(svc)))
    if not targets and port is not None:
        return None                                    # no such port: the name does not exist
    weight = max(1, 100 // max(1, len(targets)))
    answer = Answer()
    extra: dict[str, list[str]] = {}
    for number, target, ips in targets:
        if q.qtype in (SRV, wire.ANY):
            answer.answers.append(Record(q.name, SRV, zone.ttl, wire.srv(0, weight, number,
                                                                          target)))
        extra[target] = ips
    glue = wire.Question(q.name, wire.ANY)
    for target, ips in extra.items():
        if answer.answers:
            answer.additional += _address_records(glue, ips, zone, owner=target)
    return answer


def _pod(q: wire.Question, labels: list[str], view: ClusterView, zone: Zone) -> Answer | None:
    if len(labels) != 2:
        return Answer() if not labels else None
    ns, dashed = labels
    ip = _undash(dashed)
    if ip is None or not view.pod_with_ip(ns, ip):
        return None
    return Answer(answers=_address_records(q, [ip], zone))


def _undash(label: str) -> str | None:
    for text in (label.replace("-", "."), label.replace("-", ":")):
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            continue
    return None


def _reverse(q: wire.Question, name: str, view: ClusterView, zone: Zone) -> Answer | None:
    """PTR records for ClusterIPs and endpoint IPs; other addresses are not ours."""
    try:
        ip = str(ipaddress.ip_address(_reverse_to_ip(name)))
    except ValueError:
        return None
    targets = [_fqdn(svc, zone) for svc in view.services_with_ip(ip)]
    for es in view.slices_with_address(ip):
        svc_name = (es["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
        for ep in es.get("endpoints") or []:
            if ip in (ep.get("addresses") or []) and svc_name:
                host = ep.get("hostname") or ip.replace(".", "-").replace(":", "-")
                targets.append(f"{host}.{svc_name}.{es['metadata']['namespace']}.svc."
                               f"{zone.domain}")
    if not targets:
        return None
    records = [Record(q.name, PTR, zone.ttl, t) for t in dict.fromkeys(targets)]
    return Answer(answers=records if q.qtype in (PTR, wire.ANY) else [],
                  authority=[] if q.qtype in (PTR, wire.ANY) else [zone.soa()])


def _reverse_to_ip(name: str) -> str:
    if name.endswith(".in-addr.arpa"):
        parts = name[:-len(".in-addr.arpa")].split(".")
        return ".".join(reversed(parts))
    nibbles = name[:-len(".ip6.arpa")].split(".")[::-1]
    if len(nibbles) != 32:
        raise ValueError("not a full IPv6 reverse name")
    text = "".join(nibbles)
    return ":".join(text[i:i + 4] for i in range(0, 32, 4))
