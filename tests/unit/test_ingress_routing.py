"""Ingress routing: the spec's path-matching examples, host wildcards, precedence, defaults."""
from __future__ import annotations

import pytest

from ingress_controller.classes import our_classes, served
from ingress_controller.routing import build_table, normalize_host, prefix_match

pytestmark = pytest.mark.unit


def ingress(name, rules=(), default=None, ns="default", created="2024-01-01T00:00:00Z",
            annotations=None, tls=None, cls=None):
    spec = {"rules": [{"host": h, "http": {"paths": [
        {"path": p, "pathType": t, "backend": {"service": {"name": s, "port": {"number": 80}}}}
        for p, t, s in paths]}} if h is not None else {"http": {"paths": [
            {"path": p, "pathType": t, "backend": {"service": {"name": s,
                                                               "port": {"number": 80}}}}
            for p, t, s in paths]}} for h, paths in rules]}
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"name": "http"}}}
    if tls:
        spec["tls"] = tls
    if cls:
        spec["ingressClassName"] = cls
    return {"metadata": {"name": name, "namespace": ns, "creationTimestamp": created,
                         "annotations": annotations or {}}, "spec": spec}


def service_for(table, host, path):
    route = table.match(host, path)
    return None if route is None else route.backend.service


# The examples table of https://kubernetes.io/docs/concepts/services-networking/ingress/#examples
# (kind, rule paths, request path, matched path or None)
SPEC_EXAMPLES = [
    ("Prefix", ["/"], "/aaa/bbb", "/"),
    ("Exact", ["/foo"], "/foo", "/foo"),
    ("Exact", ["/foo"], "/bar", None),
    ("Exact", ["/foo"], "/foo/", None),
    ("Exact", ["/foo/"], "/foo", None),
    ("Prefix", ["/foo"], "/foo", "/foo"),
    ("Prefix", ["/foo"], "/foo/", "/foo"),
    ("Prefix", ["/foo/"], "/foo", "/foo/"),
    ("Prefix", ["/foo/"], "/foo/", "/foo/"),
    ("Prefix", ["/aaa/bb"], "/aaa/bbb", None),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb", "/aaa/bbb"),
    ("Prefix", ["/aaa/bbb/"], "/aaa/bbb", "/aaa/bbb/"),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb/", "/aaa/bbb"),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb/ccc", "/aaa/bbb"),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbbxyz", None),
    ("Prefix", ["/", "/aaa"], "/aaa/ccc", "/aaa"),
    ("Prefix", ["/", "/aaa", "/aaa/bbb"], "/aaa/bbb", "/aaa/bbb"),
    ("Prefix", ["/", "/aaa", "/aaa/bbb"], "/ccc", "/"),
    ("Prefix", ["/aaa"], "/ccc", None),
    ("Prefix", ["/foo"], "/foobar", None),
    ("Prefix", ["/foo"], "/foo/bar", "/foo"),
]


@pytest.mark.parametrize("kind,paths,request_path,expected", SPEC_EXAMPLES)
def test_spec_path_examples(kind, paths, request_path, expected):
    table = build_table([ingress("i", [("foo.com", [(p, kind, "svc" + p) for p in paths])])])
    assert service_for(table, "foo.com", request_path) == \
        (None if expected is None else "svc" + expected)


def test_exact_beats_prefix_of_same_path():
    table = build_table([ingress("i", [("foo.com", [("/foo", "Prefix", "prefix"),
                                                    ("/foo", "Exact", "exact")])])])
    assert service_for(table, "foo.com", "/foo") == "exact"
    assert service_for(table, "foo.com", "/foo/x") == "prefix"


def test_implementation_specific_is_a_string_prefix():
    table = build_table([ingress("i", [("foo.com", [("/foo", "ImplementationSpecific", "s")])])])
    assert service_for(table, "foo.com", "/foobar") == "s"
    assert service_for(table, "foo.com", "/fo") is None


def test_query_string_is_ignored_for_matching_and_kept_upstream():
    table = build_table([ingress("i", [("foo.com", [("/foo", "Exact", "s")])])])
    route = table.match("foo.com", "/foo?x=1")
    assert route.backend.service == "s" and route.upstream_path == "/foo?x=1"


@pytest.mark.parametrize("host,expected", [
    ("bar.foo.com", "wild"), ("BAR.foo.com:8080", "wild"), ("foo.com", "apex"),
    ("baz.bar.foo.com", "hostless"), ("exact.foo.com", "exact"), ("other.org", "hostless"),
])
def test_host_matching_exact_wildcard_and_hostless(host, expected):
    table = build_table([ingress("i", [("*.foo.com", [("/", "Prefix", "wild")]),
                                       ("foo.com", [("/", "Prefix", "apex")]),
                                       ("exact.foo.com", [("/", "Prefix", "exact")]),
                                       (None, [("/", "Prefix", "hostless")])])])
    assert service_for(table, host, "/x") == expected


def test_matched_host_without_matching_path_uses_its_ingress_default_backend():
    table = build_table([
        ingress("old", [("a.com", [("/api", "Prefix", "api")])], default="a-default",
                created="2024-01-01T00:00:00Z"),
        ingress("new", [("b.com", [("/x", "Prefix", "x")])], default="b-default",
                created="2024-02-01T00:00:00Z"),
        ingress("catch", [(None, [("/h", "Prefix", "hostless")])]),
    ])
    assert service_for(table, "a.com", "/other") == "a-default"
    assert service_for(table, "b.com", "/other") == "b-default"
    # the host matched a.com's rules: host-less rules do not apply there
    assert service_for(table, "a.com", "/h") == "a-default"
    assert service_for(table, "c.com", "/h") == "hostless"
    assert service_for(table, "c.com", "/zzz") == "a-default"       # the oldest default
    assert table.match("c.com", "/zzz").rule is None


def test_no_match_and_no_default_is_none():
    table = build_table([ingress("i", [("a.com", [("/a", "Prefix", "s")])])])
    assert table.match("a.com", "/b") is None and table.match("x.com", "/a") is None


def test_older_ingress_wins_a_conflict():
    table = build_table([
        ingress("young", [("a.com", [("/p", "Prefix", "young")])], created="2024-05-01T00:00:00Z"),
        ingress("old", [("a.com", [("/p", "Prefix", "old")])], created="2023-05-01T00:00:00Z"),
    ])
    assert service_for(table, "a.com", "/p") == "old"


def test_rules_of_several_ingresses_for_one_host_merge():
    table = build_table([ingress("foo", [("a.com", [("/foo", "Prefix", "foo")])]),
                         ingress("bar", [("a.com", [("/bar", "Prefix", "bar")])])])
    assert service_for(table, "a.com", "/foo/1") == "foo"
    assert service_for(table, "a.com", "/bar/1") == "bar"


def test_rewrite_target_with_capture_groups():
    notes = {"nginx.ingress.kubernetes.io/rewrite-target": "/$2"}
    table = build_table([ingress("i", [("a.com", [("/something(/|$)(.*)",
                                                   "ImplementationSpecific", "s")])],
                                 annotations=notes)])
    assert table.match("a.com", "/something/new?q=1").upstream_path == "/new?q=1"
    assert table.match("a.com", "/something").upstream_path == "/"
    assert table.match("a.com", "/SOMETHING/x").upstream_path == "/x"
    assert table.match("a.com", "/other") is None


def test_rewrite_target_without_groups_replaces_the_uri():
    notes = {"nginx.ingress.kubernetes.io/rewrite-target": "/"}
    table = build_table([ingress("i", [("a.com", [("/app", "Prefix", "s")])], annotations=notes)])
    assert table.match("a.com", "/app/page").upstream_path == "/"


def test_backend_port_by_name_and_number():
    table = build_table([ingress("i", [("a.com", [("/", "Prefix", "s")])], default="d")])
    assert table.match("a.com", "/").backend.port == 80
    assert table.match("b.com", "/").backend.port == "http"
    assert table.match("a.com", "/").backend.key == "default/s:80"


def test_tls_hosts_and_ssl_redirect():
    tls = [{"hosts": ["a.com", "*.w.com"], "secretName": "cert"}]
    table = build_table([ingress("i", [("a.com", [("/", "Prefix", "s")])], tls=tls),
                         ingress("j", [("b.com", [("/", "Prefix", "s")])], ns="other",
                                 tls=[{"hosts": ["b.com"], "secretName": "bc"}],
                                 annotations={"nginx.ingress.kubernetes.io/ssl-redirect":
                                              "false"})])
    assert table.tls_secret("A.com:443") == ("default", "cert")
    assert table.tls_secret("x.w.com") == ("default", "cert")
    assert table.tls_secret("c.com") is None
    assert table.redirects_to_https("a.com") and not table.redirects_to_https("b.com")
    assert not table.redirects_to_https("c.com")


@pytest.mark.parametrize("rule,path,expected", [
    ("/", "/", True), ("/", "/a", True), ("/a/b", "/a/b/", True), ("/a/b", "/a", False),
    ("/a//b", "/a/b", True),
])
def test_prefix_match_elements(rule, path, expected):
    assert prefix_match(rule, path) is expected


@pytest.mark.parametrize("raw,expected", [("Foo.COM", "foo.com"), ("foo.com:80", "foo.com"),
                                          ("[::1]:8080", "[::1]"), ("10.0.0.1:80", "10.0.0.1")])
def test_normalize_host(raw, expected):
    assert normalize_host(raw) == expected


CONTROLLER = "tinykube.io/ingress-controller"


def ingress_class(name, controller=CONTROLLER, default=False):
    notes = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"metadata": {"name": name, "annotations": notes}, "spec": {"controller": controller}}


def test_class_selection():
    ings = [ingress("mine", cls="tinykube"), ingress("other", cls="nginx"),
            ingress("classless"), ingress("alias", cls="tk2"),
            ingress("legacy", annotations={"kubernetes.io/ingress.class": "tinykube"})]
    classes = [ingress_class("tinykube"), ingress_class("nginx", "k8s.io/ingress-nginx"),
               ingress_class("tk2")]
    names = lambda items: sorted(i["metadata"]["name"] for i in items)   # noqa: E731
    assert names(served(ings, classes, CONTROLLER, "tinykube")) == ["alias", "legacy", "mine"]
    classes[0] = ingress_class("tinykube", default=True)
    assert names(served(ings, classes, CONTROLLER, "tinykube")) == \
        ["alias", "classless", "legacy", "mine"]


def test_class_name_owned_by_another_controller_is_not_ours():
    names, default = our_classes([ingress_class("tinykube", "someone.else/ctl")], CONTROLLER,
                                 "tinykube")
    assert names == set() and not default
    assert our_classes([], CONTROLLER, "tinykube") == ({"tinykube"}, False)
