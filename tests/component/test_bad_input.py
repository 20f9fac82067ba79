"""Bad input gets a clear 4xx Status and changes nothing: malformed bodies, wrong types, bad
selectors, unknown paths, stale resourceVersions, oversized bodies."""
from __future__ import annotations

import json
import random
import uuid

import httpx
import pytest

pytestmark = pytest.mark.component


@pytest.fixture
def http(api_server):
    with httpx.Client(base_url=api_server.url, verify=api_server.ca_file, timeout=30,
                      headers={"Authorization": f"Bearer {api_server.token}"}) as client:
        yield client


@pytest.fixture
def ns(http):
    name = f"bad-{uuid.uuid4().hex[:8]}"
    r = http.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert r.status_code == 201, r.text
    return name


def assert_status(r: httpx.Response, code: int, reason: str | None = None) -> dict:
    assert r.status_code == code, f"{r.status_code} {r.text}"
    body = r.json()
    assert body["kind"] == "Status" and body["status"] == "Failure" and body["code"] == code
    if reason:
        assert body["reason"] == reason
    return body


def post(http, path, content: bytes, ctype="application/json"):
    return http.post(path, content=content, headers={"Content-Type": ctype})


def test_malformed_json_yaml_and_protobuf_are_400(http, ns):
    path = f"/api/v1/namespaces/{ns}/configmaps"
    assert_status(post(http, path, b"{not json"), 400, "BadRequest")
    assert_status(post(http, path, b"\xff\xfe\x00garbage"), 400, "BadRequest")
    assert_status(post(http, path, b"a: [unclosed", "application/yaml"), 400, "BadRequest")
    assert_status(post(http, path, b"k8s\x00\x0a\x03abc", "application/vnd.kubernetes.protobuf"),
                  400, "BadRequest")
    assert_status(post(http, path, b"[1,2,3]"), 400, "BadRequest")
    assert_status(post(http, path, b"{}", "text/csv"), 415, "UnsupportedMediaType")


def test_wrong_types_are_rejected_not_crashed(http, ns):
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    bodies = [
        {"metadata": {"name": "d"}, "spec": "not an object"},
        {"metadata": {"name": "d"}, "spec": {"replicas": "three"}},
        {"metadata": {"name": "d", "labels": ["a"]}, "spec": {}},
        {"metadata": {"name": 7}},
        {"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": "x"}}}},
        {"metadata": {"name": "Not_A_Name"}, "spec": {}},
    ]
    for body in bodies:
        r = http.post(path, json={"apiVersion": "apps/v1", "kind": "Deployment", **body})
        assert 400 <= r.status_code < 500, f"{body}: {r.status_code} {r.text}"
        assert r.json()["kind"] == "Status"
    assert http.get(path).json()["items"] == []


def test_invalid_object_gets_422_with_field_causes(http, ns):
    r = http.post(f"/api/v1/namespaces/{ns}/pods", json={
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}})
    body = assert_status(r, 422, "Invalid")
    assert any(c["field"].startswith("spec.containers") for c in body["details"]["causes"])


def test_bad_selectors_are_400(http, ns):
    for q in ("labelSelector=a%20in%20(", "labelSelector=%21%21x", "fieldSelector=nope=1",
              "fieldSelector=metadata.name", "limit=-1", "resourceVersion=abc",
              "continue=%%%bad"):
        assert_status(http.get(f"/api/v1/namespaces/{ns}/pods?{q}"), 400)


def test_unknown_paths_and_kinds_are_404(http):
    assert_status(http.get("/api/v1/nopes"), 404, "NotFound")
    assert_status(http.get("/apis/nogroup/v1/things"), 404, "NotFound")
    assert_status(http.get("/api/v1/namespaces/default/pods/x/nosub"), 404, "NotFound")
    assert_status(http.get("/api/v1/namespaces/default/pods/..%2F..%2Fetc"), 404)


def test_path_traversal_names_never_escape(http, ns):
    r = http.post(f"/api/v1/namespaces/{ns}/configmaps",
                  json={"metadata": {"name": "../../kube-system/x"}})
    assert_status(r, 422, "Invalid")


def test_stale_resource_version_is_409_and_keeps_data(http, ns):
    path = f"/api/v1/namespaces/{ns}/configmaps"
    created = http.post(path, json={"metadata": {"name": "c"}, "data": {"a": "1"}}).json()
    first = dict(created, data={"a": "2"})
    assert http.put(f"{path}/c", json=first).status_code == 200
    stale = dict(created, data={"a": "3"})
    assert_status(http.put(f"{path}/c", json=stale), 409, "Conflict")
    assert http.get(f"{path}/c").json()["data"] == {"a": "2"}


def test_oversized_body_is_413(http, ns):
    big = json.dumps({"metadata": {"name": "big"}, "data": {"a": "x" * (4 * 1024 * 1024)}})
    assert_status(post(http, f"/api/v1/namespaces/{ns}/configmaps", big.encode()), 413)


def test_deep_nesting_is_rejected(http, ns):
    deep = "[" * 100000 + "]" * 100000
    r = post(http, f"/api/v1/namespaces/{ns}/configmaps", deep.encode())
    assert 400 <= r.status_code < 500


def test_bad_patches_are_4xx(http, ns):
    path = f"/api/v1/namespaces/{ns}/configmaps"
    http.post(path, json={"metadata": {"name": "p"}, "data": {"a": "1"}})
    cases = [
        ("application/json-patch+json", b'{"op":"add"}'),
        ("application/json-patch+json", b'[{"op":"test","path":"/data/a","value":"2"}]'),
        ("application/json-patch+json", b'[{"op":"remove","path":"/nope/x"}]'),
        ("application/merge-patch+json", b'"string"'),
        ("application/merge-patch+json", b'{"spec": null, "metadata": true}'),
        ("application/strategic-merge-patch+json", b'{"data": {"$patch": "bogus"}}'),
        ("application/apply-patch+yaml", b'{"apiVersion":"v1","kind":"ConfigMap"}'),
        ("application/x-unknown", b'{}'),
    ]
    for ctype, body in cases:
        r = http.patch(f"{path}/p", content=body, headers={"Content-Type": ctype})
        assert 400 <= r.status_code < 500, f"{ctype} {body}: {r.status_code} {r.text}"
        assert r.json()["kind"] == "Status"
    assert http.get(f"{path}/p").json()["data"] == {"a": "1"}


def test_random_garbage_never_gives_5xx(http, ns):
    rng = random.Random(7)
    paths = [f"/api/v1/namespaces/{ns}/configmaps", f"/apis/apps/v1/namespaces/{ns}/deployments",
             f"/api/v1/namespaces/{ns}/services", "/api/v1/nodes"]
    ctypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
    for _ in range(150):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        if rng.random() < 0.5:
            junk = json.dumps({"metadata": {"name": f"x{rng.randrange(99)}"},
                               rng.choice(["spec", "data", "status"]):
                               rng.choice([1, "a", [1], {"a": [None]}, None])}).encode()
        r = post(http, rng.choice(paths), junk, rng.choice(ctypes))
        assert r.status_code < 500, f"{r.status_code} {r.text}"
    assert http.get("/readyz").status_code == 200


def test_unknown_field_names_with_odd_characters_only_warn(http, ns):
    for i, field in enumerate(["caf\u00e9\u20ac", "a\r\nInjected: yes", "nul\u0000x", "del\u007f"]):
        r = http.post(f"/api/v1/namespaces/{ns}/configmaps",
                      json={"metadata": {"name": f"odd{i}"}, field: 1})
        assert r.status_code == 201, r.text
        assert "Injected" not in r.headers, "a field name must not inject a header"
        assert "unknown field" in r.headers.get("warning", "")
