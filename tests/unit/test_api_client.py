"""ApiClient policies that a healthy api-server cannot show: retries, error mapping, framing.

The transport is httpx's MockTransport (the network edge); everything the api-server really
answers is covered against the real server in tests/component/test_client_informer.py.
"""
import json

import httpx
import pytest

from machinery.api.errors import ApiError, Gone, NotFound, ServiceUnavailable, TooManyRequests
from machinery.api.resources import lookup
from machinery.client import ApiClient, ClientConfig, TransportError, resource_path
from machinery.client.watch import decode_event

pytestmark = pytest.mark.unit

PODS = lookup("", "v1", "pods")
DEPLOY = lookup("apps", "v1", "deployments")
NODES = lookup("", "v1", "nodes")


def status(code, reason, message="m"):
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "reason": reason, "message": message}


def make_client(handler, retries=3):
    return ApiClient(ClientConfig(server="http://test", token="tok"), max_retries=retries,
                     retry_base_s=0.001, transport=httpx.MockTransport(handler))


def test_resource_paths():
    assert resource_path(PODS) == "/api/v1/pods"
    assert resource_path(PODS, "ns") == "/api/v1/namespaces/ns/pods"
    assert resource_path(PODS, "ns", "p", "binding") == "/api/v1/namespaces/ns/pods/p/binding"
    assert resource_path(DEPLOY, "ns", "d", "scale") == \
        "/apis/apps/v1/namespaces/ns/deployments/d/scale"
    assert resource_path(NODES, "ignored", "n1") == "/api/v1/nodes/n1"
    with pytest.raises(ValueError):
        resource_path(PODS, None, "p")
    with pytest.raises(ValueError):
        resource_path(PODS, "ns", "")


async def test_reads_retry_5xx_429_and_transport_errors():
    answers = [httpx.ConnectError("refused"), httpx.Response(503, json=status(503, "ServiceUnavailable")),
               httpx.Response(429, json=status(429, "TooManyRequests"), headers={"Retry-After": "0"}),
               httpx.Response(200, json={"metadata": {"name": "p"}})]
    seen = []

    def handler(request):
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async with make_client(handler) as client:
        assert (await client.get(PODS, "p", "ns"))["metadata"]["name"] == "p"
    assert len(seen) == 4
    assert seen[0].headers["Authorization"] == "Bearer tok"


async def test_reads_give_up_after_bounded_retries():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503, json=status(503, "ServiceUnavailable", "busy"))

    async with make_client(handler, retries=2) as client:
        with pytest.raises(ServiceUnavailable, match="busy"):
            await client.list(PODS)
    assert len(calls) == 3

    def broken(request):
        raise httpx.ReadError("reset")

    async with make_client(broken, retries=1) as client:
        with pytest.raises(TransportError, match="ReadError"):
            await client.get(PODS, "p", "ns")


@pytest.mark.parametrize("call", ["create", "patch", "delete"])
async def test_writes_are_not_retried(call):
    calls = []

    def handler(request):
        calls.append(request.method)
        return httpx.Response(429, json=status(429, "TooManyRequests"))

    async with make_client(handler) as client:
        with pytest.raises(TooManyRequests):
            if call == "create":
                await client.create(PODS, {"metadata": {"name": "p", "namespace": "ns"}})
            elif call == "patch":
                await client.patch(PODS, "p", {"x": 1}, namespace="ns")
            else:
                await client.delete(PODS, "p", "ns")
    assert len(calls) == 1


async def test_non_status_error_bodies_map_by_code():
    async with make_client(lambda r: httpx.Response(404, text="404 page not found")) as client:
        with pytest.raises(NotFound, match="404 page not found"):
            await client.get(PODS, "p", "ns")


async def test_request_encoding_of_verbs():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={})

    async with make_client(handler) as client:
        await client.create(PODS, {"metadata": {"name": "p", "namespace": "ns"}}, dry_run=True,
                            field_manager="me")
        await client.patch(DEPLOY, "d", {"spec": {"replicas": 3}}, "strategic", "ns",
                           subresource="scale", field_manager="m", force=True)
        await client.patch(PODS, "p", [{"op": "add", "path": "/x", "value": 1}], "json", "ns")
        await client.delete(PODS, "p", "ns", grace_period_s=0, propagation_policy="Foreground",
                            preconditions={"uid": "u1"})
        await client.list(PODS, "ns", label_selector="a=b", field_selector="spec.nodeName=n",
                          limit=10, continue_="tok", resource_version="5")
        await client.update_status(PODS, {"metadata": {"name": "p", "namespace": "ns"}})
    create, strategic, jsonp, delete, listing, status_put = seen
    assert create.method == "POST" and create.url.path == "/api/v1/namespaces/ns/pods"
    assert dict(create.url.params) == {"dryRun": "All", "fieldManager": "me"}
    assert strategic.headers["Content-Type"] == "application/strategic-merge-patch+json"
    assert dict(strategic.url.params) == {"fieldManager": "m", "force": "true"}
    assert strategic.url.path == "/apis/apps/v1/namespaces/ns/deployments/d/scale"
    assert jsonp.headers["Content-Type"] == "application/json-patch+json"
    assert json.loads(delete.content) == {
        "kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
        "propagationPolicy": "Foreground", "preconditions": {"uid": "u1"}}
    assert dict(listing.url.params) == {"labelSelector": "a=b", "fieldSelector": "spec.nodeName=n",
                                        "limit": "10", "continue": "tok", "resourceVersion": "5"}
    assert status_put.method == "PUT" and status_put.url.path.endswith("/pods/p/status")


async def test_watch_stream_events_then_gone():
    lines = [{"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "11"}}},
             {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "12"}}},
             {"type": "ERROR", "object": status(410, "Expired", "too old resource version: 1 (5)")}]
    seen = []

    def handler(request):
        seen.append(request)
        body = "".join(json.dumps(line) + "\n\n" for line in lines)
        return httpx.Response(200, content=body.encode())

    events = []
    async with make_client(handler) as client:
        with pytest.raises(Gone, match="too old resource version"):
            async for ev in client.watch(PODS, resource_version="10", label_selector="a=b",
                                         timeout_s=60):
                events.append(ev)
    assert [(e.type, e.resource_version) for e in events] == [("ADDED", "11"), ("BOOKMARK", "12")]
    assert dict(seen[0].url.params) == {"watch": "true", "resourceVersion": "10",
                                        "labelSelector": "a=b", "allowWatchBookmarks": "true",
                                        "timeoutSeconds": "60"}


async def test_watch_error_status_on_open():
    async with make_client(lambda r: httpx.Response(403, json=status(403, "Forbidden"))) as c:
        with pytest.raises(ApiError) as err:
            async for _ in c.watch(PODS):
                pass
    assert err.value.code == 403


def test_decode_event_rejects_garbage():
    assert decode_event("   ") is None
    with pytest.raises(ValueError):
        decode_event("{not json")
    with pytest.raises(ValueError):
        decode_event('{"type": "ADDED"}')
