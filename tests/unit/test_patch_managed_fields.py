"""Ownership recorded for ordinary writes (create/update/patch), and the FieldsV1 codec."""
import copy

import pytest

from apiserver.patch import update_managed_fields
from apiserver.patch.fieldpath import f, from_fields_v1, key_element, path_string, to_fields_v1

pytestmark = pytest.mark.unit

T0, T1, T2 = "2024-05-01T10:00:00Z", "2024-05-01T10:01:00Z", "2024-05-01T10:02:00Z"


def deployment(replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web2", "namespace": "default", "labels": {"app": "web2"},
                         "uid": "u", "resourceVersion": "1", "creationTimestamp": T0},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web2"}},
                     "template": {"metadata": {"labels": {"app": "web2"}}, "spec": {
                         "containers": [{"name": "nginx", "image": "nginx"}]}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%"}}},
            "status": {"replicas": 0}}


def record(old, new, manager, **kw):
    kw.setdefault("now", T1)
    kw.setdefault("api_version", "apps/v1")
    update_managed_fields(old, new, manager, **kw)
    return {(e["manager"], e["operation"], e.get("subresource", "")): e
            for e in new["metadata"].get("managedFields", [])}


def test_create_owns_every_set_field_like_upstream():
    obj = deployment()
    entries = record(None, obj, "kubectl-create", now=T0)
    entry = entries[("kubectl-create", "Update", "")]
    assert {k: entry[k] for k in ("manager", "operation", "apiVersion", "time", "fieldsType")} \
        == {"manager": "kubectl-create", "operation": "Update", "apiVersion": "apps/v1",
            "time": T0, "fieldsType": "FieldsV1"}
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {
            "f:replicas": {}, "f:selector": {},
            "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}}, "f:type": {}},
            "f:template": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                           "f:spec": {"f:containers": {'k:{"name":"nginx"}': {
                               ".": {}, "f:image": {}, "f:name": {}}}}}}}


def test_update_moves_changed_fields_to_the_new_manager():
    old = deployment()
    record(None, old, "kubectl-create", now=T0)
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    entries = record(old, new, "kubectl-edit")
    creator = entries[("kubectl-create", "Update", "")]
    nginx = creator["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"][
        'k:{"name":"nginx"}']
    assert "f:image" not in nginx and creator["time"] == T0
    edit = entries[("kubectl-edit", "Update", "")]
    assert edit["time"] == T1 and edit["fieldsV1"] == {"f:spec": {"f:template": {"f:spec": {
        "f:containers": {'k:{"name":"nginx"}': {"f:image": {}}}}}}}


def test_scale_subresource_gets_its_own_entry():
    old = deployment()
    record(None, old, "kubectl-create", now=T0)
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 4
    entries = record(old, new, "kubectl", subresource="scale")
    assert entries[("kubectl", "Update", "scale")]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert entries[("kubectl", "Update", "scale")]["subresource"] == "scale"


def test_no_change_records_nothing():
    old = deployment()
    record(None, old, "kubectl-create", now=T0)
    new = copy.deepcopy(old)
    entries = record(old, new, "someone", now=T2)
    assert list(entries) == [("kubectl-create", "Update", "")]
    assert entries[("kubectl-create", "Update", "")]["time"] == T0


def test_status_writes_own_status_only_and_main_writes_ignore_status():
    old = deployment()
    record(None, old, "kubectl-create", now=T0)
    new = copy.deepcopy(old)
    new["status"]["replicas"] = 2
    new["spec"]["replicas"] = 9                     # ignored through /status
    entries = record(old, new, "kube-controller-manager", subresource="status")
    assert entries[("kube-controller-manager", "Update", "status")]["fieldsV1"] == \
        {"f:status": {"f:replicas": {}}}
    main = copy.deepcopy(old)
    main["status"]["replicas"] = 3
    assert ("x", "Update", "") not in record(old, main, "x")


def test_removed_field_leaves_every_set():
    old = deployment()
    record(None, old, "kubectl-create", now=T0)
    new = copy.deepcopy(old)
    del new["metadata"]["labels"]
    entries = record(old, new, "kubectl-label")
    assert "f:metadata" not in entries[("kubectl-create", "Update", "")]["fieldsV1"]
    assert ("kubectl-label", "Update", "") not in entries


def test_client_supplied_managed_fields_are_kept_and_reset_marker_clears():
    old = deployment()
    record(None, old, "kubectl-create", now=T0)
    new = copy.deepcopy(old)
    new["metadata"]["managedFields"][0]["manager"] = "renamed"
    assert ("renamed", "Update", "") in record(old, new, "x")
    reset = copy.deepcopy(old)
    reset["metadata"]["managedFields"] = [{}]
    assert record(old, reset, "x") == {}


def test_garbage_managed_fields_are_cleared_not_raised():
    old = deployment()
    new = copy.deepcopy(old)
    new["metadata"]["managedFields"] = [{"manager": "m", "operation": "Update",
                                         "fieldsV1": {"bogus": {}}}]
    update_managed_fields(old, new, "x", now=T1, api_version="apps/v1")
    assert "managedFields" not in new["metadata"]


def test_entries_sorted_apply_first_then_by_time():
    old = deployment()
    old["metadata"]["managedFields"] = [
        {"manager": "b", "operation": "Update", "apiVersion": "apps/v1", "time": T1,
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:paused": {}}}},
        {"manager": "a", "operation": "Update", "apiVersion": "apps/v1", "time": T0,
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:minReadySeconds": {}}}},
        {"manager": "z", "operation": "Apply", "apiVersion": "apps/v1", "time": T2,
         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]
    new = copy.deepcopy(old)
    new["metadata"]["labels"]["x"] = "y"
    update_managed_fields(old, new, "c", now=T2, api_version="apps/v1")
    assert [e["manager"] for e in new["metadata"]["managedFields"]] == ["z", "a", "b", "c"]


def test_fields_v1_round_trip_and_paths():
    paths = {f("metadata", "labels", "app"), f("metadata", "finalizers") + (("v", '"x"'),),
             f("spec", "ports") + (key_element({"protocol": "TCP", "port": 80}),),
             f("spec", "ports") + (key_element({"protocol": "TCP", "port": 80}), ("f", "name"))}
    encoded = to_fields_v1(paths)
    assert encoded["f:spec"]["f:ports"] == \
        {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:name": {}}}
    assert from_fields_v1(encoded) == paths
    assert path_string(f("spec", "ports") + (key_element({"port": 80, "protocol": "TCP"}),)) == \
        '.spec.ports[port=80,protocol="TCP"]'
    assert path_string(f("metadata", "finalizers") + (("v", '"x"'),)) == \
        '.metadata.finalizers[="x"]'
