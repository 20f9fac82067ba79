"""The routing decision: from Ingress objects to a table, and from (host, path) to a backend.

Pure functions on plain dicts, following the Ingress spec (networking.k8s.io/v1) and, where the
spec leaves room, ingress-nginx:

- Hosts: an exact host beats a wildcard; `*.foo.com` matches exactly one extra label
  (`bar.foo.com`, not `foo.com` nor `baz.bar.foo.com`). Rules without a host serve requests
  whose host matches no rule.
- Paths: `Exact` compares the whole path; `Prefix` compares `/`-separated elements (`/foo`
  matches `/foo`, `/foo/` and `/foo/bar`, never `/foobar`; a trailing slash in the rule is
  ignored); `ImplementationSpecific` is a plain string prefix, as an nginx `location`. The
  longest matching path wins, `Exact` before a prefix of the same length, then the oldest
  Ingress.
- Nothing matched: the `defaultBackend` of the Ingress that owns the host, else the oldest
  Ingress's `defaultBackend`, else the controller's 404.
- ingress-nginx annotations: `rewrite-target` (paths become case-insensitive regexes anchored
  at the start, the URI is replaced by the target with `$1`.. captures), `use-regex`, and
  `ssl-redirect`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
NGINX = "nginx.ingress.kubernetes.io/"
EXACT, PREFIX, IMPL = "Exact", "Prefix", "ImplementationSpecific"


@dataclass(frozen=True)
class Backend:
    namespace: str
    service: str | None              # None: a resource backend, which we cannot serve
    port: int | str | None           # a port number or a port name of the Service
    ingress: str                     # "ns/name" of the Ingress it came from

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.service}:{self.port}"


@dataclass(frozen=True)
class PathRule:
    path: str
    path_type: str
    backend: Backend
    order: tuple                     # (creationTimestamp, ns/name): older Ingresses first
    regex: re.Pattern | None = None
    rewrite_target: str | None = None

    def matches(self, path: str) -> re.Match | bool:
        if self.path_type == EXACT:
            return path == self.path
        if self.regex is not None:
            return self.regex.match(path) or False
        if self.path_type == PREFIX:
            return prefix_match(self.path, path)
        return path.startswith(self.path)


@dataclass(frozen=True)
class Route:
    backend: Backend
    rule: PathRule | None            # None for a default backend
    upstream_path: str               # the request target to send (rewritten or as received)


@dataclass
class RouteTable:
    hosts: dict[str, list[PathRule]] = field(default_factory=dict)
    wildcards: dict[str, list[PathRule]] = field(default_factory=dict)   # ".foo.com" -> rules
    hostless: list[PathRule] = field(default_factory=list)
    host_defaults: dict[str, Backend] = field(default_factory=dict)
    default: Backend | None = None
    tls: dict[str, tuple[str, str]] = field(default_factory=dict)    # host -> (ns, secret)
    no_redirect: set[str] = field(default_factory=set)               # hosts with ssl-redirect off

    def match(self, host: str, target: str) -> Route | None:
        """The route for a request; `target` is the request-target (path and query)."""
        host = normalize_host(host)
        path, sep, query = target.partition("?")
        rules, owner = self._host_rules(host)
        best = _best(rules, path) if rules is not None else _best(self.hostless, path)
        if best is not None:
            rule, match = best
            return Route(rule.backend, rule, _rewrite(rule, match, path, sep + query, target))
        fallback = self.host_defaults.get(owner) if owner is not None else None
        fallback = fallback or self.default
        return Route(fallback, None, target) if fallback else None

    def _host_rules(self, host: str) -> tuple[list[PathRule] | None, str | None]:
        if host in self.hosts:
            return self.hosts[host], host
        suffix = host[host.find("."):] if "." in host else None
        if suffix and suffix in self.wildcards:
            return self.wildcards[suffix], "*" + suffix
        return None, None

    def tls_secret(self, host: str) -> tuple[str, str] | None:
        host = normalize_host(host)
        if host in self.tls:
            return self.tls[host]
        return self.tls.get("*" + host[host.find("."):]) if "." in host else None

    def redirects_to_https(self, host: str) -> bool:
        host = normalize_host(host)
        return self.tls_secret(host) is not None and host not in self.no_redirect


def normalize_host(host: str) -> str:
    """Lower case, without the port (`Host: Foo.com:8080` -> `foo.com`); IPv6 kept in []."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[:host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def prefix_match(rule: str, path: str) -> bool:
    """The Ingress spec's element-wise prefix match."""
    rule_parts = [p for p in rule.split("/") if p]
    path_parts = [p for p in path.split("/") if p]
    return path_parts[:len(rule_parts)] == rule_parts


def _best(rules: list[PathRule], path: str) -> tuple[PathRule, Any] | None:
    found = [(r, m) for r in rules if (m := r.matches(path))]
    if not found:
        return None
    # longest path first, Exact before a prefix of equal length, then the oldest Ingress
    return min(found, key=lambda rm: (-len(rm[0].path.rstrip("/") or "/"),
                                      rm[0].path_type != EXACT, rm[0].order))


def _rewrite(rule: PathRule, match: Any, path: str, query: str, target: str) -> str:
    if rule.rewrite_target is None or not isinstance(match, re.Match):
        return target
    groups = match.groups()
    new = re.sub(r"\$(\d)", lambda m: (groups[int(m.group(1)) - 1] or "")
                 if 0 < int(m.group(1)) <= len(groups) else "", rule.rewrite_target)
    return (new or "/") + query


# --- building the table ---------------------------------------------------------------------------

def _backend(ns: str, ingress: str, spec: Obj | None) -> Backend | None:
    if not spec:
        return None
    service = spec.get("service")
    if not service:
        return Backend(ns, None, None, ingress)
    port = service.get("port") or {}
    return Backend(ns, service.get("name"), port.get("number") or port.get("name"), ingress)


def _order(ing: Obj) -> tuple:
    meta = ing.get("metadata") or {}
    return (meta.get("creationTimestamp") or "", f"{meta.get('namespace')}/{meta.get('name')}")


def _path_rules(ing: Obj, rule: Obj) -> list[PathRule]:
    meta = ing["metadata"]
    ns, key = meta.get("namespace", "default"), f"{meta.get('namespace')}/{meta['name']}"
    notes = meta.get("annotations") or {}
    rewrite = notes.get(NGINX + "rewrite-target")
    use_regex = rewrite is not None or notes.get(NGINX + "use-regex") == "true"
    out = []
    for entry in (rule.get("http") or {}).get("paths") or []:
        backend = _backend(ns, key, entry.get("backend"))
        if backend is None:
            continue
        path, path_type = entry.get("path") or "/", entry.get("pathType") or IMPL
        regex = None
        if use_regex and path_type != EXACT:
            try:
                regex = re.compile(path, re.IGNORECASE)
            except re.error:
                continue                    # ingress-nginx also drops an invalid location
        out.append(PathRule(path, path_type, backend, _order(ing), regex,
                            rewrite if regex is not None else None))
    return out


def build_table(ingresses: list[Obj]) -> RouteTable:
    """The routing table for the Ingresses this controller serves (already filtered by class)."""
    table = RouteTable()
    for ing in sorted(ingresses, key=_order):
        meta, spec = ing["metadata"], ing.get("spec") or {}
        key = f"{meta.get('namespace')}/{meta['name']}"
        default = _backend(meta.get("namespace", "default"), key, spec.get("defaultBackend"))
        if default is not None and table.default is None:
            table.default = default
        for rule in spec.get("rules") or []:
            host = (rule.get("host") or "").lower()
            rules = _path_rules(ing, rule)
            if not host:
                table.hostless += rules
                continue
            where = table.wildcards if host.startswith("*.") else table.hosts
            bucket = where.setdefault(host[1:] if host.startswith("*.") else host, [])
            bucket += rules
            if default is not None:
                table.host_defaults.setdefault(host, default)
        _add_tls(table, ing)
    return table


def _add_tls(table: RouteTable, ing: Obj) -> None:
    meta = ing["metadata"]
    redirect = (meta.get("annotations") or {}).get(NGINX + "ssl-redirect") != "false"
    for tls in (ing.get("spec") or {}).get("tls") or []:
        if not tls.get("secretName"):
            continue
        for host in tls.get("hosts") or []:
            table.tls.setdefault(host.lower(), (meta.get("namespace", "default"),
                                                tls["secretName"]))
            if not redirect:
                table.no_redirect.add(host.lower())
