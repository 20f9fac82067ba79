"""PodSecurity: upstream's checks and messages per level, and the plugin's modes."""
from __future__ import annotations

import pytest

from apiserver.admission import AdmissionRequest
from apiserver.admission.plugins.pod_security import PodSecurity, policy
from apiserver.admission.plugins.pod_security_checks import describe, evaluate
from apiserver.auth.tokens import User
from machinery.api import resources
from machinery.api.errors import Forbidden
from tests.unit.test_admission_plugins import FakeStore
from tests.unit.test_rbac_authorizer import FakeCtx

pytestmark = pytest.mark.unit

PODS = resources.lookup("", "v1", "pods")
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")
NAMESPACES = resources.lookup("", "v1", "namespaces")

RESTRICTED_OK = {"securityContext": {"runAsNonRoot": True,
                                     "seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [{"name": "app", "securityContext": {
                     "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}


def spec(**container_sc):
    return {"containers": [{"name": "app", "securityContext": container_sc}]}


def test_privileged_level_checks_nothing():
    assert evaluate("privileged", {}, {"hostNetwork": True, **spec(privileged=True)}) == []


def test_baseline_messages():
    s = {"hostNetwork": True, "hostPID": True,
         "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
         "containers": [{"name": "a", "securityContext": {
             "privileged": True, "capabilities": {"add": ["NET_ADMIN", "CHOWN"]}},
             "ports": [{"containerPort": 80, "hostPort": 80}]}]}
    assert describe(evaluate("baseline", {}, s)) == (
        'host namespaces (hostNetwork=true, hostPID=true), '
        'hostPort (container "a" uses hostPort 80), '
        'privileged (container "a" must not set securityContext.privileged=true), '
        'non-default capabilities (container "a" must not include "NET_ADMIN" in '
        'securityContext.capabilities.add), '
        'hostPath volumes (volume "root")')


def test_restricted_message_for_a_privileged_pod():
    assert describe(evaluate("restricted", {}, spec(privileged=True))) == (
        'privileged (container "app" must not set securityContext.privileged=true), '
        'allowPrivilegeEscalation != false (container "app" must set '
        'securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "app" must set '
        'securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "app" must set '
        'securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type '
        'to "RuntimeDefault" or "Localhost")')


def test_a_compliant_pod_passes_restricted():
    assert evaluate("restricted", {}, RESTRICTED_OK) == []
    bad_volume = {**RESTRICTED_OK, "volumes": [{"name": "h", "hostPath": {"path": "/x"}}]}
    assert evaluate("restricted", {}, bad_volume) == [
        ("restricted volume types", 'volume "h" uses restricted volume type "hostPath"')]


def test_policy_from_labels():
    labels = {"pod-security.kubernetes.io/enforce": "baseline",
              "pod-security.kubernetes.io/enforce-version": "v1.30"}
    assert policy(labels, "enforce") == ("baseline", "v1.30")
    assert policy(labels, "warn") == ("privileged", "latest")


def _ctx(labels):
    ctx = FakeCtx()
    ctx.store = FakeStore()
    ctx.add(NAMESPACES, {"metadata": {"name": "ns", "labels": labels}})
    return ctx


def _req(ctx, obj, info=PODS):
    return AdmissionRequest("CREATE", info, "ns", obj["metadata"]["name"], None, obj, None,
                            User("jane"), False, ctx, [])


async def test_enforce_refuses_with_upstreams_message():
    ctx = _ctx({"pod-security.kubernetes.io/enforce": "restricted"})
    req = _req(ctx, {"metadata": {"name": "p"}, "spec": spec(privileged=True)})
    with pytest.raises(Forbidden) as e:
        await PodSecurity().validate(req)
    assert e.value.message.startswith(
        'pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged '
        '(container "app" must not set securityContext.privileged=true), ')


async def test_warn_mode_and_workloads_only_warn():
    ctx = _ctx({"pod-security.kubernetes.io/warn": "baseline",
                "pod-security.kubernetes.io/enforce": "restricted"})
    req = _req(ctx, {"metadata": {"name": "d"}, "spec": {"template": {
        "metadata": {}, "spec": spec(privileged=True)}}}, DEPLOYMENTS)
    await PodSecurity().validate(req)
    assert [w.split(":")[0] for w in req.warnings] == [
        'would violate PodSecurity "restricted', 'would violate PodSecurity "baseline']
    ok = _req(ctx, {"metadata": {"name": "p"}, "spec": RESTRICTED_OK})
    await PodSecurity().validate(ok)
    assert ok.warnings == []
