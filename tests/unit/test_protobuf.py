"""Decoding of kubectl's protobuf request bodies (apiserver/protobuf).

The fixtures are real bodies captured from /usr/bin/kubectl by
tests/unit/fixtures/protobuf/capture_server.py; each `<name>.json` next to a `<name>.pb` is the
same command's `--dry-run=client -o json` output, i.e. upstream's own JSON for the same object.
Hand-built messages below cover the quirks no generator exercises.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from apiserver.protobuf import MAGIC, decode_body, decode_message, is_protobuf
from apiserver.protobuf.registry import KINDS, MESSAGES, message_for
from apiserver.protobuf.values import go_duration
from machinery.api.errors import BadRequest

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures" / "protobuf"
ORACLE_CASES = sorted(p.stem for p in FIXTURES.glob("*.json")
                      if (FIXTURES / f"{p.stem}.pb").exists())
ALL_BODIES = sorted(FIXTURES.glob("*.pb"))


def body_of(name: str) -> bytes:
    return (FIXTURES / f"{name}.pb").read_bytes()


def without_nulls(value: Any) -> Any:
    """Go prints `creationTimestamp: null`; the decoder leaves such fields out."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


# --- a tiny, independent protobuf writer for hand-built messages ------------------------------

def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def vfield(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def lfield(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(data)) + data


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = lfield(1, api_version) + lfield(2, kind)
    return MAGIC + lfield(1, type_meta) + lfield(2, raw) + lfield(3, b"") + lfield(4, b"")


def entry(key: str, value: bytes | str) -> bytes:
    return lfield(1, key) + lfield(2, value)


# --- real kubectl bodies ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ORACLE_CASES)
def test_generator_body_equals_kubectl_dry_run_json(name: str) -> None:
    oracle = json.loads((FIXTURES / f"{name}.json").read_text())
    assert decode_body(body_of(name)) == without_nulls(oracle)


def test_oracle_cases_cover_every_generator() -> None:
    kinds = {json.loads((FIXTURES / f"{n}.json").read_text())["kind"] for n in ORACLE_CASES}
    assert kinds >= {"Namespace", "Deployment", "ConfigMap", "Secret", "Service", "Job", "CronJob",
                     "ServiceAccount", "ResourceQuota", "PriorityClass", "Role", "ClusterRole",
                     "RoleBinding", "ClusterRoleBinding", "PodDisruptionBudget", "Ingress"}


def test_namespace_body_from_the_contract() -> None:
    body = body_of("namespace")
    assert len(body) == 57 and body.startswith(MAGIC)
    assert decode_body(body) == {"apiVersion": "v1", "kind": "Namespace",
                                 "metadata": {"name": "team-a"}, "spec": {}, "status": {}}


def test_secret_data_is_base64_and_service_ports_keep_int_or_string() -> None:
    secret = decode_body(body_of("secret_generic"))
    assert secret["data"] == {"pass": "czNjcjN0", "user": "YWRtaW4="}
    assert secret["type"] == "Opaque"
    service = decode_body(body_of("service_clusterip"))
    assert service["spec"]["ports"][0] == {"name": "80-8080", "protocol": "TCP", "port": 80,
                                           "targetPort": 8080}


def test_rich_pod_template_round_trips_through_kubectl() -> None:
    """`create job --from=cronjob/rich` re-encodes the served template: it must come back intact."""
    served = json.loads((FIXTURES / "rich_objects.json").read_text())["cronjob"]
    want = served["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    del want["volumes"][8]["nfs"]["readOnly"]      # false on a non-pointer omitempty field
    job = decode_body(body_of("job_from_cronjob"))
    assert job["spec"]["template"]["spec"] == want
    assert job["spec"]["backoffLimit"] == 0         # pointer zero survives
    assert job["metadata"]["ownerReferences"] == [{
        "kind": "CronJob", "name": "rich", "uid": served["metadata"]["uid"],
        "apiVersion": "batch/v1", "controller": True}]


def test_debug_copy_keeps_the_served_pod_spec() -> None:
    served = json.loads((FIXTURES / "rich_objects.json").read_text())["pod"]
    pod = decode_body(body_of("pod_debug_copy"))
    assert pod["metadata"] == {"name": "rich-copy", "namespace": "default",
                               "annotations": {"note": "copy me"}}
    assert pod["spec"]["containers"][:2] == served["spec"]["containers"]
    assert pod["spec"]["containers"][2] == {"name": "dbg", "image": "busybox",
                                            "command": ["sleep", "1d"], "resources": {},
                                            "terminationMessagePolicy": "File"}
    assert pod["spec"]["securityContext"] == served["spec"]["securityContext"]
    assert pod["spec"]["affinity"] == served["spec"]["affinity"]
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert pod["spec"]["terminationGracePeriodSeconds"] == 0


def test_debug_node_pod() -> None:
    pod = decode_body(body_of("pod_debug_node"))
    assert pod["spec"]["nodeName"] == "node-1"
    assert pod["spec"]["hostPID"] is True and pod["spec"]["hostNetwork"] is True
    assert pod["spec"]["volumes"] == [{"name": "host-root", "hostPath": {"path": "/"}}]
    assert pod["spec"]["tolerations"] == [{"operator": "Exists"}]


def test_token_request() -> None:
    assert decode_body(body_of("token")) == {
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "metadata": {},
        "spec": {"audiences": ["api"], "expirationSeconds": 600,
                 "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p1", "uid": "u-1"}},
        "status": {"token": ""}}


def test_typed_delete_carries_delete_options() -> None:
    assert decode_body(body_of("drain_delete_options")) == {
        "apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 5}


# --- quirks, on hand-built messages -------------------------------------------------------------

def test_pointer_zero_kept_non_pointer_zero_dropped_always_zero_kept() -> None:
    container = lfield(1, "c") + lfield(2, "") + lfield(6, vfield(2, 0) + vfield(3, 0))
    spec = vfield(1, 0) + vfield(5, 0) + vfield(7, 0)        # replicas?, minReadySeconds, paused
    spec += lfield(3, lfield(2, lfield(2, container)))
    assert decode_message(spec, "apps.DeploymentSpec") == {
        "replicas": 0, "template": {"spec": {"containers": [{"name": "c", "ports": [
            {"containerPort": 0}]}]}}}


def test_negative_int_and_packed_repeated() -> None:
    sc = vfield(2, -1) + lfield(4, varint(1) + varint(2)) + vfield(4, 3)
    assert decode_message(sc, "core.PodSecurityContext") == {"runAsUser": -1,
                                                             "supplementalGroups": [1, 2, 3]}


def test_times_and_durations() -> None:
    meta = lfield(8, vfield(1, 1704067200) + vfield(2, 999)) + lfield(9, b"")
    assert decode_message(meta, "core.PodTemplateSpec") == {}   # field 8 there is unknown
    assert decode_message(lfield(1, meta), "core.PodTemplateSpec") == {
        "metadata": {"creationTimestamp": "2024-01-01T00:00:00Z"}}
    lease = lfield(4, vfield(1, 1704067200) + vfield(2, 123456789)) + vfield(2, 15)
    assert decode_message(lease, "coordination.LeaseSpec") == {
        "renewTime": "2024-01-01T00:00:00.123456Z", "leaseDurationSeconds": 15}
    assert [go_duration(n) for n in (0, 1500, 2_500_000, 1_500_000_000, 3_600_000_000_000,
                                     -90_000_000_000)] == \
        ["0s", "1.5µs", "2.5ms", "1.5s", "1h0m0s", "-1m30s"]


def test_int_or_string_quantity_and_maps() -> None:
    pdb = lfield(1, vfield(1, 1) + lfield(3, "50%")) + lfield(3, vfield(1, 0) + vfield(2, 2))
    assert decode_message(pdb, "policy.PodDisruptionBudgetSpec") == {
        "minAvailable": "50%", "maxUnavailable": 2}
    quota = lfield(1, entry("pods", lfield(1, "3"))) + lfield(1, entry("cpu", lfield(1, "500m")))
    assert decode_message(quota, "core.ResourceQuotaSpec") == {"hard": {"pods": "3", "cpu": "500m"}}
    secret = lfield(2, lfield(1, "empty")) + lfield(2, entry("k", b"\x00\xff"))
    assert decode_message(secret, "core.Secret") == {"data": {"empty": "", "k": "AP8="}}


def test_inline_structs_merge_into_the_parent() -> None:
    volume = lfield(1, "cfg") + lfield(2, lfield(19, lfield(1, lfield(1, "app")) + vfield(3, 0)))
    assert decode_message(volume, "core.Volume") == {
        "name": "cfg", "configMap": {"name": "app", "defaultMode": 0}}
    rule = lfield(1, "foo.com") + lfield(2, lfield(1, b""))
    assert decode_message(rule, "networking.IngressRule") == {"host": "foo.com", "http": {}}


def test_raw_extension_and_unknown_fields() -> None:
    revision = lfield(2, lfield(1, b'{"spec":{"x":1}}')) + vfield(3, 4) + vfield(99, 7)
    assert decode_message(revision, "apps.ControllerRevision") == {
        "data": {"spec": {"x": 1}}, "revision": 4}


def test_envelope_and_other_kinds() -> None:
    eviction = lfield(1, lfield(1, "p1") + lfield(3, "default")) + lfield(2, vfield(1, 0))
    assert decode_body(envelope("policy/v1", "Eviction", eviction)) == {
        "apiVersion": "policy/v1", "kind": "Eviction",
        "metadata": {"name": "p1", "namespace": "default"},
        "deleteOptions": {"gracePeriodSeconds": 0}}
    binding = lfield(1, lfield(1, "p1")) + lfield(2, lfield(1, "Node") + lfield(3, "node-1"))
    assert decode_body(envelope("v1", "Binding", binding))["target"] == {"kind": "Node",
                                                                        "name": "node-1"}
    scale = lfield(2, vfield(1, 3))
    assert decode_body(envelope("autoscaling/v1", "Scale", scale))["spec"] == {"replicas": 3}
    options = vfield(1, 0) + lfield(4, "Foreground") + lfield(5, "All")
    assert decode_body(envelope("meta.k8s.io/v1", "DeleteOptions", options)) == {
        "apiVersion": "meta.k8s.io/v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
        "propagationPolicy": "Foreground", "dryRun": ["All"]}


def test_node_status() -> None:
    status = lfield(1, entry("cpu", lfield(1, "4"))) + lfield(5, lfield(1, "InternalIP") +
                                                              lfield(2, "10.0.0.5"))
    node_info = lfield(1, "") + lfield(7, "v1.32.0")   # gogo writes every non-pointer string
    status += lfield(7, node_info) + lfield(6, lfield(1, vfield(1, 10250)))
    node = lfield(1, lfield(1, "node-1")) + lfield(2, vfield(4, 1)) + lfield(3, status)
    decoded = decode_body(envelope("v1", "Node", node))
    assert decoded["spec"] == {"unschedulable": True}
    assert decoded["status"]["capacity"] == {"cpu": "4"}
    assert decoded["status"]["addresses"] == [{"type": "InternalIP", "address": "10.0.0.5"}]
    assert decoded["status"]["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    # machineID has no omitempty upstream, so its written empty value stays
    assert decoded["status"]["nodeInfo"] == {"machineID": "", "kubeletVersion": "v1.32.0"}


def test_registry_covers_the_kinds_typed_clients_send() -> None:
    for api_version, kind in [("v1", "Pod"), ("v1", "Node"), ("v1", "Binding"),
                              ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"),
                              ("apps/v1", "ReplicaSet"), ("policy/v1", "Eviction"),
                              ("coordination.k8s.io/v1", "Lease"), ("autoscaling/v1", "Scale"),
                              ("v1", "DeleteOptions"), ("apps/v1", "DeleteOptions")]:
        assert message_for(api_version, kind) in MESSAGES, (api_version, kind)
    assert all(name in MESSAGES for name in KINDS.values())


def test_is_protobuf() -> None:
    assert is_protobuf("application/vnd.kubernetes.protobuf")
    assert is_protobuf("application/vnd.kubernetes.protobuf; charset=utf-8")
    assert not is_protobuf("application/json") and not is_protobuf(None)


# --- malformed input: BadRequest, never anything else -------------------------------------------

@pytest.mark.parametrize("body, words", [
    (b"", "magic"),
    (b'{"kind":"Namespace"}', "magic"),
    (b"k8s\x01" + body_of("namespace")[4:], "magic"),
    (body_of("namespace")[:-10], "past the end"),
    (MAGIC + b"\x0a", "truncated varint"),
    (MAGIC + b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "varint"),
    (body_of("namespace") + b"\xff", "truncated varint"),
    (body_of("namespace") + b"\x0b", "wire type 3"),
    (envelope("v1", "Frobnicator", b""), 'no kind "Frobnicator"'),
    (envelope("apps/v1", "Namespace", b""), 'for version "apps/v1"'),
    (envelope("", "", b""), "apiVersion and kind"),
    (MAGIC + vfield(2, 5), "envelope field 2 has unexpected wire type"),
    (envelope("v1", "Namespace", vfield(1, 5)), "unexpected wire type"),
    (envelope("policy/v1", "PodDisruptionBudget", lfield(2, lfield(1, vfield(1, 7)))),
     "IntOrString"),
    (envelope("apps/v1", "ControllerRevision", lfield(2, lfield(1, b"\x00not json"))), "not JSON"),
    (MAGIC + lfield(1, lfield(1, "v1") + lfield(2, "Namespace")) + lfield(3, "gzip"), "gzip"),
])
def test_malformed_bodies_are_bad_requests(body: bytes, words: str) -> None:
    with pytest.raises(BadRequest) as err:
        decode_body(body)
    assert err.value.code == 400 and words in err.value.message


def test_trailing_unknown_envelope_field_is_ignored() -> None:
    assert decode_body(body_of("namespace") + vfield(9, 1))["metadata"] == {"name": "team-a"}


def test_every_truncation_is_a_bad_request_or_a_decode() -> None:
    body = body_of("deployment")
    for cut in range(len(body)):
        try:
            decode_body(body[:cut])
        except BadRequest:
            pass


@pytest.mark.parametrize("path", ALL_BODIES, ids=lambda p: p.stem)
def test_random_byte_flips_never_raise_anything_but_bad_request(path: Path) -> None:
    rng = random.Random(path.stem)
    original = path.read_bytes()
    for _ in range(300):
        body = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        try:
            assert isinstance(decode_body(bytes(body)), dict)
        except BadRequest:
            pass
