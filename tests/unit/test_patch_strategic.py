"""Strategic merge patch: kubectl's real patches, merge keys per kind, and the directives."""
import copy
import json

import pytest

from apiserver.patch import apply_strategic_merge_patch
from apiserver.patch.schema import schema_for
from machinery.api.errors import BadRequest, Invalid

pytestmark = pytest.mark.unit

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def smp(doc, patch, kind="Deployment", api_version="apps/v1"):
    return apply_strategic_merge_patch(doc, patch, kind, api_version)


def deployment(*containers, **spec):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "annotations": {LAST_APPLIED: "{}\n"}},
            "spec": {"replicas": 2, **spec, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": list(containers)}}}}


def containers(obj):
    return obj["spec"]["template"]["spec"]["containers"]


NGINX = {"name": "nginx", "image": "nginx:1.25", "env": [{"name": "A", "value": "1"}],
         "ports": [{"containerPort": 80, "protocol": "TCP"}]}


def test_kubectl_apply_update_patch():
    """The §2.8 patch: image changed, env removed, annotation rewritten, order pinned."""
    live = deployment(NGINX, {"name": "sidecar", "image": "busybox"})
    patch = {"metadata": {"annotations": {LAST_APPLIED: "{…}\n"}},
             "spec": {"template": {"spec": {
                 "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
                 "containers": [{"env": None, "image": "nginx:1.26", "name": "nginx"}]}}}}
    out = smp(live, patch)
    assert containers(out) == [
        {"name": "nginx", "image": "nginx:1.26",
         "ports": [{"containerPort": 80, "protocol": "TCP"}]},
        {"name": "sidecar", "image": "busybox"}]
    assert out["metadata"]["annotations"][LAST_APPLIED] == "{…}\n"
    assert out["spec"]["replicas"] == 2
    assert "$setElementOrder/containers" not in json.dumps(out)


def test_kubectl_edit_patch_keeps_other_fields():
    live = deployment(NGINX)
    out = smp(live, {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}],
        "containers": [{"image": "nginx:1.27", "name": "nginx"}]}}}})
    assert containers(out) == [{**NGINX, "image": "nginx:1.27"}]


def test_set_element_order_reorders():
    live = deployment({"name": "a"}, {"name": "b"}, {"name": "c"})
    out = smp(live, {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}]}}}})
    assert [c["name"] for c in containers(out)] == ["c", "a", "b"]


def test_set_element_order_must_match_patch_list():
    live = deployment({"name": "a"}, {"name": "b"})
    with pytest.raises(BadRequest):
        smp(live, {"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "b", "image": "x"}, {"name": "a", "image": "y"}]}}}})


def test_cordon():
    node = {"kind": "Node", "metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.244.1.0/24"}}
    out = smp(node, {"spec": {"unschedulable": True}}, "Node", "v1")
    assert out["spec"] == {"podCIDR": "10.244.1.0/24", "unschedulable": True}


def test_uncordon_null_deletes():
    node = {"kind": "Node", "metadata": {"name": "node-1"},
            "spec": {"podCIDR": "10.244.1.0/24", "unschedulable": True}}
    out = smp(node, {"spec": {"unschedulable": None}}, "Node", "v1")
    assert out["spec"] == {"podCIDR": "10.244.1.0/24"}


def test_label_removal_with_null():
    pod = {"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}}}
    assert smp(pod, {"metadata": {"labels": {"tier": None}}}, "Pod", "v1")["metadata"] == \
        {"name": "p", "labels": {"app": "web"}}


def test_merge_key_lists_merge_and_append():
    live = deployment({"name": "a", "image": "1"}, {"name": "b", "image": "1"})
    out = smp(live, {"spec": {"template": {"spec": {"containers": [
        {"name": "b", "image": "2"}, {"name": "new", "image": "3"}]}}}})
    assert containers(out) == [{"name": "a", "image": "1"}, {"name": "b", "image": "2"},
                               {"name": "new", "image": "3"}]


@pytest.mark.parametrize("field, existing, patch_item, key", [
    ("env", [{"name": "A", "value": "1"}], {"name": "A", "value": "2"}, "name"),
    ("ports", [{"containerPort": 80, "name": "http"}], {"containerPort": 80, "name": "web"},
     "containerPort"),
    ("volumeMounts", [{"mountPath": "/d", "name": "v1"}], {"mountPath": "/d", "name": "v2"},
     "mountPath"),
    ("volumeDevices", [{"devicePath": "/dev/x", "name": "v1"}],
     {"devicePath": "/dev/x", "name": "v2"}, "devicePath"),
])
def test_container_merge_keys(field, existing, patch_item, key):
    live = deployment({"name": "c", field: existing + [{key: "other" if key != "containerPort"
                                                         else 81}]})
    out = smp(live, {"spec": {"template": {"spec": {"containers": [
        {"name": "c", field: [patch_item]}]}}}})
    merged = containers(out)[0][field]
    assert merged[0] == patch_item and len(merged) == 2


@pytest.mark.parametrize("kind, prefix", [
    ("Pod", ["spec"]),
    ("Deployment", ["spec", "template", "spec"]),
    ("ReplicaSet", ["spec", "template", "spec"]),
    ("StatefulSet", ["spec", "template", "spec"]),
    ("DaemonSet", ["spec", "template", "spec"]),
    ("Job", ["spec", "template", "spec"]),
    ("ReplicationController", ["spec", "template", "spec"]),
    ("PodTemplate", ["template", "spec"]),
    ("CronJob", ["spec", "jobTemplate", "spec", "template", "spec"]),
])
@pytest.mark.parametrize("field, key", [
    ("containers", "name"), ("initContainers", "name"), ("ephemeralContainers", "name"),
    ("volumes", "name"), ("imagePullSecrets", "name"), ("hostAliases", "ip"),
    ("topologySpreadConstraints", "topologyKey"), ("resourceClaims", "name"),
    ("schedulingGates", "name"),
])
def test_pod_spec_lists_merge_under_every_kind(kind, prefix, field, key):
    def nest(value):
        for name in reversed(prefix):
            value = {name: value}
        return value
    live = nest({field: [{key: "one", "x": 1}, {key: "two"}]})
    out = smp(live, nest({field: [{key: "one", "y": 2}]}), kind, "v1")
    for name in prefix:
        out = out[name]
    assert out[field] == [{key: "one", "x": 1, "y": 2}, {key: "two"}]


@pytest.mark.parametrize("kind, path, key", [
    ("Service", ["spec", "ports"], "port"),
    ("Node", ["status", "addresses"], "type"),
    ("Node", ["status", "conditions"], "type"),
    ("Pod", ["status", "conditions"], "type"),
    ("Pod", ["status", "podIPs"], "ip"),
    ("Deployment", ["status", "conditions"], "type"),
    ("Job", ["status", "conditions"], "type"),
    ("Namespace", ["status", "conditions"], "type"),
    ("Pod", ["metadata", "ownerReferences"], "uid"),
    ("ConfigMap", ["metadata", "ownerReferences"], "uid"),
    ("ServiceAccount", ["secrets"], "name"),
])
def test_other_merge_keys(kind, path, key):
    def nest(value):
        for name in reversed(path):
            value = {name: value}
        return value
    live = nest([{key: "a", "v": 1}, {key: "b", "v": 1}])
    out = smp(live, nest([{key: "b", "v": 2}]), kind, "v1")
    for name in path:
        out = out[name]
    assert out == [{key: "a", "v": 1}, {key: "b", "v": 2}]


@pytest.mark.parametrize("kind, path", [
    ("Pod", ["spec", "tolerations"]),
    ("Pod", ["spec", "containers", 0, "args"]),
    ("Pod", ["spec", "containers", 0, "command"]),
    ("Pod", ["status", "containerStatuses"]),
    ("Node", ["spec", "taints"]),            # upstream: no merge key, replaced whole
    ("Node", ["status", "images"]),
    ("Endpoints", ["subsets"]),
    ("StatefulSet", ["spec", "volumeClaimTemplates"]),
    ("Widget", ["spec", "items"]),           # unknown kinds replace lists
])
def test_lists_without_merge_key_are_replaced(kind, path):
    def nest(value):
        for name in reversed(path):
            value = [{"name": "c", **value}] if name == 0 else {name: value}
        return value
    live = nest([{"key": "a"}, {"key": "b"}])
    out = smp(live, nest([{"key": "z"}]), kind, "v1")
    for name in path:
        out = out[name]
    assert out == [{"key": "z"}]


def test_unknown_kind_still_merges_maps_and_honours_null():
    live = {"spec": {"a": {"x": 1, "y": 2}, "b": 1}}
    assert smp(live, {"spec": {"a": {"y": None, "z": 3}}}, "Widget", "example.com/v1") == \
        {"spec": {"a": {"x": 1, "z": 3}, "b": 1}}


def test_finalizers_are_a_merged_set():
    live = {"metadata": {"finalizers": ["a", "b"]}}
    out = smp(live, {"metadata": {"finalizers": ["b", "c"]}}, "Pod", "v1")
    assert out["metadata"]["finalizers"] == ["a", "b", "c"]


def test_delete_from_primitive_list():
    live = {"metadata": {"finalizers": ["a", "b", "c"]}}
    out = smp(live, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}, "Pod", "v1")
    assert out["metadata"]["finalizers"] == ["a", "c"]


def test_patch_delete_removes_list_element():
    live = deployment({"name": "a"}, {"name": "b"})
    out = smp(live, {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "a"}],
        "containers": [{"$patch": "delete", "name": "b"}]}}}})
    assert containers(out) == [{"name": "a"}]


def test_patch_replace_on_list():
    live = deployment({"name": "a", "image": "1"}, {"name": "b"})
    out = smp(live, {"spec": {"template": {"spec": {"containers": [
        {"$patch": "replace"}, {"name": "c", "image": "2"}]}}}})
    assert containers(out) == [{"name": "c", "image": "2"}]


def test_patch_replace_on_map():
    live = deployment(NGINX)
    out = smp(live, {"spec": {"template": {"metadata": {"$patch": "replace",
                                                        "labels": {"v": "2"}}}}})
    assert out["spec"]["template"]["metadata"] == {"labels": {"v": "2"}}


def test_patch_delete_on_map_empties_it():
    out = smp({"spec": {"strategy": {"type": "Recreate"}}},
              {"spec": {"strategy": {"$patch": "delete"}}})
    assert out["spec"]["strategy"] == {}


def test_patch_merge_on_map_is_the_default():
    out = smp({"spec": {"a": 1}}, {"spec": {"$patch": "merge", "b": 2}})
    assert out["spec"] == {"a": 1, "b": 2}


def test_retain_keys_switches_union_member():
    live = {"spec": {"strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%"}}}}
    out = smp(live, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_retain_keys_must_list_patched_keys():
    with pytest.raises(BadRequest):
        smp({"spec": {"strategy": {}}},
            {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}})


def test_new_subtrees_lose_nulls_and_directives():
    out = smp({"spec": {}}, {"spec": {"template": {"metadata": {"labels": {"a": None, "b": "1"}},
                                                  "spec": {"$setElementOrder/containers": [],
                                                           "x": None}}}})
    assert out["spec"]["template"] == {"metadata": {"labels": {"b": "1"}}, "spec": {}}


def test_pdb_selector_is_replaced():
    live = {"spec": {"selector": {"matchLabels": {"a": "1"}}}}
    out = smp(live, {"spec": {"selector": {"matchExpressions": []}}}, "PodDisruptionBudget",
              "policy/v1")
    assert out["spec"]["selector"] == {"matchExpressions": []}


def test_type_change_replaces():
    assert smp({"spec": {"x": [1]}}, {"spec": {"x": {"a": 1}}}) == {"spec": {"x": {"a": 1}}}


def test_input_is_not_mutated():
    live, patch = deployment(NGINX), {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}],
        "containers": [{"name": "nginx", "env": [{"$patch": "delete", "name": "A"}]}]}}}}
    before = (json.dumps(live), json.dumps(patch))
    smp(copy.deepcopy(live), patch)
    smp(live, patch)
    assert (json.dumps(live), json.dumps(patch)) == before


@pytest.mark.parametrize("patch, error", [
    ([], BadRequest),
    ("x", BadRequest),
    ({"spec": {"$patch": "explode"}}, BadRequest),
    ({"spec": {"template": {"spec": {"containers": [{"image": "no-name"}]}}}}, BadRequest),
    ({"spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "wat"}]}}}},
     BadRequest),
    ({"spec": {"template": {"spec": {"containers": [{"$patch": "merge"}]}}}}, BadRequest),
    ({"spec": {"template": {"spec": {"containers": [[1]]}}}}, Invalid),
    ({"spec": {"template": {"spec": {"containers": [{"name": "a"}, "b"]}}}}, BadRequest),
    ({"spec": {"template": {"spec": {"$setElementOrder/containers": "x"}}}}, BadRequest),
    ({"spec": {"template": {"spec": {"$setElementOrder": []}}}}, BadRequest),
    ({"metadata": {"$deleteFromPrimitiveList": ["a"]}}, BadRequest),
    ({"spec": {"strategy": {"$retainKeys": "type"}}}, BadRequest),
])
def test_malformed_patches(patch, error):
    with pytest.raises(error):
        smp(deployment({"name": "nginx"}, strategy={"type": "Recreate"}), patch)


def test_schema_table_follows_upstream_tags():
    deploy = schema_for("Deployment", "apps/v1")
    ports = deploy.at(("spec", "template", "spec", "containers", "ports"))
    assert (ports.merge_key, ports.map_keys) == ("containerPort", ("containerPort", "protocol"))
    assert deploy.at(("spec", "template", "spec", "volumes")).retain_keys
    assert deploy.at(("spec", "selector")).atomic
    cron = schema_for("CronJob", "batch/v1")
    assert cron.at(("spec", "jobTemplate", "spec", "template", "spec", "containers")).merge_key \
        == "name"
    assert schema_for("Node", "v1").at(("spec", "taints")).merge_key == ""
