"""HTTP/1.1 framing for the proxy, and backend endpoint selection."""
from __future__ import annotations

import asyncio

import pytest

from ingress_controller import http1
from ingress_controller.backends import Balancer, NoEndpoints, Target, slice_service_key, targets
from ingress_controller.http1 import BadMessage, Head
from ingress_controller.routing import Backend

pytestmark = pytest.mark.unit


def stream(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


class Collect:
    def __init__(self):
        self.data = b""

    def write(self, data):
        self.data += data

    async def drain(self):
        pass


async def test_read_head_parses_request_and_headers():
    head = await http1.read_head(stream(b"GET /x HTTP/1.1\r\nHost: a.com\r\nX-A: 1\r\n"
                                        b"x-a: 2\r\n\r\nrest"))
    assert head.start == "GET /x HTTP/1.1"
    assert head.get("HOST") == "a.com" and head.get("x-a") == "1, 2"
    assert await http1.read_head(stream(b"")) is None


@pytest.mark.parametrize("raw", [b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                                 b"GET / HTTP/1.1\r\nHost: a\r\n"])
async def test_read_head_rejects_malformed(raw):
    with pytest.raises(BadMessage):
        await http1.read_head(stream(raw))


@pytest.mark.parametrize("headers,expected", [
    ([], 0), ([("Content-Length", "12")], 12), ([("Transfer-Encoding", "gzip, chunked")], "chunked"),
    ([("Content-Length", "5, 5")], 5),
])
def test_request_body_length(headers, expected):
    assert http1.body_length(Head("POST / HTTP/1.1", headers)) == expected


def test_conflicting_content_length_is_rejected():
    with pytest.raises(BadMessage):
        http1.body_length(Head("POST / HTTP/1.1", [("Content-Length", "5, 6")]))


@pytest.mark.parametrize("method,status,headers,expected", [
    ("GET", 200, [], "close"), ("HEAD", 200, [("Content-Length", "10")], 0),
    ("GET", 204, [], 0), ("GET", 304, [("Content-Length", "10")], 0),
    ("GET", 200, [("Content-Length", "3")], 3), ("GET", 200, [("Transfer-Encoding", "chunked")],
                                                  "chunked"),
])
def test_response_length(method, status, headers, expected):
    assert http1.response_length(Head(f"HTTP/1.1 {status} X", headers), method, status) == expected


async def test_chunked_body_passes_through_unchanged_and_stops_at_its_end():
    body = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n"
    out = Collect()
    reader = stream(body + b"NEXT")
    await http1.copy_body(reader, out, "chunked")
    assert out.data == body and await reader.read() == b"NEXT"


async def test_length_and_close_bodies():
    out = Collect()
    await http1.copy_body(stream(b"abcdef"), out, 4)
    assert out.data == b"abcd"
    out = Collect()
    await http1.copy_body(stream(b"abc"), out, "close", to_chunked=True)
    assert out.data == b"3\r\nabc\r\n0\r\n\r\n"
    with pytest.raises(BadMessage):
        await http1.copy_body(stream(b"ab"), Collect(), 4)


class Store:
    def __init__(self, objs, index=None):
        self.objs = {f"{o['metadata']['namespace']}/{o['metadata']['name']}": o for o in objs}
        self.index = index

    def get(self, key, copy_=True):
        return self.objs.get(key)

    def by_index(self, name, value, copy_=True):
        return [o for o in self.objs.values() if self.index(o) == value]


SERVICES = Store([
    {"metadata": {"name": "web", "namespace": "ns"}, "spec": {"ports": [
        {"name": "http", "port": 80}, {"name": "admin", "port": 81}]}},
    {"metadata": {"name": "ext", "namespace": "ns"}, "spec": {"type": "ExternalName",
                                                              "externalName": "example.com."}},
    {"metadata": {"name": "idle", "namespace": "ns"}, "spec": {"ports": [{"port": 80}]}},
])
SLICES = Store([
    {"metadata": {"name": "web-a", "namespace": "ns",
                  "labels": {"kubernetes.io/service-name": "web"}},
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
               {"name": "admin", "port": 9090, "protocol": "TCP"}],
     "endpoints": [{"addresses": ["10.244.1.2"], "conditions": {"ready": True}},
                   {"addresses": ["10.244.1.3"]},
                   {"addresses": ["10.244.1.4"], "conditions": {"ready": False}}]},
], slice_service_key)


def test_targets_by_port_number_and_name_only_ready():
    assert targets(Backend("ns", "web", 80, "ns/i"), SERVICES, SLICES) == \
        [Target("10.244.1.2", 8080), Target("10.244.1.3", 8080)]
    assert targets(Backend("ns", "web", "admin", "ns/i"), SERVICES, SLICES)[0].port == 9090


@pytest.mark.parametrize("backend", [Backend("ns", "web", 82, "i"), Backend("ns", "nope", 80, "i"),
                                     Backend("ns", "idle", 80, "i"), Backend("ns", None, None, "i")])
def test_no_endpoints_reasons(backend):
    with pytest.raises(NoEndpoints):
        targets(backend, SERVICES, SLICES)


def test_external_name_backend():
    assert targets(Backend("ns", "ext", 443, "i"), SERVICES, SLICES) == [Target("example.com", 443)]


def test_round_robin_rotates():
    balancer = Balancer(SERVICES, SLICES)
    backend = Backend("ns", "web", 80, "i")
    firsts = [balancer.pick(backend)[0].host for _ in range(4)]
    assert firsts == ["10.244.1.2", "10.244.1.3", "10.244.1.2", "10.244.1.3"]
    assert len(balancer.pick(backend)) == 2          # the rest are there for retries
