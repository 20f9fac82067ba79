"""The pure helpers other modules reuse: names, quantities, selectors, cron, image tags, QoS."""
from __future__ import annotations

from decimal import Decimal

import pytest

from apiserver.registry import (canonical_quantity, parse_quantity, pod_qos_class,
                                selector_matches_labels, validate_dns1123_label,
                                validate_dns1123_subdomain, validate_label_key,
                                validate_label_selector, validate_label_value)
from apiserver.registry.cron import parse_schedule
from apiserver.registry.pod_defaults import image_tag

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("value,ok", [("web", True), ("a.b-c", True), ("Web_1", False),
                                      ("-web", False), ("web.", False), ("a" * 254, False)])
def test_dns1123_subdomain(value, ok):
    assert (validate_dns1123_subdomain(value) == []) is ok


def test_dns1123_subdomain_length_message():
    assert validate_dns1123_subdomain("a" * 254)[0] == "must be no more than 253 characters"


@pytest.mark.parametrize("value,ok", [("web-1", True), ("1web", True), ("a.b", False),
                                      ("a" * 64, False), ("", False)])
def test_dns1123_label(value, ok):
    assert (validate_dns1123_label(value) == []) is ok


@pytest.mark.parametrize("key,ok", [("app", True), ("app.kubernetes.io/name", True),
                                    ("a/b/c", False), ("/name", False), ("Example.com/x", False),
                                    ("_x", False), ("x" * 64, False)])
def test_label_keys(key, ok):
    assert (validate_label_key(key) == []) is ok


@pytest.mark.parametrize("value,ok", [("", True), ("v1.2_x", True), ("-v", False),
                                      ("a b", False), ("x" * 64, False)])
def test_label_values(value, ok):
    assert (validate_label_value(value) == []) is ok


@pytest.mark.parametrize("text,value", [
    ("500m", Decimal("0.5")), ("1", Decimal(1)), ("1Ki", Decimal(1024)),
    ("1.5Gi", Decimal(1610612736)), ("2k", Decimal(2000)), ("1e3", Decimal(1000)),
    ("100n", Decimal("0.0000001")), (3, Decimal(3)), ("-1", Decimal(-1))])
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1Qi", "1.2.3", "12e", True, None, "1 Gi"])
def test_parse_quantity_rejects(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


@pytest.mark.parametrize("text,canonical", [
    ("0.5", "500m"), ("1000m", "1"), ("1024Mi", "1Gi"), ("1536Mi", "1536Mi"), ("0.5Gi", "512Mi"),
    ("2000", "2k"), ("1e3", "1e3"), ("0.0001", "1m"), ("512", "512"), (1, "1")])
def test_canonical_quantity(text, canonical):
    assert canonical_quantity(text, round_to_milli=True) == canonical


SELECTOR = {"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]},
                                 {"key": "canary", "operator": "DoesNotExist"}]}


@pytest.mark.parametrize("labels,matches", [
    ({"app": "web", "tier": "fe"}, True), ({"app": "web", "tier": "db"}, False),
    ({"app": "web"}, False), ({"app": "web", "tier": "be", "canary": "1"}, False),
    ({"app": "api", "tier": "fe"}, False)])
def test_selector_matching(labels, matches):
    assert selector_matches_labels(SELECTOR, labels) is matches


def test_selector_edge_cases():
    assert selector_matches_labels({}, {"a": "b"}) is True          # empty selects everything
    assert selector_matches_labels(None, {"a": "b"}) is False       # nil selects nothing
    assert selector_matches_labels({"matchExpressions": [
        {"key": "a", "operator": "NotIn", "values": ["x"]}]}, {}) is True
    assert selector_matches_labels({"matchExpressions": [
        {"key": "a", "operator": "Bogus"}]}, {"a": "x"}) is False
    assert selector_matches_labels({"matchLabels": "junk"}, {}) is False


def test_validate_label_selector_paths():
    causes = validate_label_selector({"matchLabels": {"a b": "x"}}, "spec.selector")
    assert [c["field"] for c in causes] == ["spec.selector.matchLabels"]
    assert validate_label_selector(SELECTOR, "spec.selector") == []
    assert validate_label_selector("junk", "spec.selector")[0]["message"] == \
        'Invalid value: "junk": must be of type object'


@pytest.mark.parametrize("schedule,error", [
    ("*/15 0-6,22 * * 1-5", None), ("@weekly", None), ("0 0 29 feb *", None),
    ("0 24 * * *", "end of range (24) above maximum (23): 24"),
    ("0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("*/2/3 * * * *", "too many slashes: */2/3")])
def test_cron_parser(schedule, error):
    assert parse_schedule(schedule) == error


@pytest.mark.parametrize("image,tag", [("nginx", "latest"), ("nginx:1.25", "1.25"),
                                       ("localhost:5000/app", "latest"), ("a@sha256:ff", ""),
                                       ("a:1@sha256:ff", "1"), ("Nginx", "")])
def test_image_tag(image, tag):
    assert image_tag(image) == tag


def _pod(*resources: dict) -> dict:
    return {"spec": {"containers": [{"name": f"c{i}", "resources": r}
                                    for i, r in enumerate(resources)]}}


def test_qos_classes():
    assert pod_qos_class(_pod({})) == "BestEffort"
    assert pod_qos_class(_pod({"limits": {"cpu": "1", "memory": "1Gi"}})) == "Guaranteed"
    assert pod_qos_class(_pod({"requests": {"cpu": "1"}})) == "Burstable"
    assert pod_qos_class(_pod({"limits": {"cpu": "1", "memory": "1Gi"}},
                              {"requests": {"memory": "1Gi"}})) == "Burstable"
    assert pod_qos_class(_pod({"requests": {"cpu": "500m", "memory": "1Gi"},
                               "limits": {"cpu": "1", "memory": "1Gi"}})) == "Burstable"
