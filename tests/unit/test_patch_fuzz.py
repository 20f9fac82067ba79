"""Randomised garbage: no patch function may let anything but an ApiError escape."""
import random

import pytest

from apiserver.patch import (apply_json_patch, apply_merge_patch, apply_strategic_merge_patch,
                             server_side_apply, update_managed_fields)
from machinery.api.errors import ApiError

pytestmark = pytest.mark.unit

WORDS = ["spec", "template", "containers", "name", "env", "ports", "containerPort", "metadata",
         "labels", "finalizers", "ownerReferences", "uid", "$patch", "delete", "replace", "merge",
         "$retainKeys", "$setElementOrder/containers", "$deleteFromPrimitiveList/finalizers",
         "$setElementOrder", "op", "add", "remove", "test", "move", "copy", "path", "from",
         "value", "/spec", "/spec/template/spec/containers/0", "/-", "~2", "", "protocol",
         "apiVersion", "kind", "apps/v1", "Deployment", "managedFields", "fieldsV1", "f:spec"]


def garbage(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 5 or roll < 0.3:
        return rng.choice([None, True, False, 0, 1, -1, 2.5, "", rng.choice(WORDS), 10 ** 20])
    if roll < 0.6:
        return [garbage(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(WORDS): garbage(rng, depth + 1) for _ in range(rng.randint(0, 5))}


LIVE = {"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a"]},
        "spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx", "env": [{"name": "A", "value": "1"}],
             "ports": [{"containerPort": 80}]}]}}}}


def _calls(rng: random.Random):
    patch = garbage(rng)
    doc = rng.choice([LIVE, garbage(rng)])
    doc = doc if isinstance(doc, dict) else LIVE
    config = {"apiVersion": "apps/v1", "kind": "Deployment", **(patch if isinstance(patch, dict)
                                                                 else {})}
    return [
        lambda: apply_json_patch(doc, patch),
        lambda: apply_json_patch(doc, [garbage(rng) for _ in range(3)]),
        lambda: apply_merge_patch(doc, patch),
        lambda: apply_strategic_merge_patch(doc, patch, "Deployment", "apps/v1"),
        lambda: apply_strategic_merge_patch(LIVE, {"spec": {"template": {"spec": patch}}},
                                            "Deployment", "apps/v1"),
        lambda: server_side_apply(rng.choice([None, LIVE]), config, "m", rng.random() < 0.5,
                                  "Deployment", "apps/v1", "2024-01-01T00:00:00Z"),
        lambda: server_side_apply(LIVE, patch, "m", False, "Deployment", "apps/v1", "t"),
    ]


@pytest.mark.parametrize("seed", range(300))
def test_garbage_only_raises_api_errors(seed):
    rng = random.Random(seed)
    for call in _calls(rng):
        try:
            result = call()
        except ApiError as err:
            assert 400 <= err.code < 500
        else:
            assert isinstance(result, dict)


@pytest.mark.parametrize("seed", range(100))
def test_update_managed_fields_never_raises(seed):
    rng = random.Random(seed)
    new = {"kind": "Deployment", "metadata": {"managedFields": garbage(rng)}, "spec": garbage(rng)}
    update_managed_fields(LIVE, new, "m", now="t", api_version="apps/v1")
    assert isinstance(new["metadata"].get("managedFields", []), list)
