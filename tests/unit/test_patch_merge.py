"""RFC 7386 merge patch, with the patches kubectl label/annotate/scale send."""
import pytest

from apiserver.patch import apply_merge_patch
from machinery.api.errors import BadRequest

pytestmark = pytest.mark.unit

POD = {"metadata": {"name": "p", "labels": {"app": "web", "tier": "frontend"}},
       "spec": {"containers": [{"name": "a"}, {"name": "b"}]}}


@pytest.mark.parametrize("patch, path, expected", [
    ({"metadata": {"labels": {"env": "prod"}}}, "labels",
     {"app": "web", "tier": "frontend", "env": "prod"}),
    ({"metadata": {"labels": {"tier": None}}}, "labels", {"app": "web"}),         # label tier-
    ({"metadata": {"labels": None}}, "labels", None),
    ({"metadata": {"annotations": {"note": "x"}}}, "annotations", {"note": "x"}),
])
def test_metadata_patches(patch, path, expected):
    assert apply_merge_patch(POD, patch)["metadata"].get(path) == expected


def test_lists_are_replaced():
    out = apply_merge_patch(POD, {"spec": {"containers": [{"name": "c"}]}})
    assert out["spec"]["containers"] == [{"name": "c"}]


def test_scale_patch():
    out = apply_merge_patch({"spec": {"replicas": 1, "selector": {}}}, {"spec": {"replicas": 3}})
    assert out == {"spec": {"replicas": 3, "selector": {}}}


def test_nested_nulls_in_new_maps_are_dropped():
    out = apply_merge_patch({}, {"spec": {"a": {"b": None, "c": 1}}})
    assert out == {"spec": {"a": {"c": 1}}}


def test_scalar_replaced_by_map_and_back():
    assert apply_merge_patch({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}
    assert apply_merge_patch({"a": {"b": 2}}, {"a": 1}) == {"a": 1}


def test_input_is_not_mutated():
    before = repr(POD)
    apply_merge_patch(POD, {"metadata": {"labels": {"app": None, "x": "y"}}})
    assert repr(POD) == before


@pytest.mark.parametrize("patch", [[], "x", 1, None, [{"a": 1}]])
def test_non_object_patch_is_bad_request(patch):
    with pytest.raises(BadRequest):
        apply_merge_patch(POD, patch)
