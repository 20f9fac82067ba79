"""networking.k8s.io: Ingresses (v1, and the v1beta1 shape) and IngressClasses."""
from __future__ import annotations

import ipaddress
import re

from .fielderr import immutable, invalid, not_supported, required, too_long
from .names import (validate_dns1035_label, validate_dns1123_subdomain, validate_port_name,
                    validate_port_num, validate_wildcard_dns1123_subdomain)
from .strategy import Strategy
from .typed import Errs, dicts, get_int, get_map, get_str, get_str_list, int_or_str, items, sub

PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")
_BAD_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_BAD_SUFFIXES = ("/..", "/.")
_CONTROLLER_PATH = re.compile(r"^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _validate_host(errs: Errs, host: str, path: str) -> None:
    if _is_ip(host):
        errs.append(invalid(path, host, "must be a DNS name, not an IP address"))
    check = validate_wildcard_dns1123_subdomain if "*" in host else validate_dns1123_subdomain
    errs.extend(invalid(path, host, m) for m in check(host))


class IngressStrategy(Strategy):
    has_generation = True
    reset_status_on_create = True

    def initial_status(self, obj: dict) -> dict:
        return {"loadBalancer": {}}

    @property
    def beta(self) -> bool:
        return self.info.version == "v1beta1"

    def default_object(self, obj: dict) -> None:
        if not self.beta:
            return
        for rule in dicts(sub(obj, "spec"), "rules"):
            for path in dicts(sub(rule, "http"), "paths"):
                if path.get("pathType") is None:
                    path["pathType"] = "ImplementationSpecific"

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        backend_key = "backend" if self.beta else "defaultBackend"
        rules = items(errs, spec, "rules", "spec.rules")
        if not rules and spec.get(backend_key) is None:
            errs.append(invalid("spec", spec.get("rules"),
                                f"either `{backend_key}` or `rules` must be specified"))
        if spec.get(backend_key) is not None:
            self._backend(errs, get_map(errs, spec, backend_key, f"spec.{backend_key}"),
                          f"spec.{backend_key}")
        for _, p, rule in rules:
            host = get_str(errs, rule, "host", f"{p}.host")
            if host:
                _validate_host(errs, host, f"{p}.host")
            if rule.get("http") is not None:
                self._http(errs, get_map(errs, rule, "http", f"{p}.http"), f"{p}.http")
        for _, p, tls in items(errs, spec, "tls", "spec.tls"):
            for j, host in enumerate(get_str_list(errs, tls, "hosts", f"{p}.hosts")):
                check = validate_wildcard_dns1123_subdomain if "*" in host \
                    else validate_dns1123_subdomain
                errs.extend(invalid(f"{p}.hosts[{j}]", host, m) for m in check(host))
        class_name = spec.get("ingressClassName")
        if class_name is not None:
            errs.extend(invalid("spec.ingressClassName", class_name, m)
                        for m in validate_dns1123_subdomain(str(class_name)))
        return errs

    def _http(self, errs: Errs, http: dict, path: str) -> None:
        paths = items(errs, http, "paths", f"{path}.paths")
        if not paths:
            errs.append(required(f"{path}.paths"))
        for _, p, entry in paths:
            _validate_path(errs, entry, p)
            self._backend(errs, get_map(errs, entry, "backend", f"{p}.backend"), f"{p}.backend")

    def _backend(self, errs: Errs, backend: dict, path: str) -> None:
        if self.beta:
            _validate_beta_backend(errs, backend, path)
        else:
            _validate_backend(errs, backend, path)


def _validate_path(errs: Errs, entry: dict, path: str) -> None:
    kind = entry.get("pathType")
    value = get_str(errs, entry, "path", f"{path}.path")
    if kind is None:
        errs.append(required(f"{path}.pathType", "pathType must be specified"))
        return
    if kind in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errs.append(invalid(f"{path}.path", value, "must be an absolute path"))
        for seq in _BAD_SEQUENCES:
            if seq in value:
                errs.append(invalid(f"{path}.path", value, f"must not contain '{seq}'"))
        for suffix in _BAD_SUFFIXES:
            if value.endswith(suffix):
                errs.append(invalid(f"{path}.path", value, f"cannot end with '{suffix}'"))
    elif kind == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errs.append(invalid(f"{path}.path", value, "must be an absolute path"))
    else:
        errs.append(not_supported(f"{path}.pathType", kind, PATH_TYPES))


def _validate_backend(errs: Errs, backend: dict, path: str) -> None:
    has_resource, has_service = backend.get("resource") is not None, \
        backend.get("service") is not None
    if has_resource and has_service:
        errs.append(invalid(path, "", "cannot set both resource and service backends"))
    elif has_resource:
        resource = get_map(errs, backend, "resource", f"{path}.resource")
        for key in ("kind", "name"):
            if not get_str(errs, resource, key, f"{path}.resource.{key}"):
                errs.append(required(f"{path}.resource.{key}"))
    elif has_service:
        service = get_map(errs, backend, "service", f"{path}.service")
        name = get_str(errs, service, "name", f"{path}.service.name")
        if not name:
            errs.append(required(f"{path}.service.name"))
        else:
            errs.extend(invalid(f"{path}.service.name", name, m)
                        for m in validate_dns1035_label(name))
        port = get_map(errs, service, "port", f"{path}.service.port")
        port_name = get_str(errs, port, "name", f"{path}.service.port.name")
        number = get_int(errs, port, "number", f"{path}.service.port.number") or 0
        if port_name and number:
            errs.append(invalid(f"{path}.service.port", "",
                                "cannot set both port name & port number"))
        elif port_name:
            errs.extend(invalid(f"{path}.service.port.name", port_name, m)
                        for m in validate_port_name(port_name))
        elif number:
            errs.extend(invalid(f"{path}.service.port.number", number, m)
                        for m in validate_port_num(number))
        else:
            errs.append(required(f"{path}.service.port", "port name or number is required"))
    else:
        errs.append(invalid(path, "", "resource or service backend is required"))


def _validate_beta_backend(errs: Errs, backend: dict, path: str) -> None:
    if backend.get("resource") is not None:
        return
    name = get_str(errs, backend, "serviceName", f"{path}.serviceName")
    if not name:
        errs.append(required(f"{path}.serviceName"))
    else:
        errs.extend(invalid(f"{path}.serviceName", name, m) for m in validate_dns1035_label(name))
    port = int_or_str(errs, backend, "servicePort", f"{path}.servicePort")
    if isinstance(port, str):
        errs.extend(invalid(f"{path}.servicePort", port, m) for m in validate_port_name(port))
    else:
        port = port or 0
        errs.extend(invalid(f"{path}.servicePort", port, m) for m in validate_port_num(port))


class IngressClassStrategy(Strategy):
    has_generation = True

    def validate_object(self, obj: dict, old: dict | None) -> Errs:
        errs: Errs = []
        spec = get_map(errs, obj, "spec", "spec")
        controller = get_str(errs, spec, "controller", "spec.controller")
        _validate_controller(errs, controller)
        params = get_map(errs, spec, "parameters", "spec.parameters")
        if params:
            for key in ("kind", "name"):
                if not get_str(errs, params, key, f"spec.parameters.{key}"):
                    errs.append(required(f"spec.parameters.{key}"))
            scope = params.get("scope")
            if scope is not None and scope not in ("Cluster", "Namespace"):
                errs.append(not_supported("spec.parameters.scope", scope, ("Cluster", "Namespace")))
        if old is not None and controller != (sub(old, "spec") or {}).get("controller", ""):
            errs.append(immutable("spec.controller", controller))
        return errs


def _validate_controller(errs: Errs, controller: str) -> None:
    path = "spec.controller"
    if len(controller) > 250:
        errs.append(too_long(path, 250))
    if not controller:
        errs.append(required(path))
        return
    host, _, rest = controller.partition("/")
    if not host or not rest:
        errs.append(invalid(path, controller,
                            "must be a domain-prefixed path (such as \"acme.io/foo\")"))
        return
    errs.extend(invalid(path, host, m) for m in validate_dns1123_subdomain(host))
    if not _CONTROLLER_PATH.match(rest):
        errs.append(invalid(path, rest, "Invalid path"))
