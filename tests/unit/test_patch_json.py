"""RFC 6902 JSON patch and the Content-Type mapping."""
import pytest

from apiserver.patch import apply_json_patch, patch_type
from machinery.api.errors import BadRequest, Invalid, UnsupportedMediaType

pytestmark = pytest.mark.unit

DOC = {"metadata": {"name": "web", "annotations": {"a/b": "1", "m~n": "2"}},
       "spec": {"replicas": 2, "list": [1, 2, 3]}}


@pytest.mark.parametrize("ops, expected", [
    ([{"op": "add", "path": "/spec/paused", "value": True}],
     {"replicas": 2, "list": [1, 2, 3], "paused": True}),
    ([{"op": "add", "path": "/spec/list/-", "value": 4}], {"replicas": 2, "list": [1, 2, 3, 4]}),
    ([{"op": "add", "path": "/spec/list/0", "value": 0}], {"replicas": 2, "list": [0, 1, 2, 3]}),
    ([{"op": "add", "path": "/spec/list/3", "value": 9}], {"replicas": 2, "list": [1, 2, 3, 9]}),
    ([{"op": "remove", "path": "/spec/list/1"}], {"replicas": 2, "list": [1, 3]}),
    ([{"op": "replace", "path": "/spec/replicas", "value": 5}], {"replicas": 5, "list": [1, 2, 3]}),
    ([{"op": "move", "from": "/spec/replicas", "path": "/spec/count"}],
     {"list": [1, 2, 3], "count": 2}),
    ([{"op": "copy", "from": "/spec/list", "path": "/spec/copy"}],
     {"replicas": 2, "list": [1, 2, 3], "copy": [1, 2, 3]}),
    ([{"op": "test", "path": "/spec/replicas", "value": 2.0},
      {"op": "replace", "path": "/spec/replicas", "value": 3}], {"replicas": 3, "list": [1, 2, 3]}),
])
def test_operations(ops, expected):
    assert apply_json_patch(DOC, ops)["spec"] == expected


def test_pointer_escapes():
    out = apply_json_patch(DOC, [
        {"op": "replace", "path": "/metadata/annotations/a~1b", "value": "x"},
        {"op": "remove", "path": "/metadata/annotations/m~0n"}])
    assert out["metadata"]["annotations"] == {"a/b": "x"}


def test_input_is_not_mutated():
    before = repr(DOC)
    apply_json_patch(DOC, [{"op": "add", "path": "/spec/list/-", "value": 4}])
    assert repr(DOC) == before


def test_rollout_undo_patch():
    """kubectl rollout undo replaces the template and the annotations in one JSON patch."""
    live = {"metadata": {"name": "web", "annotations": {"deployment.kubernetes.io/revision": "3",
                                                        "kubernetes.io/change-cause": "v3"}},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                "containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}}
    template = {"metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                         "ports": [{"containerPort": 80}], "resources": {}}]}}
    annotations = {"deployment.kubernetes.io/revision": "2",
                   "kubectl.kubernetes.io/last-applied-configuration": "{}\n"}
    out = apply_json_patch(live, [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations}])
    assert out["spec"]["template"] == template
    assert out["metadata"]["annotations"] == annotations
    assert out["spec"]["replicas"] == 2


@pytest.mark.parametrize("ops", [
    [{"op": "test", "path": "/spec/replicas", "value": 3}],
    [{"op": "test", "path": "/spec/replicas", "value": True}],
    [{"op": "replace", "path": "/spec/missing", "value": 1}],
    [{"op": "remove", "path": "/spec/missing"}],
    [{"op": "remove", "path": "/spec/list/3"}],
    [{"op": "add", "path": "/spec/list/5", "value": 1}],
    [{"op": "add", "path": "/spec/list/01", "value": 1}],
    [{"op": "add", "path": "/nope/deeper", "value": 1}],
    [{"op": "add", "path": "spec", "value": 1}],
    [{"op": "add", "path": "/spec/x~2", "value": 1}],
    [{"op": "add", "path": "/spec/replicas/x", "value": 1}],
    [{"op": "bogus", "path": "/spec"}],
    [{"path": "/spec"}],
    [{"op": "add", "path": "/spec/x"}],
    [{"op": "move", "path": "/spec/x"}],
    [{"op": "move", "from": "/spec", "path": "/spec/inner"}],
    [{"op": "replace", "path": "", "value": [1]}],
    [{"op": "remove", "path": ""}],
])
def test_unappliable_operations_are_invalid(ops):
    with pytest.raises(Invalid) as err:
        apply_json_patch(DOC, ops)
    assert err.value.code == 422


@pytest.mark.parametrize("ops", [{"op": "add"}, "x", None, [1], [["op"]]])
def test_malformed_patch_is_bad_request(ops):
    with pytest.raises(BadRequest):
        apply_json_patch(DOC, ops)


def test_failed_test_leaves_no_partial_result():
    with pytest.raises(Invalid):
        apply_json_patch(DOC, [{"op": "replace", "path": "/spec/replicas", "value": 9},
                               {"op": "test", "path": "/spec/replicas", "value": 2}])
    assert DOC["spec"]["replicas"] == 2


@pytest.mark.parametrize("content_type, expected", [
    ("application/json-patch+json", "json"),
    ("application/merge-patch+json", "merge"),
    ("application/strategic-merge-patch+json", "strategic"),
    ("application/apply-patch+yaml", "apply"),
    ("application/merge-patch+json; charset=utf-8", "merge"),
    ("Application/Apply-Patch+YAML", "apply"),
])
def test_patch_type(content_type, expected):
    assert patch_type(content_type) == expected


@pytest.mark.parametrize("content_type", ["application/json", "", "text/plain",
                                          "application/yaml"])
def test_unknown_patch_type_is_415(content_type):
    with pytest.raises(UnsupportedMediaType) as err:
        patch_type(content_type)
    assert err.value.code == 415
    assert "application/strategic-merge-patch+json" in err.value.message
