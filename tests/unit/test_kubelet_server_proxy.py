"""The api-server side's pure decisions (apiserver/rest/kubelet_proxy.py): which container,
which kubelet address, and how kubelet errors become Status objects."""
from __future__ import annotations

import pytest

from apiserver.rest.kubelet_proxy import (KubeletTarget, _kubelet_error, choose_container,
                                          node_address)
from machinery.api.errors import ApiError, BadRequest, NotFound

pytestmark = pytest.mark.unit


def pod(containers=("a",), inits=(), annotations=None):
    return {"metadata": {"name": "web", "annotations": annotations or {}},
            "spec": {"containers": [{"name": c} for c in containers],
                     "initContainers": [{"name": c} for c in inits]}}


def test_single_container_is_chosen_and_a_named_one_checked():
    assert choose_container(pod(), None, for_logs=True) == "a"
    assert choose_container(pod(("a", "b"), ("init",)), "init", for_logs=False) == "init"
    with pytest.raises(BadRequest, match="^container zz is not valid for pod web$"):
        choose_container(pod(), "zz", for_logs=False)


def test_ambiguous_container_messages_match_upstream():
    with pytest.raises(BadRequest) as logs:
        choose_container(pod(("a", "b"), ("i",)), None, for_logs=True)
    assert logs.value.message == \
        "a container name must be specified for pod web, choose one of: [i a b]"
    with pytest.raises(BadRequest) as execs:
        choose_container(pod(("a", "b"), ("i",)), None, for_logs=False)
    assert execs.value.message == ("a container name must be specified for pod web, choose one "
                                   "of: [a b] or one of the init containers: [i]")


def test_default_container_annotation_is_honoured():
    p = pod(("a", "b"), annotations={"kubectl.kubernetes.io/default-container": "b"})
    assert choose_container(p, None, for_logs=False) == "b"


def test_node_address_prefers_internal_ip_and_defaults_the_port():
    node = {"status": {"addresses": [{"type": "Hostname", "address": "node-1"},
                                     {"type": "InternalIP", "address": "172.20.0.5"}]}}
    assert node_address(node) == ("172.20.0.5", 10250)
    node["status"]["daemonEndpoints"] = {"kubeletEndpoint": {"Port": 11250}}
    assert node_address(node) == ("172.20.0.5", 11250)
    with pytest.raises(BadRequest):
        node_address({"status": {}})


def test_target_url_quotes_query_and_brackets_ipv6():
    t = KubeletTarget("fd00::1", 10250, "/exec/ns/web/a",
                      [("command", "sh"), ("command", "-c"), ("command", "echo a b")])
    assert t.url("wss") == \
        "wss://[fd00::1]:10250/exec/ns/web/a?command=sh&command=-c&command=echo+a+b"


def test_kubelet_errors_become_statuses():
    err = _kubelet_error(400, b'container "a" in pod "web" is waiting to start: ContainerCreating')
    assert isinstance(err, BadRequest) and err.code == 400
    assert err.message.startswith('container "a"')
    assert isinstance(_kubelet_error(404, b'pod "x" does not exist'), NotFound)
    status = b'{"kind":"Status","status":"Failure","message":"m","reason":"Forbidden","code":403}'
    forwarded = _kubelet_error(403, status)
    assert isinstance(forwarded, ApiError) and (forwarded.code, forwarded.message) == (403, "m")
