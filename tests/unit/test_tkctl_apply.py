"""The three-way strategic merge patch of client-side apply."""
import json

import pytest

from kubectl.apply import LAST_APPLIED, three_way_patch, with_last_applied
from kubectl.openapi import FallbackSchema

pytestmark = pytest.mark.unit
SCHEMA = FallbackSchema()


def deployment(image="nginx:1.25", env=True, replicas=2):
    container = {"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}
    if env:
        container["env"] = [{"name": "A", "value": "1"}]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"replicas": replicas,
                     "template": {"spec": {"containers": [container]}}}}


def live_from(manifest, **server_fields):
    live = json.loads(json.dumps(with_last_applied(manifest)))
    live["metadata"].update({"uid": "u1", "resourceVersion": "5"})
    live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
    live["spec"].update(server_fields)
    return live


def test_unchanged_manifest_gives_an_empty_patch():
    applied = deployment()
    live = live_from(applied, revisionHistoryLimit=10)
    assert three_way_patch(applied, with_last_applied(applied), live, SCHEMA) == {}


def test_changed_image_and_dropped_env():
    old, new = deployment(), deployment(image="nginx:1.26", env=False)
    patch = three_way_patch(old, with_last_applied(new), live_from(old), SCHEMA)
    spec = patch["spec"]["template"]["spec"]
    assert spec["$setElementOrder/containers"] == [{"name": "nginx"}]
    assert spec["containers"] == [{"name": "nginx", "image": "nginx:1.26", "env": None}]
    assert json.loads(patch["metadata"]["annotations"][LAST_APPLIED]) == \
        json.loads(with_last_applied(new)["metadata"]["annotations"][LAST_APPLIED])


def test_fields_set_by_others_are_kept_unless_applied():
    applied = deployment()
    live = live_from(applied)
    live["spec"]["replicas"] = 5                     # kubectl scale
    live["metadata"]["labels"] = {"added": "by-label"}
    patch = three_way_patch(applied, with_last_applied(applied), live, SCHEMA)
    assert patch == {"spec": {"replicas": 2}}        # replicas is in last-applied: reset it


def test_removed_list_element_is_deleted_by_merge_key():
    old = deployment()
    old["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    new = deployment()
    patch = three_way_patch(old, with_last_applied(new), live_from(old), SCHEMA)
    containers = patch["spec"]["template"]["spec"]["containers"]
    assert {"$patch": "delete", "name": "side"} in containers


def test_finalizers_use_primitive_list_directives():
    old = {"metadata": {"name": "x", "finalizers": ["a", "b"]}}
    new = {"metadata": {"name": "x", "finalizers": ["a", "c"]}}
    patch = three_way_patch(old, new, old, SCHEMA)
    assert patch["metadata"]["finalizers"] == ["c"]
    assert patch["metadata"]["$deleteFromPrimitiveList/finalizers"] == ["b"]


def test_without_schema_lists_are_replaced_whole():
    old = {"spec": {"items": [{"name": "a", "v": 1}]}}
    new = {"spec": {"items": [{"name": "a", "v": 2}]}}
    assert three_way_patch(old, new, old, None) == {"spec": {"items": [{"name": "a", "v": 2}]}}


def test_last_applied_is_compact_sorted_json_with_a_newline():
    annotated = with_last_applied({"kind": "ConfigMap", "apiVersion": "v1",
                                   "metadata": {"name": "c"}, "data": {"b": "<", "a": "1"}})
    text = annotated["metadata"]["annotations"][LAST_APPLIED]
    assert text == ('{"apiVersion":"v1","data":{"a":"1","b":"\\u003c"},"kind":"ConfigMap",'
                    '"metadata":{"annotations":{},"name":"c"}}\n')
