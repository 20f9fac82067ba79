"""Rows of Service, Endpoints, EndpointSlice, Ingress and IngressClass."""
from __future__ import annotations

from datetime import datetime

from apiserver.tables.columns import Printer, age_col, col, name_col
from apiserver.tables.duration import since
from apiserver.tables.fields import dicts, get, has, integer, opt_int, strings, text
from apiserver.tables.selectors import format_labels

_MAX_LISTED = 3


def _age(obj: dict, now: datetime) -> str:
    return since(get(obj, "metadata", "creationTimestamp"), now)


def _with_more(listed: list[str], more: bool, count: int, empty: str) -> str:
    joined = ",".join(listed)
    if more:
        return f"{joined} + {count - _MAX_LISTED} more..."
    return joined or empty


# --- Service --------------------------------------------------------------------------------

def _load_balancer_addresses(obj: dict) -> list[str]:
    """IPs (or hostnames) of status.loadBalancer.ingress, sorted and de-duplicated."""
    found = set()
    for entry in dicts(obj, "status", "loadBalancer", "ingress"):
        address = text(entry, "ip") or text(entry, "hostname")
        if address:
            found.add(address)
    return sorted(found)


def service_external_ip(obj: dict) -> str:
    svc_type = text(obj, "spec", "type")
    external = strings(obj, "spec", "externalIPs")
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        addresses = _load_balancer_addresses(obj)
        if external:
            return ",".join(addresses + external)
        return ",".join(addresses) if addresses else "<pending>"
    if svc_type == "ExternalName":
        return text(obj, "spec", "externalName")
    return "<unknown>"


def service_ports(obj: dict) -> str:
    pieces = []
    for port in dicts(obj, "spec", "ports"):
        number, protocol = integer(port, "port"), text(port, "protocol")
        node_port = integer(port, "nodePort")
        pieces.append(f"{number}:{node_port}/{protocol}" if node_port > 0
                      else f"{number}/{protocol}")
    return ",".join(pieces) or "<none>"


def _service_cells(obj: dict, now: datetime) -> list:
    # spec.clusterIP is authoritative over clusterIPs, as in upstream's v1 -> internal conversion.
    cluster_ip = text(obj, "spec", "clusterIP") or text(obj, "spec", "clusterIPs", 0) or "<none>"
    return [text(obj, "metadata", "name"), text(obj, "spec", "type"), cluster_ip,
            service_external_ip(obj), service_ports(obj), _age(obj, now),
            format_labels(get(obj, "spec", "selector"))]


SERVICE = Printer(
    (name_col(), col("Type", "type determines how the Service is exposed."),
     col("Cluster-IP", "clusterIP is the IP address of the service."),
     col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster "
                        "will also accept traffic for this service."),
     col("Port(s)", "The list of ports that are exposed by this service."),
     age_col(),
     col("Selector", "Route service traffic to pods with label keys and values matching this "
                     "selector.", priority=1)),
    _service_cells)


# --- Endpoints and EndpointSlice ------------------------------------------------------------

def _host_port(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(obj: dict) -> str:
    """`10.0.0.1:80,10.0.0.2:80 + 1 more...`: at most three, with the rest counted."""
    subsets = dicts(obj, "subsets")
    if not subsets:
        return "<none>"
    listed: list[str] = []
    count, more = 0, False
    for subset in subsets:
        addresses = [text(a, "ip") for a in dicts(subset, "addresses")]
        ports = dicts(subset, "ports")
        # A headless service may have no ports: list the bare addresses.
        targets = [addresses] if not ports else \
            [[_host_port(ip, integer(p, "port")) for ip in addresses] for p in ports]
        for group in targets:
            count += len(group)
            for target in group:
                if len(listed) == _MAX_LISTED:
                    more = True
                    break
                listed.append(target)
    joined = ",".join(listed)
    return f"{joined} + {count - _MAX_LISTED} more..." if more else joined


def _endpoints_cells(obj: dict, now: datetime) -> list:
    return [text(obj, "metadata", "name"), format_endpoints(obj), _age(obj, now)]


ENDPOINTS = Printer(
    (name_col(), col("Endpoints", "The set of all endpoints is the union of all subsets."),
     age_col()),
    _endpoints_cells)


def _slice_ports(obj: dict) -> str:
    listed, count = [], 0
    for port in dicts(obj, "ports"):
        if len(listed) < _MAX_LISTED:
            number = opt_int(port, "port")
            if number is not None:
                listed.append(str(number))
            elif isinstance(port.get("name"), str):
                listed.append(port["name"])
            else:
                listed.append("*")
        count += 1
    return _with_more(listed, count > _MAX_LISTED, count, "<unset>")


def _slice_endpoints(obj: dict) -> str:
    addresses = [a for ep in dicts(obj, "endpoints") for a in strings(ep, "addresses")]
    return _with_more(addresses[:_MAX_LISTED], len(addresses) > _MAX_LISTED, len(addresses),
                      "<unset>")


def _endpoint_slice_cells(obj: dict, now: datetime) -> list:
    return [text(obj, "metadata", "name"), text(obj, "addressType"), _slice_ports(obj),
            _slice_endpoints(obj), _age(obj, now)]


ENDPOINT_SLICE = Printer(
    (name_col(), col("AddressType", "addressType specifies the type of address carried by "
                                    "this EndpointSlice."),
     col("Ports", "ports specifies the list of network ports exposed by each endpoint in "
                  "this slice."),
     col("Endpoints", "endpoints is a list of unique endpoints in this slice."), age_col()),
    _endpoint_slice_cells)


# --- Ingress and IngressClass ---------------------------------------------------------------

def _ingress_hosts(obj: dict) -> str:
    rules = dicts(obj, "spec", "rules")
    listed: list[str] = []
    more = False
    for rule in rules:
        if len(listed) == _MAX_LISTED:
            more = True
        if not more and text(rule, "host"):
            listed.append(text(rule, "host"))
    if not listed:
        return "*"
    joined = ",".join(listed)
    return f"{joined} + {len(rules) - _MAX_LISTED} more..." if more else joined


def _ingress_cells(obj: dict, now: datetime) -> list:
    class_name = get(obj, "spec", "ingressClassName")
    return [text(obj, "metadata", "name"),
            class_name if isinstance(class_name, str) else "<none>",
            _ingress_hosts(obj), ",".join(_load_balancer_addresses(obj)),
            "80, 443" if dicts(obj, "spec", "tls") else "80", _age(obj, now)]


INGRESS = Printer(
    (name_col(),
     col("Class", "The name of the IngressClass resource that should be used for additional "
                  "configuration"),
     col("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
     col("Address", "Address is a list containing ingress points for the load-balancer"),
     col("Ports", "Ports of TLS configurations that open"), age_col()),
    _ingress_cells)


def _ingress_class_cells(obj: dict, now: datetime) -> list:
    parameters = "<none>"
    if has(obj, "spec", "parameters"):
        ref = get(obj, "spec", "parameters")
        parameters = text(ref, "kind")
        if isinstance(get(ref, "apiGroup"), str):
            parameters += "." + text(ref, "apiGroup")
        parameters += "/" + text(ref, "name")
    return [text(obj, "metadata", "name"), text(obj, "spec", "controller"), parameters,
            _age(obj, now)]


INGRESS_CLASS = Printer(
    (name_col(), col("Controller", "Controller that is responsible for handling this class"),
     col("Parameters", "A reference to a resource with additional parameters"), age_col()),
    _ingress_class_cells)
