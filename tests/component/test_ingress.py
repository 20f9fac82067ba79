"""The Ingress controller in-process against the real api-server, proxying to real backends.

Two tiny HTTP servers play the pods: they listen on 0.0.0.0 and the EndpointSlices (created by
the test, as no endpointslice controller runs here) point at this machine's non-loopback
address, since the api-server rejects loopback endpoint addresses as upstream does.
"""
from __future__ import annotations

import asyncio
import base64
import json
import socket
import ssl
import subprocess
import uuid
from pathlib import Path

import httpx
import yaml
import pytest

from ingress_controller.app import IngressController
from ingress_controller.settings import IngressSettings
from ingress_controller.tls import self_signed
from machinery.api import resources
from tests.helpers import async_eventually

pytestmark = pytest.mark.component

NAMESPACES = resources.lookup("", "v1", "namespaces")
SERVICES = resources.lookup("", "v1", "services")
SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
INGRESSES = resources.lookup("networking.k8s.io", "v1", "ingresses")
CLASSES = resources.lookup("networking.k8s.io", "v1", "ingressclasses")
SECRETS = resources.lookup("", "v1", "secrets")
CONTROLLER = "tinykube.io/ingress-controller"


def machine_ip() -> str:
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
        for ip in out.split():
            if "." in ip and not ip.startswith("127."):
                return ip
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 9))          # no packet is sent: only picks the source address
        return sock.getsockname()[0]


class Backend:
    """An HTTP/1.1 server answering JSON: its name, the request line and headers, the body."""

    def __init__(self, name: str):
        self.name, self.requests = name, 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "0.0.0.0", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader, writer) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                method, target, _ = lines[0].split(" ")
                headers = {k.lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if line)}
                body = b""
                if "content-length" in headers:
                    body = await reader.readexactly(int(headers["content-length"]))
                elif headers.get("transfer-encoding") == "chunked":
                    while (size := int((await reader.readline()).strip(), 16)):
                        body += await reader.readexactly(size)
                        await reader.readline()
                    await reader.readline()
                self.requests += 1
                data = json.dumps({"backend": self.name, "method": method, "target": target,
                                   "headers": headers, "body": body.decode()}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def close(self) -> None:
        self.server.close()


@pytest.fixture
async def backends():
    pair = [Backend("foo"), Backend("bar")]
    for b in pair:
        await b.start()
    yield pair
    for b in pair:
        b.close()


@pytest.fixture
async def namespace(api_client):
    name = f"ing-{uuid.uuid4().hex[:8]}"
    await api_client.create(NAMESPACES, {"metadata": {"name": name}})
    yield name
    await api_client.delete(NAMESPACES, name)


@pytest.fixture
async def ingress_class(api_client):
    name = f"tk-{uuid.uuid4().hex[:6]}"
    await api_client.create(CLASSES, {"metadata": {"name": name},
                                      "spec": {"controller": CONTROLLER}})
    yield name
    await api_client.delete(CLASSES, name)


@pytest.fixture
async def controller(api_client, namespace, ingress_class):
    settings = IngressSettings(bind_address="127.0.0.1", http_port=0, https_port=0,
                               health_port=0, ingress_class=ingress_class,
                               publish_address="127.0.0.1", watch_namespace=namespace)
    app = IngressController(settings, api_client)
    await app.start()
    task = asyncio.create_task(app.run())
    await async_eventually(lambda: app.synced, timeout=10)
    yield app
    app.stop()
    await asyncio.wait_for(task, 10)


async def make_service(client, ns, name, backend: Backend | None, ip=None):
    await client.create(SERVICES, {"metadata": {"name": name}, "spec": {
        "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}, ns)
    if backend is not None:
        await client.create(SLICES, {
            "metadata": {"name": f"{name}-x", "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": backend.port,
                                              "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip or machine_ip()], "conditions": {"ready": True}}]},
            ns)


def path(p, service, kind="Prefix", port=None):
    return {"path": p, "pathType": kind, "backend": {"service": {
        "name": service, "port": port or {"number": 80}}}}


async def get(app, target, host, **kw):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.http.port}") as http:
        return await http.request(kw.pop("method", "GET"), target, headers={"Host": host}, **kw)


async def test_fan_out_routing_default_backend_and_status(controller, api_client, namespace,
                                                          ingress_class, backends):
    ns, (foo, bar) = namespace, backends
    await make_service(api_client, ns, "foo", foo)
    await make_service(api_client, ns, "bar", bar)
    await api_client.create(INGRESSES, {"metadata": {"name": "fanout"}, "spec": {
        "ingressClassName": ingress_class,
        "rules": [{"host": "shop.example.com", "http": {"paths": [
            path("/foo", "foo"), path("/bar", "bar", "Exact", {"name": "http"})]}}]}}, ns)

    async def routed():
        r = await get(controller, "/foo/x?q=1", "shop.example.com")
        return r.status_code == 200 and r.json()["backend"] == "foo" and r.json()
    seen = await async_eventually(routed, timeout=10)
    assert seen["target"] == "/foo/x?q=1"
    assert seen["headers"]["host"] == "shop.example.com"
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "http"
    assert seen["headers"]["x-forwarded-host"] == "shop.example.com"
    assert (await get(controller, "/bar", "shop.example.com")).json()["backend"] == "bar"
    # Exact: /bar/ is not /bar; /foobar is not under the /foo prefix
    for target in ("/bar/", "/foobar"):
        r = await get(controller, target, "shop.example.com")
        assert r.status_code == 404 and "default backend" in r.text
    assert (await get(controller, "/foo", "other.example.com")).status_code == 404

    async def status_written():
        ing = await api_client.get(INGRESSES, "fanout", ns)
        return ing["status"]["loadBalancer"].get("ingress") == [{"ip": "127.0.0.1"}]
    await async_eventually(status_written, timeout=10)


async def test_bodies_keep_alive_and_round_robin(controller, api_client, namespace,
                                                 ingress_class, backends):
    ns, (foo, bar) = namespace, backends
    await make_service(api_client, ns, "both", foo)
    # a second slice for the same Service: both backends serve it
    await api_client.create(SLICES, {
        "metadata": {"name": "both-y", "labels": {"kubernetes.io/service-name": "both"}},
        "addressType": "IPv4", "ports": [{"name": "http", "port": bar.port, "protocol": "TCP"}],
        "endpoints": [{"addresses": [machine_ip()], "conditions": {"ready": True}}]}, ns)
    await api_client.create(INGRESSES, {"metadata": {"name": "rr"}, "spec": {
        "ingressClassName": ingress_class, "defaultBackend": {"service": {
            "name": "both", "port": {"number": 80}}}}}, ns)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{controller.http.port}") as http:
        async def spread():
            names = [(await http.get("/", headers={"Host": "any"})).json()["backend"]
                     for _ in range(4)]
            return sorted(names) == ["bar", "bar", "foo", "foo"]
        await async_eventually(spread, timeout=10)
        payload = "x" * 200_000
        r = await http.post("/upload", content=payload, headers={"Host": "any"})
        assert r.json()["body"] == payload

        async def chunks():
            yield b"hello, "
            yield b"world"
        r = await http.post("/chunked", content=chunks(), headers={"Host": "any"})
        assert r.json()["body"] == "hello, world"
    assert foo.requests + bar.requests >= 6


async def test_no_ready_endpoints_is_503_and_unknown_service_too(controller, api_client,
                                                                 namespace, ingress_class):
    ns = namespace
    await make_service(api_client, ns, "empty", None)
    await api_client.create(INGRESSES, {"metadata": {"name": "e"}, "spec": {
        "ingressClassName": ingress_class, "rules": [{"host": "e.test", "http": {"paths": [
            path("/", "empty"), path("/missing", "nosuchservice")]}}]}}, ns)

    async def unavailable():
        return (await get(controller, "/", "e.test")).status_code == 503
    await async_eventually(unavailable, timeout=10)
    assert (await get(controller, "/missing", "e.test")).status_code == 503


async def test_ingresses_of_other_classes_are_ignored_until_default(controller, api_client,
                                                                    namespace, ingress_class,
                                                                    backends):
    ns, (foo, _) = namespace, backends
    await make_service(api_client, ns, "foo", foo)
    rules = [{"host": "c.test", "http": {"paths": [path("/", "foo")]}}]
    await api_client.create(INGRESSES, {"metadata": {"name": "other"}, "spec": {
        "ingressClassName": "someone-else", "rules": rules}}, ns)
    await api_client.create(INGRESSES, {"metadata": {"name": "classless"}, "spec": {
        "rules": [{"host": "d.test", "http": {"paths": [path("/", "foo")]}}]}}, ns)
    # once the controller has seen both, neither may be routed
    await async_eventually(lambda: controller.ingresses.get(f"{ns}/classless"), timeout=10)
    assert (await get(controller, "/", "c.test")).status_code == 404
    assert (await get(controller, "/", "d.test")).status_code == 404
    # marking our class default adopts the class-less Ingress
    cls = await api_client.get(CLASSES, ingress_class)
    cls["metadata"].setdefault("annotations", {})[
        "ingressclass.kubernetes.io/is-default-class"] = "true"
    await api_client.update(CLASSES, cls)

    async def adopted():
        return (await get(controller, "/", "d.test")).status_code == 200
    await async_eventually(adopted, timeout=10)
    assert (await get(controller, "/", "c.test")).status_code == 404
    ing = await api_client.get(INGRESSES, "other", ns)
    assert not (ing.get("status") or {}).get("loadBalancer", {}).get("ingress")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def https_get(port: int, server_name: str, cafile: str, target: str = "/"):
    """One HTTPS request with SNI `server_name`: (status line, body, peer certificate CN)."""
    ctx = ssl.create_default_context(cafile=cafile)
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx,
                                                   server_hostname=server_name)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {server_name}\r\n"
                     "Connection: close\r\n\r\n".encode())
        data = await asyncio.wait_for(reader.read(), 10)
        cert = writer.get_extra_info("peercert")
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    cn = dict(x[0] for x in cert["subject"])["commonName"]
    return head.split(b"\r\n")[0].decode(), body, cn


async def test_tls_termination_with_sni_and_redirect(api_client, namespace, ingress_class,
                                                     backends, tmp_path):
    ns, (foo, _) = namespace, backends
    cert, key = self_signed("secure.test", ("secure.test",))
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(cert)
    await make_service(api_client, ns, "foo", foo)
    await api_client.create(SECRETS, {"metadata": {"name": "secure-tls"},
                                      "type": "kubernetes.io/tls",
                                      "data": {"tls.crt": base64.b64encode(cert).decode(),
                                               "tls.key": base64.b64encode(key).decode()}}, ns)
    await api_client.create(INGRESSES, {"metadata": {"name": "secure"}, "spec": {
        "ingressClassName": ingress_class,
        "tls": [{"hosts": ["secure.test"], "secretName": "secure-tls"}],
        "rules": [{"host": "secure.test", "http": {"paths": [path("/", "foo")]}}]}}, ns)
    settings = IngressSettings(bind_address="127.0.0.1", http_port=0, https_port=free_port(),
                               health_port=free_port(), ingress_class=ingress_class,
                               watch_namespace=ns)
    app = IngressController(settings, api_client)
    await app.start()
    task = asyncio.create_task(app.run())
    try:
        async def served():
            return await https_get(app.https.port, "secure.test", str(cafile), "/hello")
        status, body, cn = await async_eventually(served, timeout=10)
        assert status == "HTTP/1.1 200 OK" and cn == "secure.test"
        seen = json.loads(body)
        assert seen["target"] == "/hello" and seen["headers"]["x-forwarded-proto"] == "https"
        # plain HTTP for a TLS host is redirected, as ingress-nginx's ssl-redirect
        r = await get(app, "/hello?x=1", "secure.test")
        assert r.status_code == 308 and r.headers["location"] == "https://secure.test/hello?x=1"
        async with httpx.AsyncClient() as http:
            health = await http.get(f"http://127.0.0.1:{settings.health_port}/healthz")
            metrics = await http.get(f"http://127.0.0.1:{settings.health_port}/metrics")
        assert health.status_code == 200
        assert 'host="secure.test"' in metrics.text and 'status="200"' in metrics.text
    finally:
        app.stop()
        await asyncio.wait_for(task, 10)


async def test_rewrite_target_annotation(controller, api_client, namespace, ingress_class,
                                        backends):
    ns, (foo, _) = namespace, backends
    await make_service(api_client, ns, "foo", foo)
    await api_client.create(INGRESSES, {
        "metadata": {"name": "rw", "annotations": {
            "nginx.ingress.kubernetes.io/rewrite-target": "/$2"}},
        "spec": {"ingressClassName": ingress_class, "rules": [{"host": "rw.test", "http": {
            "paths": [path("/app(/|$)(.*)", "foo", "ImplementationSpecific")]}}]}}, ns)

    async def rewritten():
        r = await get(controller, "/app/deep/page?x=1", "rw.test")
        return r.status_code == 200 and r.json()["target"]
    assert await async_eventually(rewritten, timeout=10) == "/deep/page?x=1"


async def test_v1beta1_ingress_is_served(controller, api_client, namespace, ingress_class,
                                         backends):
    ns, (foo, _) = namespace, backends
    await make_service(api_client, ns, "foo", foo)
    beta = resources.lookup("networking.k8s.io", "v1beta1", "ingresses")
    await api_client.create(beta, {
        "apiVersion": "networking.k8s.io/v1beta1", "kind": "Ingress",
        "metadata": {"name": "old-style"},
        "spec": {"ingressClassName": ingress_class, "rules": [{"host": "beta.test", "http": {
            "paths": [{"path": "/", "backend": {"serviceName": "foo", "servicePort": 80}}]}}]}},
        ns)

    async def routed():
        r = await get(controller, "/x", "beta.test")
        return r.status_code == 200 and r.json()["backend"]
    assert await async_eventually(routed, timeout=10) == "foo"


async def test_manifest_is_accepted_by_the_api_server(api_client):
    path = Path(__file__).resolve().parents[2] / "deploy/manifests/ingress.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    for doc in docs:
        info = resources.for_kind(doc["apiVersion"], doc["kind"])
        await api_client.create(info, doc, doc["metadata"].get("namespace"), dry_run=True)
    ingress_class = docs[0]
    assert ingress_class["spec"]["controller"] == CONTROLLER
    assert ingress_class["metadata"]["annotations"][
        "ingressclass.kubernetes.io/is-default-class"] == "true"
