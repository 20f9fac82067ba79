"""Transport security with the certificates apiserver/pki.py makes: the kubelet's 10250 server
admits only the api-server's client certificate, and etcd with --client-cert-auth admits only
the api-server's etcd client certificate (the real etcd binary, over TLS)."""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import ssl
import urllib.request
from types import SimpleNamespace

import httpx
import pytest

from apiserver import pki as pkimod
from apiserver.rest.kubelet_proxy import kubelet_ssl_context
from apiserver.storage import EtcdStore, StorageUnavailable
from apiserver.storage.etcd_tls import EtcdTLS
from kubelet.runtime.fake import FakeRuntime
from kubelet.server import serve_kubelet_api
from tests.cluster import free_port, wait_until
from tests.helpers import async_eventually

pytestmark = pytest.mark.component


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    p = pkimod.ensure_pki(str(d), ["127.0.0.1"], "https://127.0.0.1:6443")
    pkimod.issue_node(p, "node-t", "https://127.0.0.1:6443")
    return p


def _refused(url: str, context: ssl.SSLContext) -> bool:
    try:
        httpx.get(url, verify=context, timeout=5)
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, ssl.SSLError):
        return True
    return False


async def test_kubelet_admits_only_the_apiservers_client_certificate(pki):
    port = free_port()
    task = asyncio.create_task(serve_kubelet_api(
        FakeRuntime(), "node-t", lambda: [], "127.0.0.1", port, pki.node_serving_dir("node-t"),
        str(pki.kubelet_client_ca)))
    url = f"https://127.0.0.1:{port}/healthz"
    try:
        settings = SimpleNamespace(
            kubelet_certificate_authority=str(pki.ca_cert),
            kubelet_client_certificate=str(pki.cert(pkimod.KUBELET_CLIENT)),
            kubelet_client_key=str(pki.key(pkimod.KUBELET_CLIENT)))
        apiserver_ctx = kubelet_ssl_context(SimpleNamespace(settings=settings))

        async def served():
            async with httpx.AsyncClient(verify=apiserver_ctx) as c:
                return (await c.get(url)).text == "ok"
        assert await async_eventually(served, 20)

        anonymous = ssl.create_default_context(cafile=str(pki.ca_cert))
        assert await asyncio.to_thread(_refused, url, anonymous)
        admin = ssl.create_default_context(cafile=str(pki.ca_cert))
        admin.load_cert_chain(str(pki.admin_cert), str(pki.admin_key))   # cluster CA: refused
        assert await asyncio.to_thread(_refused, url, admin)
        # and the api-server refuses a kubelet whose serving cert the cluster CA did not sign
        foreign = ssl.create_default_context(cafile=str(pki.kubelet_client_ca))
        foreign.check_hostname = False
        assert await asyncio.to_thread(_refused, url, foreign)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture(scope="module")
def tls_etcd(tmp_path_factory):
    if shutil.which("etcd") is None:
        pytest.skip("no etcd binary")
    certs = pkimod.ensure_etcd_pki(str(tmp_path_factory.mktemp("etcd-pki")), [])
    data = tempfile.mkdtemp(prefix="tinykube-etcd-tls-")
    client, peer = free_port(), free_port()
    url = f"https://127.0.0.1:{client}"
    proc = subprocess.Popen(
        ["etcd", "--data-dir", data, "--listen-client-urls", url, "--advertise-client-urls", url,
         "--listen-peer-urls", f"http://127.0.0.1:{peer}",
         "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
         "--initial-cluster", f"default=http://127.0.0.1:{peer}", "--log-level", "error",
         "--cert-file", str(certs / "server.crt"), "--key-file", str(certs / "server.key"),
         "--trusted-ca-file", str(certs / "ca.crt"), "--client-cert-auth"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    ctx.load_cert_chain(str(certs / "healthcheck-client.crt"), str(certs / "healthcheck-client.key"))
    wait_until(lambda: urllib.request.urlopen(url + "/health", context=ctx, timeout=1).status
               == 200, 20, "etcd over TLS")
    yield url, certs
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(data, ignore_errors=True)


async def test_etcd_over_tls_with_client_certificates(tls_etcd):
    url, certs = tls_etcd
    tls = EtcdTLS(str(certs / "ca.crt"), str(certs / "apiserver-etcd-client.crt"),
                  str(certs / "apiserver-etcd-client.key"))
    store = EtcdStore(url, timeout_s=3, tls=tls)
    await store.connect()
    try:
        await store.create("/registry/authn-test/a", {"metadata": {"name": "a"}})
        assert (await store.get("/registry/authn-test/a"))["metadata"]["name"] == "a"
    finally:
        await store.close()
    # no client certificate, or none at all: refused
    for bad in (EtcdTLS(str(certs / "ca.crt")), None):
        store = EtcdStore(url, timeout_s=2, tls=bad)
        await store.connect()
        try:
            with pytest.raises(StorageUnavailable):
                await store.revision()
        finally:
            await store.close()
