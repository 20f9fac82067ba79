"""The /openapi/v3 documents and strict field validation, checked structurally.

What matters most is what kubectl reads: the index, each GV document's PATCH operation with the
`fieldValidation` parameter and the kind's GVK (or every apply fails), and schemas that `explain`
can walk.
"""
from __future__ import annotations

import json
import re
import time

import pytest

from apiserver.openapi import build_documents, unknown_fields, unknown_fields_of_kind
from apiserver.openapi.paths import group_camel
from apiserver.openapi.schemas import INT_OR_STRING, QUANTITY, all_schemas
from machinery.api.resources import RESOURCES, lookup

pytestmark = pytest.mark.unit

SCHEMAS = "#/components/schemas/"


@pytest.fixture(scope="module")
def docs():
    return build_documents(RESOURCES)


def _doc(docs, path: str) -> dict:
    body = docs.document(path)
    assert body is not None, path
    return json.loads(body)


def test_index_lists_every_group_version_with_a_hash(docs):
    index = docs.index()["paths"]
    expected = {("api/v1" if not r.group else f"apis/{r.group}/{r.version}") for r in RESOURCES}
    assert set(index) == expected
    for path, entry in index.items():
        url = entry["serverRelativeURL"]
        assert re.fullmatch(rf"/openapi/v3/{re.escape(path)}\?hash=[0-9A-F]{{128}}", url)


def test_hash_is_stable_and_follows_the_bytes(docs):
    again = build_documents(RESOURCES)
    assert again.index() == docs.index()
    assert docs.index()["paths"]["api/v1"] != docs.index()["paths"]["apis/apps/v1"]


def test_unknown_document_is_none(docs):
    assert docs.document("apis/nope/v1") is None
    assert docs.document("/apis/apps/v1") is not None


def test_documents_are_openapi_3(docs):
    doc = _doc(docs, "apis/apps/v1")
    assert doc["openapi"] == "3.0.0"
    assert doc["info"]["title"] == "Kubernetes"


@pytest.mark.parametrize("info", [r for r in RESOURCES if "patch" in r.verbs],
                         ids=lambda r: f"{r.group or 'core'}/{r.version}/{r.kind}")
def test_patch_operation_declares_field_validation_and_gvk(docs, info):
    """What kubectl's query-param verifier looks for before apply/create/replace/edit."""
    doc = _doc(docs, f"apis/{info.group}/{info.version}" if info.group else "api/v1")
    gvk = {"group": info.group, "version": info.version, "kind": info.kind}
    patches = [item["patch"] for item in doc["paths"].values()
               if "patch" in item and item["patch"]["x-kubernetes-group-version-kind"] == gvk]
    assert patches
    names = {p["name"] for p in patches[0]["parameters"]}
    assert {"fieldValidation", "fieldManager", "dryRun", "force"} <= names


def test_operations_of_a_namespaced_resource(docs):
    paths = _doc(docs, "apis/apps/v1")["paths"]
    item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    assert item["patch"]["operationId"] == "patchAppsV1NamespacedDeployment"
    assert item["get"]["operationId"] == "readAppsV1NamespacedDeployment"
    assert item["put"]["x-kubernetes-action"] == "put"
    assert item["delete"]["x-kubernetes-action"] == "delete"
    assert {p["name"] for p in item["parameters"]} == {"name", "namespace", "pretty"}
    assert set(item["patch"]["requestBody"]["content"]) >= {
        "application/strategic-merge-patch+json", "application/merge-patch+json",
        "application/json-patch+json", "application/apply-patch+yaml"}
    ok = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": SCHEMAS + "io.k8s.api.apps.v1.Deployment"}
    collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"]
    assert collection["get"]["x-kubernetes-action"] == "list"
    assert {"labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch",
            "allowWatchBookmarks", "timeoutSeconds"} <= {p["name"] for p in collection["get"]["parameters"]}
    listed = collection["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed == {"$ref": SCHEMAS + "io.k8s.api.apps.v1.DeploymentList"}
    post = collection["post"]
    assert post["operationId"] == "createAppsV1NamespacedDeployment"
    assert "201" in post["responses"]
    assert {"fieldValidation", "fieldManager", "dryRun"} <= {p["name"] for p in post["parameters"]}
    assert collection["delete"]["x-kubernetes-action"] == "deletecollection"
    every = paths["/apis/apps/v1/deployments"]["get"]
    assert every["operationId"] == "listAppsV1DeploymentForAllNamespaces"


def test_subresources_carry_their_own_kind(docs):
    paths = _doc(docs, "apis/apps/v1")["paths"]
    scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"]
    assert scale["operationId"] == "patchAppsV1NamespacedDeploymentScale"
    assert scale["x-kubernetes-group-version-kind"] == {"group": "autoscaling", "version": "v1",
                                                        "kind": "Scale"}
    status = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]["put"]
    assert status["operationId"] == "replaceAppsV1NamespacedDeploymentStatus"
    core = _doc(docs, "api/v1")
    eviction = core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]
    assert eviction["operationId"] == "createCoreV1NamespacedPodEviction"
    assert eviction["x-kubernetes-group-version-kind"]["group"] == "policy"
    assert "io.k8s.api.policy.v1.Eviction" in core["components"]["schemas"]
    exec_ = core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/exec"]
    assert exec_["post"]["x-kubernetes-action"] == "connect"
    assert "command" in {p["name"] for p in exec_["post"]["parameters"]}
    log = core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert log["operationId"] == "readCoreV1NamespacedPodLog"
    nodes = core["paths"]["/api/v1/nodes/{name}"]
    assert nodes["patch"]["operationId"] == "patchCoreV1Node"
    assert {p["name"] for p in nodes["parameters"]} == {"name", "pretty"}


def test_operation_ids_are_unique_and_refs_resolve(docs):
    for path in docs.index()["paths"]:
        body = docs.document(path).decode()
        doc = json.loads(body)
        ops = [op["operationId"] for item in doc["paths"].values()
               for method, op in item.items() if method != "parameters"]
        assert len(ops) == len(set(ops)), path
        refs = set(re.findall(r'"#/components/schemas/([^"]+)"', body))
        assert refs <= set(doc["components"]["schemas"]), (path, refs - set(doc["components"]["schemas"]))


def test_group_names_in_operation_ids():
    assert group_camel("") == "Core"
    assert group_camel("rbac.authorization.k8s.io") == "RbacAuthorization"
    assert group_camel("networking.k8s.io") == "Networking"


def test_schemas_are_named_and_shaped_like_upstream(docs):
    schemas = _doc(docs, "apis/apps/v1")["components"]["schemas"]
    deployment = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert deployment["description"]
    meta = deployment["properties"]["metadata"]
    assert meta["allOf"] == [{"$ref": SCHEMAS + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]
    assert meta["description"]
    assert "io.k8s.api.core.v1.PodSpec" in schemas
    assert schemas[INT_OR_STRING] == {**schemas[INT_OR_STRING], "type": "string",
                                      "format": "int-or-string"}
    surge = schemas["io.k8s.api.apps.v1.RollingUpdateDeployment"]["properties"]["maxSurge"]
    assert surge["allOf"] == [{"$ref": SCHEMAS + INT_OR_STRING}]
    strategy = schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["items"] == {"$ref": SCHEMAS + "io.k8s.api.core.v1.Container"}
    target = all_schemas()["io.k8s.api.autoscaling.v2.MetricTarget"]["properties"]["value"]
    assert target["allOf"] == [{"$ref": SCHEMAS + QUANTITY}]


def test_no_pydantic_artifacts_remain():
    text = json.dumps(all_schemas())
    assert '"title"' not in text
    assert '"anyOf"' not in text
    assert '{"type": "null"}' not in text
    assert '"default": null' not in text
    typed = all_schemas()["io.k8s.api.apps.v1.DeploymentSpec"]
    assert "additionalProperties" not in typed


def test_maps_and_free_form_objects():
    schemas = all_schemas()
    labels = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]["labels"]
    assert labels["additionalProperties"] == {"type": "string"}
    data = schemas["io.k8s.api.apps.v1.ControllerRevision"]["properties"]["data"]
    assert data["type"] == "object" and data["x-kubernetes-preserve-unknown-fields"] is True


def test_each_document_holds_only_what_it_references(docs):
    coordination = _doc(docs, "apis/coordination.k8s.io/v1")["components"]["schemas"]
    assert "io.k8s.api.coordination.v1.Lease" in coordination
    assert "io.k8s.api.apps.v1.Deployment" not in coordination
    assert "io.k8s.api.core.v1.PodSpec" not in coordination
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.Status" in coordination


# --- strict field validation ---------------------------------------------------------------------

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"any-key": "v"}, "annotations": {"a/b": "c"}},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
             "strategy": {"rollingUpdate": {"maxSurge": "25%"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "a", "image": "nginx",
                                                   "resources": {"limits": {"cpu": "1"}}}]}}},
}


def test_a_valid_object_has_no_unknown_fields():
    assert unknown_fields(lookup("apps", "v1", "deployments"), DEPLOYMENT) == []


def test_unknown_fields_are_reported_with_upstream_paths():
    body = json.loads(json.dumps(DEPLOYMENT))
    body["spec"]["foo"] = 1
    body["metadata"]["bogus"] = True
    body["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    body["spec"]["strategy"]["rollingUpdate"]["extra"] = {"deep": 1}
    found = unknown_fields(lookup("apps", "v1", "deployments"), body)
    assert sorted(found) == sorted([".spec.foo", ".metadata.bogus",
                                    ".spec.template.spec.containers[0].imagee",
                                    ".spec.strategy.rollingUpdate.extra"])


def test_free_form_values_and_patch_directives_are_not_flagged():
    revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 1,
                "data": {"spec": {"anything": {"goes": [1]}}}}
    assert unknown_fields(lookup("apps", "v1", "controllerrevisions"), revision) == []
    managed = {"metadata": {"managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {}}}]},
               "spec": {"$retainKeys": ["type"], "template": {"spec": {
                   "$setElementOrder/containers": [{"name": "a"}]}}}}
    assert unknown_fields(lookup("apps", "v1", "deployments"), managed) == []


def test_other_groups_and_subresource_kinds():
    lease = {"spec": {"holderIdentity": "n", "renewTime": "2024-01-01T00:00:00.000000Z", "x": 1}}
    assert unknown_fields(lookup("coordination.k8s.io", "v1", "leases"), lease) == [".spec.x"]
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"},
                "deleteOptions": {"gracePeriodSeconds": 0, "nope": 1}}
    assert unknown_fields_of_kind("policy", "v1", "Eviction", eviction) == [".deleteOptions.nope"]
    assert unknown_fields_of_kind("", "v1", "PodExecOptions", {"x": 1}) == []


def test_documents_build_within_the_startup_budget():
    """All schemas and documents from scratch in under 2 s (the models are imported anyway)."""
    all_schemas.cache_clear()
    started = time.perf_counter()
    build_documents(RESOURCES)
    assert time.perf_counter() - started < 2.0
