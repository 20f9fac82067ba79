"""Property-based fuzzing of the api-server: thousands of generated requests, valid-ish and
adversarial (wrong types, huge strings, deep nesting, invalid UTF-8, bad selectors, unknown
kinds, bad patch documents, path-traversal names), and schemathesis cases drawn from our own
OpenAPI v3 documents. Whatever comes in, the answer is a success or a 4xx Status (never a 5xx,
never a hang), the server keeps serving, and objects stored beforehand are unchanged.

Every request is counted; the totals are printed at the end of the module (`-s` shows them).
"""
from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote
from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

pytestmark = pytest.mark.component

FUZZ = settings(max_examples=250, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
TIMEOUT_S = 15
STATS: Counter[str] = Counter()

# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(api_server):
    with httpx.Client(base_url=api_server.url, verify=api_server.ca_file, timeout=TIMEOUT_S,
                      headers={"Authorization": f"Bearer {api_server.token}"}) as client:
        yield client
    print(f"\nfuzz: {sum(STATS.values())} requests, by answer: {dict(sorted(STATS.items()))}")


def _create_ns(http: httpx.Client, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    assert http.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    return name


@pytest.fixture(scope="module")
def fuzz_ns(http):
    """Where generated requests aim (and may legitimately create things)."""
    ns = _create_ns(http, "fuzz")
    yield ns
    http.delete(f"/api/v1/namespaces/{ns}")


@pytest.fixture(scope="module")
def sentinels(http, fuzz_ns):
    """Objects stored before the fuzzing: {"safe": in a namespace no request aims at,
    "fuzz": in the fuzz namespace}, each as {path: object}."""
    safe = _create_ns(http, "fuzzsafe")
    stored: dict[str, dict[str, dict]] = {"safe": {}, "fuzz": {}}
    for where, ns in (("safe", safe), ("fuzz", fuzz_ns)):
        for path, body in (
            (f"/api/v1/namespaces/{ns}/configmaps",
             {"metadata": {"name": "keep", "labels": {"a": "b"}}, "data": {"k": "v"}}),
            (f"/api/v1/namespaces/{ns}/secrets",
             {"metadata": {"name": "keep"}, "stringData": {"p": "w"}}),
            (f"/apis/apps/v1/namespaces/{ns}/deployments", _deployment("keep")),
        ):
            r = http.post(path, json=body)
            assert r.status_code == 201, r.text
            stored[where][f"{path}/keep"] = r.json()
    stored["safe"][f"/api/v1/namespaces/{safe}"] = http.get(f"/api/v1/namespaces/{safe}").json()
    yield stored
    http.delete(f"/api/v1/namespaces/{safe}")


@pytest.fixture(autouse=True)
def _unchanged_and_serving(request, http, sentinels):
    """After each test: still serving, and the objects stored before exactly as they were.
    Schemathesis may legitimately DELETE a whole collection of the fuzz namespace, so only
    the other namespace is checked after it."""
    yield
    assert http.get("/readyz").status_code == 200
    checked = dict(sentinels["safe"])
    if "schemathesis" not in request.node.name:
        checked.update(sentinels["fuzz"])
    for path, obj in checked.items():
        assert http.get(path).json() == obj, f"{path} changed under fuzzing"


def _deployment(name: str) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "i"}]}}}}


def check(r: httpx.Response, what: Any) -> None:
    """The one property: not a server error, and every error is a well-formed Status."""
    STATS[f"{r.status_code // 100}xx"] += 1
    assert r.status_code < 500, f"{what!r}: {r.status_code} {r.text[:500]}"
    if r.status_code >= 400 and r.request.method != "HEAD":
        body = r.json()
        assert body.get("kind") == "Status" and body.get("code") == r.status_code, \
            f"{what!r}: {r.status_code} not a Status: {r.text[:300]}"


# --- strategies -------------------------------------------------------------------------------

JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                      st.floats(allow_nan=False), st.text(max_size=20))
JSON = st.recursive(JSON_LEAF, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)),
    max_leaves=20)
TRAVERSAL = ["..", "../x", "..%2fx", "%2e%2e", "%2e%2e%2fetc", "x/../../y", "..%5cx", "%00",
             ".", "a%2Fb", "~", "*", "x;y", "%252e%252e", "%E2%80%AE", "a" * 300, "%ff%fe"]
NAMES = st.one_of(st.sampled_from(TRAVERSAL), st.text(min_size=1, max_size=40),
                  st.from_regex(r"[a-z0-9]([-a-z0-9.]{0,20}[a-z0-9])?", fullmatch=True))
RESOURCES_UNDER_TEST = [
    ("/api/v1/namespaces/{ns}/configmaps", "v1", "ConfigMap"),
    ("/api/v1/namespaces/{ns}/secrets", "v1", "Secret"),
    ("/api/v1/namespaces/{ns}/services", "v1", "Service"),
    ("/api/v1/namespaces/{ns}/pods", "v1", "Pod"),
    ("/apis/apps/v1/namespaces/{ns}/deployments", "apps/v1", "Deployment"),
    ("/apis/batch/v1/namespaces/{ns}/jobs", "batch/v1", "Job"),
    ("/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses", "networking.k8s.io/v1", "Ingress"),
]
# Read-only targets: writes to cluster-scoped kinds would touch what other tests share.
READ_ONLY = [("/api/v1/pods", "", ""), ("/api/v1/events", "", ""), ("/api/v1/nodes", "", ""),
             ("/apis/apps/v1/deployments", "", "")]
FIELDS = ["spec", "data", "stringData", "status", "metadata", "type", "selector", "template",
          "containers", "ports", "labels", "annotations", "replicas", "name", "apiVersion",
          "kind", "ownerReferences", "finalizers", "binaryData", "immutable"]


def _mutated(base: dict, draw) -> dict:
    """A manifest with a few fields, anywhere in it, replaced by arbitrary JSON."""
    obj = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 4))):
        node = obj
        for _ in range(draw(st.integers(0, 3))):
            dicts = [k for k, v in node.items() if isinstance(v, dict)]
            if not dicts:
                break
            node = node[draw(st.sampled_from(dicts))]
        node[draw(st.sampled_from(FIELDS))] = draw(JSON)
    return obj


@st.composite
def manifests(draw) -> tuple[str, str, bytes]:
    """(collection path template, content type, body): valid-ish, mutated or hostile."""
    path, api_version, kind = draw(st.sampled_from(RESOURCES_UNDER_TEST))
    base = {"apiVersion": api_version, "kind": kind,
            "metadata": {"name": draw(NAMES), "labels": {"fuzz": "y"}}}
    if kind == "Deployment":
        base = {**_deployment("d"), "metadata": base["metadata"]}
    style = draw(st.sampled_from(["mutate", "huge", "deep", "utf8", "kind", "plain"]))
    if style == "mutate":
        base = _mutated(base, draw)
    elif style == "huge":
        size = draw(st.sampled_from([300_000, 1_100_000, 2_900_000]))
        where = draw(st.sampled_from(["annotations", "labels", "name", "data"]))
        if where == "name":
            base["metadata"]["name"] = "a" * size
        elif where == "data":
            base["data"] = {"k": "x" * size}
        else:
            base["metadata"][where] = {"k": "v" * size}
    elif style == "deep":
        depth = draw(st.sampled_from([100, 1000, 5000, 50_000]))
        body = '{"a":' * depth + "1" + "}" * depth
        text = json.dumps(base)[:-1] + f', "{draw(st.sampled_from(FIELDS))}": {body}}}'
        return path, "application/json", text.encode()
    elif style == "utf8":
        raw = json.dumps(base).encode()
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80",
                                     b"\x00", b"\\ud800"]))
        cut = draw(st.integers(0, len(raw)))
        return path, "application/json", raw[:cut] + junk + raw[cut:]
    elif style == "kind":
        base["kind"] = draw(st.one_of(st.text(max_size=15), st.sampled_from(
            ["Pod", "Namespace", "List", "Status", "DeleteOptions", "WatchEvent", ""])))
        base["apiVersion"] = draw(st.one_of(st.text(max_size=15), st.sampled_from(
            ["v1", "apps/v1", "v2", "nope/v1", "/", "apps/v1/x", ""])))
    ctype = draw(st.sampled_from(["application/json", "application/json", "application/yaml"]))
    return path, ctype, json.dumps(base).encode()


SELECTOR_ATOMS = ["a", "b", "=", "==", "!=", "!", ",", " in ", " notin ", "(", ")", " ",
                  "x.y/z", "metadata.name", "spec.nodeName", "status.phase", "%", "\u00e9",
                  "a" * 70, "-", "_", "/", "\x00"]
SELECTORS = st.one_of(st.text(max_size=30),
                      st.lists(st.sampled_from(SELECTOR_ATOMS), max_size=8).map("".join))
QUERY_KEYS = ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
              "resourceVersionMatch", "timeoutSeconds", "watch", "dryRun", "fieldManager",
              "propagationPolicy", "gracePeriodSeconds", "pretty", "fieldValidation", "force"]

PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml"]
JSON_PATCH_OP = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "bogus"]),
     "path": st.one_of(st.sampled_from(["/data/k", "/metadata/name", "/metadata/labels/a~1b",
                                        "/", "", "/spec/-", "/data/~2", "/metadata/0"]),
                       st.text(max_size=12))},
    optional={"value": JSON, "from": st.text(max_size=10)})
PATCH_BODIES = st.one_of(
    st.lists(JSON_PATCH_OP, max_size=4).map(json.dumps),
    JSON.map(json.dumps),
    st.dictionaries(st.sampled_from(FIELDS + ["$patch", "$retainKeys", "$setElementOrder/x"]),
                    JSON, max_size=4).map(json.dumps),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


# --- hypothesis tests -------------------------------------------------------------------------


@FUZZ
@given(manifest=manifests())
def test_generated_manifests_never_5xx(http, fuzz_ns, manifest):
    template, ctype, body = manifest
    r = http.post(template.format(ns=fuzz_ns), content=body, headers={"Content-Type": ctype})
    check(r, body[:200])


@FUZZ
@given(name=NAMES, method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH"]),
       resource=st.sampled_from(RESOURCES_UNDER_TEST))
def test_hostile_names_in_paths_never_escape(http, fuzz_ns, name, method, resource):
    template, api_version, kind = resource
    # the hostile list goes as it is (percent escapes included); other text percent-encoded
    segment = name if name in TRAVERSAL else quote(name, safe="")
    url = template.format(ns=fuzz_ns) + "/" + segment
    body = json.dumps({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}})
    r = http.request(method, url, content=body, headers={
        "Content-Type": "application/merge-patch+json" if method == "PATCH" else
        "application/json"})
    check(r, (method, url))


@FUZZ
@given(query=st.dictionaries(st.sampled_from(QUERY_KEYS), SELECTORS, min_size=1, max_size=3),
       resource=st.sampled_from(RESOURCES_UNDER_TEST + READ_ONLY))
def test_bad_selectors_and_query_parameters_never_5xx(http, fuzz_ns, query, resource):
    if query.get("watch", "").lower() in ("true", "1") or "timeoutSeconds" in query:
        query["watch"] = "false"            # a stream is no answer to check; see test below
    r = http.get(resource[0].format(ns=fuzz_ns), params=query)
    check(r, query)


@FUZZ
@given(ctype=st.sampled_from(PATCH_TYPES + ["application/json", "text/plain", "", "*/*"]),
       body=PATCH_BODIES, target=st.sampled_from(["configmaps/keep", "secrets/keep",
                                                  "configmaps/absent"]))
def test_bad_patch_documents_never_5xx(http, fuzz_ns, ctype, body, target):
    # dryRun: a patch that happens to be valid must not change the fuzz namespace's sentinels
    r = http.patch(f"/api/v1/namespaces/{fuzz_ns}/{target}", params={"dryRun": "All"},
                   content=body.encode("utf-8", "surrogatepass"),
                   headers={"Content-Type": ctype} if ctype else {})
    check(r, (ctype, body[:200]))


@settings(FUZZ, max_examples=60)
@given(kind=st.sampled_from(["configmaps", "pods", "deployments"]), bad=SELECTORS)
def test_watch_with_bad_parameters_answers_or_ends(http, fuzz_ns, kind, bad):
    group = "apis/apps/v1" if kind == "deployments" else "api/v1"
    r = http.get(f"/{group}/namespaces/{fuzz_ns}/{kind}",
                 params={"watch": "true", "timeoutSeconds": "1", "labelSelector": bad})
    check(r, bad)


def test_body_over_the_size_limit_is_413(http, fuzz_ns):
    body = json.dumps({"metadata": {"name": "big"}, "data": {"k": "x" * (3 * 1024 * 1024)}})
    r = http.post(f"/api/v1/namespaces/{fuzz_ns}/configmaps", content=body,
                  headers={"Content-Type": "application/json"})
    check(r, "3 MiB body")
    assert r.status_code == 413


def test_unknown_groups_kinds_and_verbs_are_4xx(http, fuzz_ns):
    for method, url in [("GET", "/apis/nope.io/v1/things"), ("POST", "/api/v2/pods"),
                        ("GET", f"/api/v1/namespaces/{fuzz_ns}/widgets"),
                        ("PUT", "/api/v1/namespaces/../pods/x"),
                        ("POST", f"/api/v1/namespaces/{fuzz_ns}/configmaps/keep"),
                        ("PATCH", f"/api/v1/namespaces/{fuzz_ns}/configmaps"),
                        ("TRACE", "/api/v1/pods"), ("PUT", "/api/v1/namespaces/%2e%2e/pods/x"),
                        ("GET", "/apis/apps/v1/namespaces/x/deployments/y/nosuchsub")]:
        r = http.request(method, url, content=b"{}", headers={"Content-Type":
                                                              "application/json"})
        check(r, (method, url))
        assert 400 <= r.status_code < 500


# --- schemathesis -----------------------------------------------------------------------------

# Streams and kubelet proxies answer with bytes that are no Status (or hang by design).
_SKIP_PATHS = re.compile(r"/watch/|/(log|exec|attach|portforward|proxy)(/|$)")
_HARMFUL_PARAMS = {"watch": "false", "follow": "false"}


def _openapi_strategy(http, doc_path: str, fuzz_ns: str):
    import schemathesis
    from schemathesis.generation.modes import GenerationMode
    doc = http.get(f"/openapi/v3/{doc_path}").json()
    # Only namespaced operations, pinned to the fuzz namespace: a generated DELETE on a
    # cluster-scoped collection (/api/v1/nodes) would wipe what other tests share.
    doc["paths"] = {p: item for p, item in doc["paths"].items()
                    if "{namespace}" in p and not _SKIP_PATHS.search(p)}
    schema = schemathesis.openapi.from_dict(doc)
    return st.one_of(*(schema.as_strategy(generation_mode=mode,
                                          path_parameters={"namespace": fuzz_ns})
                       for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))


def _send_case(http: httpx.Client, case) -> None:
    params = {k: v for k, v in (case.query or {}).items()}
    params.update({k: v for k, v in _HARMFUL_PARAMS.items() if k in params})
    body = case.body
    content = None
    if body is not None and not type(body).__name__ == "NotSet":
        content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {k: str(v) for k, v in (case.headers or {}).items()
               if k.lower() not in ("authorization", "content-length", "host")}
    if content is not None:
        headers.setdefault("Content-Type", case.media_type or "application/json")
    r = http.request(case.method, case.formatted_path, params=params, content=content,
                     headers=headers)
    check(r, (case.method, case.formatted_path, params, str(content)[:200]))


@pytest.mark.parametrize("doc_path", ["api/v1", "apis/apps/v1"])
def test_schemathesis_cases_from_our_openapi_never_5xx(http, fuzz_ns, doc_path):
    strategy = _openapi_strategy(http, doc_path, fuzz_ns)

    @settings(FUZZ, max_examples=300)
    @given(case=strategy)
    def run(case):
        _send_case(http, case)
    run()
