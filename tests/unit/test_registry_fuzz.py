"""Junk thrown at every strategy: defaulting never raises, validation only returns causes."""
from __future__ import annotations

import copy
import random

import pytest

from apiserver.registry import strategy_for
from machinery.api.resources import RESOURCES

pytestmark = pytest.mark.unit

_SCALARS = [None, True, False, 0, -1, 1, 70000, 1.5, "", "x", "Always", "None", "TCP", "25%",
            "-1", "500m", "1Gi", "abc def", "*/5 * * * *", "10.0.0.1", "a/b/c", {}, []]
_KEYS = ["metadata", "spec", "status", "name", "namespace", "labels", "annotations", "template",
         "containers", "initContainers", "volumes", "ports", "selector", "matchLabels",
         "matchExpressions", "operator", "values", "key", "replicas", "strategy", "rollingUpdate",
         "maxSurge", "maxUnavailable", "type", "image", "env", "valueFrom", "fieldRef",
         "resources", "limits", "requests", "cpu", "memory", "storage", "livenessProbe",
         "httpGet", "port", "targetPort", "nodePort", "clusterIP", "clusterIPs", "restartPolicy",
         "schedule", "jobTemplate", "rules", "http", "paths", "backend", "service", "data",
         "subsets", "addresses", "endpoints", "roleRef", "subjects", "verbs", "accessModes",
         "capacity", "volumeMounts", "mountPath", "tolerations", "affinity", "updateStrategy",
         "volumeClaimTemplates", "behavior", "metrics", "scaleUp", "policies", "hostPath",
         "configMap", "secret", "items", "finalizers", "ownerReferences", "stringData",
         "sessionAffinity", "sessionAffinityConfig", "clientIP", "ipFamilies", "taints",
         "podCIDRs", "target", "involvedObject", "regarding", "addressType", "timeZone"]


def _junk(rng: random.Random, depth: int) -> object:
    roll = rng.random()
    if depth <= 0 or roll < 0.35:
        return rng.choice(_SCALARS)
    if roll < 0.55:
        return [_junk(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(_KEYS): _junk(rng, depth - 1) for _ in range(rng.randint(0, 5))}


def _mutations(rng: random.Random, base: dict, count: int) -> list[dict]:
    """Valid-looking objects with random subtrees replaced by junk."""
    out = []
    for _ in range(count):
        obj = copy.deepcopy(base)
        node = obj
        for _ in range(rng.randint(1, 6)):
            if isinstance(node, dict) and node:
                key = rng.choice(list(node))
                if rng.random() < 0.3:
                    node[key] = _junk(rng, 3)
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                i = rng.randrange(len(node))
                if rng.random() < 0.3:
                    node[i] = _junk(rng, 3)
                    break
                node = node[i]
            else:
                break
        out.append(obj)
    return out


_BASE = {
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
            "containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}],
                            "livenessProbe": {"httpGet": {"port": 80}},
                            "resources": {"limits": {"cpu": "1"}},
                            "env": [{"name": "A", "valueFrom": {"fieldRef": {
                                "fieldPath": "metadata.name"}}}],
                            "volumeMounts": [{"name": "v", "mountPath": "/v"}]}],
            "volumes": [{"name": "v", "configMap": {"name": "cm"}}]}},
        "ports": [{"port": 80, "nodePort": 30001}], "type": "NodePort",
        "schedule": "* * * * *", "jobTemplate": {"spec": {"template": {}}},
        "rules": [{"http": {"paths": [{"path": "/", "backend": {}}]}}],
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
    },
    "data": {"k": "dg=="}, "rules": [{"verbs": ["get"]}], "subsets": [{"ports": [{}]}],
    "endpoints": [{"addresses": ["10.0.0.1"]}], "addressType": "IPv4",
    "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "User", "name": "u"}],
}


@pytest.mark.parametrize("info", RESOURCES, ids=lambda r: f"{r.group or 'core'}.{r.kind}")
def test_strategies_survive_junk(info):
    rng = random.Random(f"{info.group}/{info.version}/{info.kind}")
    strategy = strategy_for(info)
    samples = [_junk(rng, 5) for _ in range(250)] + _mutations(rng, _BASE, 400)
    for sample in samples:
        if not isinstance(sample, dict):
            sample = {"spec": sample}
        old = copy.deepcopy(sample)
        strategy.prepare_create(sample)
        strategy.default(sample)
        causes = strategy.validate(sample)
        assert isinstance(causes, list)
        for c in causes:
            assert set(c) == {"reason", "message", "field"}, c
            assert c["reason"] != "InternalError", (c, sample)
        strategy.prepare_update(sample, old)
        update_causes = strategy.validate(sample, old)
        assert all(c["reason"] != "InternalError" for c in update_causes), (update_causes, sample)
        status_causes = strategy.validate_status(sample, old)
        assert all(c["reason"] != "InternalError" for c in status_causes)


def test_defaulting_does_not_raise_on_junk(caplog):
    rng = random.Random(7)
    for info in RESOURCES:
        strategy = strategy_for(info)
        for _ in range(100):
            sample = _junk(rng, 5)
            strategy.default(sample if isinstance(sample, dict) else {"spec": sample})
    assert "defaulting failed" not in caplog.text
