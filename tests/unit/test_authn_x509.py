"""Client certificates (x509 authenticator), the TLS scope extension, the union and its
middleware, and the deploy-time PKI."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import ssl
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID

from apiserver import pki as pkimod
from apiserver.auth.authenticator import (AuthenticationMiddleware, UnionAuthenticator,
                                          bearer_token)
from apiserver.auth.tls_scope import tls_extension, with_tls_scope
from apiserver.auth.tokens import TokenAuthenticator, User
from apiserver.auth.x509 import X509Authenticator

pytestmark = pytest.mark.unit


def _ca(tmp_path: Path, name: str = "ca"):
    return pkimod.ensure_ca(tmp_path / f"{name}.crt", tmp_path / f"{name}.key", name)


def _cert_pem(ca, cn: str, orgs=(), client=True, **kw) -> str:
    cert = pkimod._sign(pkimod._name(cn, orgs), pkimod._key(), ca[0], ca[1], client=client, **kw)
    return pkimod._pem(cert).decode()


def _scope(pem: str | None, path: str = "/api/v1/pods", token: str | None = None) -> dict:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    tls = {"client_cert_chain": [pem] if pem else []}
    return {"type": "http", "path": path, "headers": headers, "extensions": {"tls": tls}}


def test_certificate_user_and_groups(tmp_path):
    ca = _ca(tmp_path)
    authn = X509Authenticator(pkimod._pem(ca[0]))
    user = authn.authenticate(_scope(_cert_pem(ca, "system:node:n1", ("system:nodes",))))
    assert user == User("system:node:n1", "", ("system:nodes", "system:authenticated"))
    assert authn.authenticate(_scope(None)) is None


def test_certificates_that_do_not_authenticate(tmp_path):
    ca, other = _ca(tmp_path), _ca(tmp_path, "other")
    authn = X509Authenticator(pkimod._pem(ca[0]))
    assert authn.authenticate(_scope(_cert_pem(other, "admin", ("system:masters",)))) is None
    assert authn.authenticate(_scope(_cert_pem(ca, "web", client=False))) is None  # serverAuth
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)
    expired = _cert_pem(ca, "jane", not_before=past, validity=dt.timedelta(days=1))
    assert authn.authenticate(_scope(expired)) is None
    good = _cert_pem(ca, "jane")
    assert authn.authenticate(_scope(good)) is not None
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=4000)
    assert authn.authenticate(_scope(good), now=later) is None        # cached, yet expired
    assert authn.authenticate(_scope("not a pem")) is None


class _SSLObject:
    def __init__(self, der):
        self.der = der

    def getpeercert(self, binary_form=False):
        return self.der

    def cipher(self):
        return ("TLS_AES_128_GCM_SHA256", "TLSv1.3", 128)

    def version(self):
        return "TLSv1.3"


class _Transport:
    def __init__(self, ssl_object):
        self.ssl_object = ssl_object

    def get_extra_info(self, name):
        return self.ssl_object if name == "ssl_object" else None


def test_tls_extension_from_the_transport(tmp_path):
    ca = _ca(tmp_path)
    der = ssl.PEM_cert_to_DER_cert(_cert_pem(ca, "jane"))
    ext = tls_extension(_Transport(_SSLObject(der)))
    assert ext["tls_version"] == 0x0304
    assert x509.load_pem_x509_certificate(ext["client_cert_chain"][0].encode()).subject \
        .get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "jane"
    assert tls_extension(_Transport(_SSLObject(None)))["client_cert_chain"] == []
    assert tls_extension(_Transport(None)) is None

    class Base:
        def connection_made(self, transport):
            self.transport = transport

        async def run_asgi(self):
            return self.scope
    cls = with_tls_scope(Base)
    assert with_tls_scope(Base) is cls                      # made once per base class
    proto = cls()
    proto.connection_made(_Transport(_SSLObject(der)))
    proto.scope = {"type": "websocket"}
    scope = asyncio.run(proto.run_asgi())
    assert scope["extensions"]["tls"]["client_cert_chain"]


def _run(app, scope):
    sent = []

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        sent.append(message)
    asyncio.run(app(scope, receive, send))
    return sent


def test_union_order_and_middleware(tmp_path):
    ca = _ca(tmp_path)
    tokens = TokenAuthenticator({"t0k": User("admin", "u", ("system:masters",))})
    union = UnionAuthenticator(X509Authenticator(pkimod._pem(ca[0])), tokens)
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["user"])
    mw = AuthenticationMiddleware(app, union)
    _run(mw, _scope(_cert_pem(ca, "jane"), token="t0k"))   # the certificate wins
    _run(mw, _scope(None, token="t0k"))
    _run(mw, _scope(None, path="/healthz"))
    assert [u.name for u in seen] == ["jane", "admin", "system:anonymous"]
    sent = _run(mw, _scope(None, token="wrong"))
    assert sent[0]["status"] == 401 and json.loads(sent[1]["body"])["reason"] == "Unauthorized"
    ws = {**_scope(None), "type": "websocket",
          "extensions": {"websocket.http.response": {}}}
    denial = _run(mw, ws)
    assert [m["type"] for m in denial] == ["websocket.http.response.start",
                                           "websocket.http.response.body"]
    assert denial[0]["status"] == 401
    assert bearer_token({"headers": [(b"authorization", b"Basic abc")]}) is None


def test_deploy_time_pki(tmp_path):
    pkimod.main(["--cert-dir", str(tmp_path / "pki"), "--server", "https://apiserver:6443",
                 "init", "--nodes", "node-1,node-2", "--etcd-cert-dir", str(tmp_path / "etcd")])
    pki = pkimod.Pki(tmp_path / "pki")
    expect = {"scheduler": ("system:kube-scheduler", []),
              "controller-manager": ("system:kube-controller-manager", []),
              "kube-proxy": ("system:kube-proxy", []),
              "kubelet-node-2": ("system:node:node-2", ["system:nodes"])}
    for file, (cn, orgs) in expect.items():
        config = yaml.safe_load((pki.dir / f"{file}.kubeconfig").read_text())
        assert config["clusters"][0]["cluster"]["server"] == "https://apiserver:6443"
        cert = x509.load_pem_x509_certificate(
            base64.b64decode(config["users"][0]["user"]["client-certificate-data"]))
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cn
        assert [a.value for a in cert.subject.get_attributes_for_oid(
            NameOID.ORGANIZATION_NAME)] == orgs
        assert "token" not in config["users"][0]["user"]
    serving = x509.load_pem_x509_certificate((pki.node_serving_dir("node-1") /
                                              "kubelet.crt").read_bytes())
    serving.verify_directly_issued_by(x509.load_pem_x509_certificate(pki.ca_cert.read_bytes()))
    etcd_ca = x509.load_pem_x509_certificate((tmp_path / "etcd" / "ca.crt").read_bytes())
    client = x509.load_pem_x509_certificate(
        (tmp_path / "etcd" / "apiserver-etcd-client.crt").read_bytes())
    client.verify_directly_issued_by(etcd_ca)
    assert etcd_ca.subject != x509.load_pem_x509_certificate(pki.ca_cert.read_bytes()).subject
    # a second run replaces nothing
    before = (pki.dir / "scheduler.crt").read_bytes()
    pkimod.main(["--cert-dir", str(pki.dir), "issue-node", "node-3"])
    assert (pki.dir / "scheduler.crt").read_bytes() == before
    assert (pki.dir / "kubelet-node-3.kubeconfig").exists()
