"""The Table envelope, includeObject, human durations, and rows of malformed objects."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from apiserver.tables import build_table, column_definitions, human_duration, row_for
from apiserver.tables import registry
from apiserver.tables.columns import Printer, name_col
from apiserver.tables.registry import printer_for
from machinery.api.resources import RESOURCES, lookup

pytestmark = pytest.mark.unit

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
PODS = lookup("", "v1", "pods")
H, D = 3600, 86400


@pytest.mark.parametrize("seconds, expected", [
    (0, "0s"), (1.9, "1s"), (59, "59s"), (119, "119s"), (120, "2m"), (310, "5m10s"),
    (599, "9m59s"), (600, "10m"), (3 * H - 1, "179m"), (3 * H, "3h"), (3 * H + 300, "3h5m"),
    (8 * H - 60, "7h59m"), (8 * H, "8h"), (47 * H, "47h"), (2 * D, "2d"), (2 * D + 3 * H, "2d3h"),
    (8 * D - H, "7d23h"), (8 * D, "8d"), (729 * D, "729d"), (730 * D, "2y"),
    (733 * D, "2y3d"), (365 * 3 * D + 45 * D, "3y45d"), (8 * 365 * D, "8y"),
    (20 * 365 * D + 100 * D, "20y"), (-1, "0s"), (-1.5, "0s"), (-2, "<invalid>"),
])
def test_human_duration(seconds, expected):
    assert human_duration(seconds) == expected


def _pod(name: str = "web-1") -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "prod", "labels": {"app": "web"},
                         "creationTimestamp": "2025-01-01T11:00:00Z", "resourceVersion": "7",
                         "uid": "u-1"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            "status": {"phase": "Running"}}


def test_table_envelope():
    table = build_table(PODS, [_pod("a"), _pod("b")], NOW, resource_version="1022",
                        continue_token="tok")
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "1022", "continue": "tok"}
    assert table["columnDefinitions"] == column_definitions(PODS)
    assert [row["cells"][0] for row in table["rows"]] == ["a", "b"]
    bare = build_table(PODS, [], NOW, with_columns=False)
    assert bare["metadata"] == {} and bare["columnDefinitions"] == [] and bare["rows"] == []


def test_row_object_is_partial_metadata_by_default():
    obj = _pod()
    row = row_for(PODS, obj, NOW)
    assert row["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": obj["metadata"]}
    assert row["object"]["metadata"]["namespace"] == "prod"
    assert row["object"]["metadata"]["labels"] == {"app": "web"}
    row["object"]["metadata"]["labels"]["x"] = "y"
    assert "x" not in obj["metadata"]["labels"]          # the stored object is never shared


def test_row_object_full_and_none():
    obj = _pod()
    del obj["apiVersion"], obj["kind"]
    full = row_for(PODS, obj, NOW, include_object="Object")["object"]
    assert full["apiVersion"] == "v1" and full["kind"] == "Pod"
    assert full["spec"] == obj["spec"] and "kind" not in obj
    assert "object" not in row_for(PODS, obj, NOW, include_object="None")
    deploy = lookup("apps", "v1", "deployments")
    assert row_for(deploy, {"metadata": {"name": "d"}}, NOW, "Object")["object"]["apiVersion"] \
        == "apps/v1"


def test_every_resource_has_columns_and_a_name_column():
    for info in RESOURCES:
        cols = column_definitions(info)
        named = [c for c in cols if c["format"] == "name"]
        assert len(named) == 1 and named[0]["name"] == "Name", info.kind
        assert all(set(c) == {"name", "type", "format", "description", "priority"}
                   for c in cols)
        assert all(c["priority"] in (0, 1) for c in cols)


def test_integer_columns_hold_integers():
    samples = {("apps", "ReplicaSet"): {"spec": {"replicas": 2}},
               ("apps", "DaemonSet"): {"status": {"numberReady": 1}},
               ("batch", "CronJob"): {"status": {"active": [{}]}},
               ("policy", "PodDisruptionBudget"): {"status": {"disruptionsAllowed": 2}}}
    for info in RESOURCES:
        obj = {"metadata": {"name": "x"}, **samples.get((info.group, info.kind), {})}
        cols, cells = column_definitions(info), row_for(info, obj, NOW)["cells"]
        for column, cell in zip(cols, cells, strict=True):
            if column["type"] == "integer":
                assert isinstance(cell, int) and not isinstance(cell, bool), (info.kind, column)


def test_a_failing_printer_degrades_to_placeholders(monkeypatch):
    def broken(obj, now):
        raise RuntimeError("bug")
    printer = Printer((name_col(), name_col().__class__("Status")), broken)
    monkeypatch.setitem(registry.PRINTERS, ("", "Pod"), printer)
    assert row_for(PODS, _pod(), NOW)["cells"] == ["web-1", "<unknown>"]


# --- malformed objects ----------------------------------------------------------------------

_KEYS = ["metadata", "spec", "status", "name", "creationTimestamp", "deletionTimestamp",
         "labels", "annotations", "ownerReferences", "containers", "initContainers",
         "containerStatuses", "initContainerStatuses", "conditions", "state", "lastState",
         "waiting", "terminated", "running", "reason", "restartCount", "ready", "started",
         "finishedAt", "podIP", "podIPs", "ports", "port", "nodePort", "protocol", "type",
         "selector", "matchLabels", "matchExpressions", "values", "operator", "key", "replicas",
         "template", "jobTemplate", "subsets", "addresses", "endpoints", "ip", "hostname",
         "loadBalancer", "ingress", "rules", "host", "tls", "metrics", "currentMetrics",
         "resource", "target", "current", "averageUtilization", "averageValue", "value",
         "hard", "used", "subjects", "roleRef", "kind", "capacity", "storage", "accessModes",
         "claimRef", "nodeInfo", "involvedObject", "regarding", "series", "count", "source",
         "eventTime", "firstTimestamp", "lastTimestamp", "completions", "parallelism",
         "startTime", "completionTime", "active", "lastScheduleTime", "suspend", "timeZone",
         "minAvailable", "maxUnavailable", "data", "binaryData", "secrets", "externalIPs",
         "clusterIP", "clusterIPs", "readinessGates", "conditionType", "controller",
         "parameters", "apiVersion", "revision", "unschedulable", "minReplicas", "maxReplicas",
         "scaleTargetRef", "restartPolicy", "exitCode", "signal", "phase", "holderIdentity"]


def _junk(rng: random.Random, depth: int = 0):
    choice = rng.randrange(10 if depth < 5 else 6)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, 3, -7, 2**40, 1.5, 2.0])
    if choice == 3:
        return rng.choice(["", "x", "True", "2025-01-01T11:00:00Z", "Always", "In", "Ready",
                           "not a time", "::1", "LoadBalancer", "Resource", "limits.cpu"])
    if choice in (4, 5):
        return rng.choice([[], {}, "[]", 0])
    if choice in (6, 7):
        return {rng.choice(_KEYS): _junk(rng, depth + 1) for _ in range(rng.randrange(1, 6))}
    return [_junk(rng, depth + 1) for _ in range(rng.randrange(0, 4))]


def _mutate(rng: random.Random, value, depth: int = 0):
    """A copy of a realistic object with some subtrees replaced by junk."""
    if rng.random() < 0.15:
        return _junk(rng, depth)
    if isinstance(value, dict):
        return {k: _mutate(rng, v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_mutate(rng, v, depth + 1) for v in value]
    return value


def _realistic(info) -> dict:
    base = _pod()
    base["status"] = {"phase": "Running", "podIP": "10.0.0.1", "conditions": [
        {"type": "Ready", "status": "True"}], "containerStatuses": [
        {"name": "app", "ready": True, "restartCount": 2, "state": {"running": {}},
         "lastState": {"terminated": {"finishedAt": "2025-01-01T11:58:00Z"}}}]}
    base["spec"].update(selector={"matchLabels": {"a": "b"}}, template={"spec": base["spec"]},
                        ports=[{"port": 80, "nodePort": 30001}], type="LoadBalancer")
    return base


@pytest.mark.parametrize("info", RESOURCES, ids=lambda r: f"{r.group}/{r.version}/{r.kind}")
def test_printers_never_raise_on_malformed_objects(info):
    rng = random.Random(f"{info.group}/{info.version}/{info.kind}")
    printer = printer_for(info)
    for attempt in range(400):
        obj = _junk(rng) if attempt % 2 else _mutate(rng, _realistic(info))
        obj = obj if isinstance(obj, dict) else {"metadata": obj}
        cells = printer.cells(obj, NOW)          # the printer itself, without row_for's guard
        assert len(cells) == len(printer.columns)
        assert all(isinstance(cell, (str, int, bool)) for cell in cells)
        row = row_for(info, obj, NOW, include_object=rng.choice(["Metadata", "Object", "None"]))
        assert row["cells"] == cells


def test_non_dict_object_and_naive_now():
    assert row_for(PODS, "garbage", NOW)["cells"][:5] == ["", "0/0", "", "0", "<unknown>"]
    naive = datetime(2025, 1, 1, 12, 0, 0)
    assert row_for(PODS, _pod(), naive)["cells"][4] == "60m"


def test_go_zero_time_and_saturated_ages():
    info = lookup("", "v1", "configmaps")
    zero = {"metadata": {"name": "c", "creationTimestamp": "0001-01-01T00:00:00Z"}}
    assert row_for(info, zero, NOW)["cells"][2] == "<unknown>"
    ancient = {"metadata": {"name": "c", "creationTimestamp": "1500-01-01T00:00:00Z"}}
    assert row_for(info, ancient, NOW)["cells"][2] == "292y"
    future = {"metadata": {"name": "c", "creationTimestamp": "2025-01-01T12:00:05Z"}}
    assert row_for(info, future, NOW)["cells"][2] == "<invalid>"
    role = lookup("rbac.authorization.k8s.io", "v1", "roles")
    assert row_for(role, {"metadata": {"name": "r"}}, NOW)["cells"] == [
        "r", "0001-01-01T00:00:00Z"]
