"""Authentication on the real api-server: client certificates, static tokens, service-account
tokens from the TokenRequest subresource, and what is refused (401 or a refused handshake).

Identities are read back with SelfSubjectReview (`kubectl auth whoami`)."""
from __future__ import annotations

import base64
import datetime as dt
import json
import ssl
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from apiserver import pki as pkimod
from apiserver.auth.serviceaccount_tokens import TokenSigner, service_account_claims
from tests.helpers import eventually
from tests.kubectl import Kubectl

pytestmark = pytest.mark.component

WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


# --- helpers --------------------------------------------------------------------------------------

def _client(api_server, cert: tuple[Path, Path] | None = None,
            token: str | None = None) -> httpx.Client:
    ctx = ssl.create_default_context(cafile=api_server.ca_file)
    if cert:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=api_server.url, verify=ctx, headers=headers, timeout=10)


def whoami(api_server, **creds) -> tuple[int, dict]:
    with _client(api_server, **creds) as c:
        r = c.post(WHOAMI, json={"apiVersion": "authentication.k8s.io/v1",
                                 "kind": "SelfSubjectReview"})
    body = r.json()
    return r.status_code, body["status"]["userInfo"] if r.status_code == 201 else body


def _ca(api_server):
    cert_dir = Path(api_server.cert_dir)
    return (x509.load_pem_x509_certificate((cert_dir / "ca.crt").read_bytes()),
            serialization.load_pem_private_key((cert_dir / "ca.key").read_bytes(), None))


def client_cert(ca, cn: str, orgs: tuple[str, ...] = (), **sign_kw) -> tuple[Path, Path]:
    d = Path(tempfile.mkdtemp(prefix="authn-cert-"))
    key = pkimod._key()
    cert = pkimod._sign(pkimod._name(cn, orgs), key, ca[0], ca[1], client=True, **sign_kw)
    pkimod._write_key(d / "c.key", key)
    (d / "c.crt").write_bytes(pkimod._pem(cert))
    return d / "c.crt", d / "c.key"


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture
def ns(api_server):
    name = f"authn-{uuid.uuid4().hex[:6]}"
    with _client(api_server, token=api_server.token) as c:
        c.post("/api/v1/namespaces", json={"apiVersion": "v1", "kind": "Namespace",
                                            "metadata": {"name": name}}).raise_for_status()
        yield name
        c.delete(f"/api/v1/namespaces/{name}")


def _create(api_server, path: str, body: dict) -> dict:
    with _client(api_server, token=api_server.token) as c:
        r = c.post(path, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _sa_and_pod(api_server, ns: str, sa: str = "robot", pod: str = "p") -> tuple[dict, dict]:
    account = _create(api_server, f"/api/v1/namespaces/{ns}/serviceaccounts",
                      {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa}})
    created = _create(api_server, f"/api/v1/namespaces/{ns}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": pod},
        "spec": {"serviceAccountName": sa, "automountServiceAccountToken": False,
                 "containers": [{"name": "c", "image": "busybox"}]}})
    return account, created


def request_token(api_server, ns: str, sa: str, spec: dict) -> httpx.Response:
    with _client(api_server, token=api_server.token) as c:
        return c.post(f"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token",
                      json={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                            "spec": spec})


# --- anonymous, static tokens, certificates ---------------------------------------------------------

def test_anonymous_is_401_except_health_and_version(api_server):
    with _client(api_server) as c:
        r = c.get("/api/v1/namespaces")
        assert r.status_code == 401
        assert r.json()["reason"] == "Unauthorized" and r.json()["kind"] == "Status"
        assert c.post(WHOAMI, json={}).status_code == 401
        for path in ("/healthz", "/livez", "/readyz", "/version"):
            assert c.get(path).status_code == 200, path


def test_static_token_is_the_admin(api_server):
    code, user = whoami(api_server, token=api_server.token)
    assert code == 201
    assert user["username"] == "kubernetes-admin"
    assert set(user["groups"]) == {"system:masters", "system:authenticated"}
    assert whoami(api_server, token="not-a-token")[0] == 401


def test_client_certificate_names_user_and_groups(api_server):
    cert = client_cert(_ca(api_server), "jane", ("dev", "ops"))
    code, user = whoami(api_server, cert=cert)
    assert code == 201
    assert user == {"username": "jane", "groups": ["dev", "ops", "system:authenticated"]}


def test_component_identities_from_the_pki(api_server):
    pki = pkimod.Pki(Path(api_server.cert_dir))
    sched = pkimod.issue_identity(pki, pkimod.COMPONENTS[0], api_server.url)
    node = pkimod.issue_node(pki, "node-x", api_server.url)
    for path, name, groups in ((sched, "system:kube-scheduler", []),
                               (node, "system:node:node-x", ["system:nodes"])):
        out = Kubectl.for_kubeconfig(str(path)).ok("auth", "whoami", "-o", "json")
        info = json.loads(out)["status"]["userInfo"]
        assert info["username"] == name
        assert info["groups"] == groups + ["system:authenticated"]


def _refused(api_server, cert) -> bool:
    """A certificate the cluster CA did not sign, or an expired one, never authenticates: the
    handshake refuses it (OpenSSL checks it against the CA), or the api-server answers 401."""
    try:
        return whoami(api_server, cert=cert)[0] == 401
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, ssl.SSLError):
        return True


def test_foreign_and_expired_certificates_are_refused(api_server):
    foreign_dir = Path(tempfile.mkdtemp(prefix="authn-foreign-"))
    foreign = pkimod.ensure_ca(foreign_dir / "ca.crt", foreign_dir / "ca.key", "evil-ca")
    assert _refused(api_server, client_cert(foreign, "kubernetes-admin", ("system:masters",)))
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    expired = client_cert(_ca(api_server), "jane", (), not_before=long_ago,
                          validity=dt.timedelta(days=1))
    assert _refused(api_server, expired)


# --- service-account tokens ------------------------------------------------------------------------

def test_token_request_bound_to_a_pod(api_server, ns):
    sa, pod = _sa_and_pod(api_server, ns)
    ref = {"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": pod["metadata"]["uid"]}
    r = request_token(api_server, ns, "robot", {"boundObjectRef": ref})
    assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["kind"] == "TokenRequest" and answer["spec"]["expirationSeconds"] == 3600
    token = answer["status"]["token"]
    claims = _claims(token)
    assert claims["iss"] == "https://kubernetes.default.svc.cluster.local"
    assert claims["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["sub"] == f"system:serviceaccount:{ns}:robot"
    assert claims["kubernetes.io"]["pod"] == {"name": "p", "uid": pod["metadata"]["uid"]}
    assert claims["kubernetes.io"]["serviceaccount"]["uid"] == sa["metadata"]["uid"]

    code, user = whoami(api_server, token=token)
    assert code == 201
    assert user["username"] == f"system:serviceaccount:{ns}:robot"
    assert user["uid"] == sa["metadata"]["uid"]
    assert user["groups"] == ["system:serviceaccounts", f"system:serviceaccounts:{ns}",
                              "system:authenticated"]

    # The token dies with its pod (an unscheduled pod is deleted at once).
    with _client(api_server, token=api_server.token) as c:
        assert c.delete(f"/api/v1/namespaces/{ns}/pods/p").status_code == 200
    eventually(lambda: whoami(api_server, token=token)[0] == 401, 10,
               message="token refused once its pod is gone")


def test_token_request_validation(api_server, ns):
    _, pod = _sa_and_pod(api_server, ns)
    r = request_token(api_server, ns, "robot", {"expirationSeconds": 599})
    assert r.status_code == 422 and "less than 10 minutes" in r.text
    r = request_token(api_server, ns, "nobody", {})
    assert r.status_code == 404
    r = request_token(api_server, ns, "robot", {"boundObjectRef": {
        "apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "not-the-uid"}})
    assert r.status_code == 409
    r = request_token(api_server, ns, "default-ish", {})
    assert r.status_code == 404
    _create(api_server, f"/api/v1/namespaces/{ns}/serviceaccounts",
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "other"}})
    r = request_token(api_server, ns, "other", {"boundObjectRef": {
        "apiVersion": "v1", "kind": "Pod", "name": "p"}})
    assert r.status_code == 400 and "different serviceaccount" in r.text


def test_foreign_audience_and_deleted_account_are_refused(api_server, ns):
    _sa_and_pod(api_server, ns)
    vault = request_token(api_server, ns, "robot", {"audiences": ["vault"]}).json()
    assert _claims(vault["status"]["token"])["aud"] == ["vault"]
    assert whoami(api_server, token=vault["status"]["token"])[0] == 401
    token = request_token(api_server, ns, "robot", {}).json()["status"]["token"]
    assert whoami(api_server, token=token)[0] == 201
    with _client(api_server, token=api_server.token) as c:
        c.delete(f"/api/v1/namespaces/{ns}/serviceaccounts/robot").raise_for_status()
    eventually(lambda: whoami(api_server, token=token)[0] == 401, 10,
               message="token refused once its service account is gone")


def test_expired_and_forged_tokens_are_refused(api_server, ns):
    sa, _ = _sa_and_pod(api_server, ns)
    issuer = "https://kubernetes.default.svc.cluster.local"
    signer = TokenSigner.from_file(Path(api_server.cert_dir) / "sa.key", issuer)
    claims = service_account_claims(issuer, [issuer], 600, sa, now=0)
    assert whoami(api_server, token=signer.sign(claims))[0] == 401          # expired in 1970
    fresh = service_account_claims(issuer, [issuer], 600, sa)
    assert whoami(api_server, token=signer.sign(fresh))[0] == 201
    forger = TokenSigner(pkimod._key(), issuer)
    assert whoami(api_server, token=forger.sign(fresh))[0] == 401           # another key


def test_kubectl_create_token(api_server, ns):
    _sa_and_pod(api_server, ns)
    kubectl = Kubectl.for_kubeconfig(api_server.kubeconfig)
    token = kubectl.ok("create", "token", "robot", "-n", ns, "--duration", "15m").strip()
    claims = _claims(token)
    assert claims["exp"] - claims["iat"] == 900
    assert whoami(api_server, token=token)[1]["username"] == f"system:serviceaccount:{ns}:robot"
    bound = kubectl.ok("create", "token", "robot", "-n", ns, "--bound-object-kind", "Pod",
                       "--bound-object-name", "p").strip()
    assert _claims(bound)["kubernetes.io"]["pod"]["name"] == "p"
