"""The cluster's PKI, kept in the cert dir (a volume); nothing that exists is ever replaced.

At the api-server's first start (`ensure_pki`): the cluster CA, the serving certificate, the admin
credential (a static token in upstream's --token-auth-file format plus a client certificate, both
in admin.kubeconfig), the service-account signing key (sa.key/sa.pub) and the api-server's client
certificate towards kubelets (signed by a CA of its own, which kubelets trust for callers).

At deploy time (`python -m apiserver.pki init`, a one-shot compose service that runs before etcd):
the CA, one client certificate and kubeconfig per component identity (COMPONENTS, and
`system:node:<name>` in `system:nodes` per kubelet, with a serving certificate signed by the
cluster CA), and etcd's own PKI. A new node later: `docker compose exec apiserver python -m
apiserver.pki issue-node node-3`, then a kubelet service with TINYKUBE_KUBECONFIG=
/var/lib/tinykube/pki/kubelet-node-3.kubeconfig and TINYKUBE_TLS_CERT_DIR=.../pki/nodes/node-3.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=3650)
CLIENT, SERVER = ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH


@dataclass(frozen=True)
class Identity:
    """A client certificate + kubeconfig: `<file>.crt`, `<file>.key`, `<file>.kubeconfig`."""
    file: str
    user: str                          # the certificate's CN: the user name
    groups: tuple[str, ...] = ()       # its O entries: the groups


# Upstream's user names; RBAC binds system:kube-scheduler, system:kube-controller-manager and
# system:kube-proxy (ClusterRoleBinding system:node-proxier) by user, nodes by the Node authorizer.
COMPONENTS = (Identity("scheduler", "system:kube-scheduler"),
              Identity("controller-manager", "system:kube-controller-manager"),
              Identity("kube-proxy", "system:kube-proxy"))
KUBELET_CLIENT = Identity("apiserver-kubelet-client", "kube-apiserver-kubelet-client",
                          ("system:masters",))


def node_identity(node: str) -> Identity:
    return Identity(f"kubelet-{node}", f"system:node:{node}", ("system:nodes",))


@dataclass
class Pki:
    dir: Path

    @property
    def ca_cert(self) -> Path: return self.dir / "ca.crt"
    @property
    def ca_key(self) -> Path: return self.dir / "ca.key"
    @property
    def serving_cert(self) -> Path: return self.dir / "apiserver.crt"
    @property
    def serving_key(self) -> Path: return self.dir / "apiserver.key"
    @property
    def admin_cert(self) -> Path: return self.dir / "admin.crt"
    @property
    def admin_key(self) -> Path: return self.dir / "admin.key"
    @property
    def token_file(self) -> Path: return self.dir / "tokens.csv"
    @property
    def admin_kubeconfig(self) -> Path: return self.dir / "admin.kubeconfig"
    @property
    def cluster_kubeconfig(self) -> Path: return self.dir / "cluster.kubeconfig"
    @property
    def sa_key(self) -> Path: return self.dir / "sa.key"
    @property
    def sa_pub(self) -> Path: return self.dir / "sa.pub"
    @property
    def kubelet_client_ca(self) -> Path: return self.dir / "kubelet-client-ca.crt"

    def cert(self, ident: Identity) -> Path: return self.dir / f"{ident.file}.crt"
    def key(self, ident: Identity) -> Path: return self.dir / f"{ident.file}.key"
    def kubeconfig(self, ident: Identity) -> Path: return self.dir / f"{ident.file}.kubeconfig"
    def node_serving_dir(self, node: str) -> Path: return self.dir / "nodes" / node


# --- primitives ----------------------------------------------------------------------------------

def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(path, 0o600)


def _name(cn: str, orgs: tuple[str, ...] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _sign(subject: x509.Name, key, ca_cert, ca_key, *, is_ca=False, sans=(), client=False,
          validity: dt.timedelta = VALIDITY, not_before: dt.datetime | None = None):
    now = not_before or dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(ca_cert.subject if ca_cert else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + validity)
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if is_ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True,
                                                      False, False), critical=True)
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([CLIENT if client else SERVER]),
                                        critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(ca_key or key, hashes.SHA256())


def _san(value: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def ensure_ca(cert: Path, key: Path, cn: str):
    """(certificate, key) of a CA, made if missing."""
    cert.parent.mkdir(parents=True, exist_ok=True)
    if not cert.exists():
        private = _key()
        _write_key(key, private)
        cert.write_bytes(_pem(_sign(_name(cn), private, None, None, is_ca=True)))
    return (x509.load_pem_x509_certificate(cert.read_bytes()),
            serialization.load_pem_private_key(key.read_bytes(), None))


def ensure_leaf(cert: Path, key: Path, ca, subject: x509.Name, *, client: bool,
                sans: list[str] = ()) -> None:
    """A leaf certificate signed by `ca` (cert, key), made if missing."""
    if cert.exists() and key.exists():
        return
    cert.parent.mkdir(parents=True, exist_ok=True)
    private = _key()
    _write_key(key, private)
    cert.write_bytes(_pem(_sign(subject, private, ca[0], ca[1], client=client,
                                sans=[_san(s) for s in sans])))


# --- what the api-server makes at start ----------------------------------------------------------

def ensure_pki(cert_dir: str, sans: list[str], external_url: str,
               internal_url: str | None = None) -> Pki:
    """Create whatever is missing; never replace what exists (restarts keep credentials)."""
    pki = Pki(Path(cert_dir))
    ca = ensure_ca(pki.ca_cert, pki.ca_key, "tinykube-ca")
    wanted = sorted(set(sans))
    if not pki.serving_cert.exists() or _sans_of(pki.serving_cert) != wanted:
        pki.serving_cert.unlink(missing_ok=True)
        ensure_leaf(pki.serving_cert, pki.serving_key, ca, _name("kube-apiserver"),
                    client=False, sans=wanted)
    ensure_leaf(pki.admin_cert, pki.admin_key, ca, _name("kubernetes-admin", ("system:masters",)),
                client=True)
    if not pki.token_file.exists():
        token = secrets.token_hex(24)
        pki.token_file.write_text(f'{token},kubernetes-admin,admin-uid,"system:masters"\n')
        os.chmod(pki.token_file, 0o600)
    ensure_service_account_key(pki)
    # Kubelets trust a CA that signs nothing but the api-server's client certificate, so no
    # other cluster identity can call a kubelet's 10250 API directly.
    kubelet_ca = ensure_ca(pki.kubelet_client_ca, pki.dir / "kubelet-client-ca.key",
                           "tinykube-kubelet-client-ca")
    ensure_leaf(pki.cert(KUBELET_CLIENT), pki.key(KUBELET_CLIENT), kubelet_ca,
                _name(KUBELET_CLIENT.user, KUBELET_CLIENT.groups), client=True)
    write_admin_kubeconfig(pki, external_url)
    if internal_url:
        write_admin_kubeconfig(pki, internal_url, path=pki.cluster_kubeconfig)
    return pki


def ensure_service_account_key(pki: Pki) -> None:
    """The key pair that signs service-account tokens (ES256), as upstream's sa.key/sa.pub."""
    if pki.sa_key.exists() and pki.sa_pub.exists():
        return
    private = _key()
    _write_key(pki.sa_key, private)
    pki.sa_pub.write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def _sans_of(path: Path) -> list[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return sorted([str(v) for v in ext.get_values_for_type(x509.IPAddress)] +
                  ext.get_values_for_type(x509.DNSName))


def admin_token(pki: Pki) -> str:
    return pki.token_file.read_text().split(",", 1)[0]


def write_kubeconfig(path: Path, server: str, ca: Path, *, cert: Path | None = None,
                     key: Path | None = None, token: str | None = None,
                     name: str = "tinykube", mode: int = 0o600) -> None:
    b64 = lambda p: base64.b64encode(p.read_bytes()).decode()  # noqa: E731
    user: dict[str, str] = {}
    if token:
        user["token"] = token
    if cert and key:
        user.update({"client-certificate-data": b64(cert), "client-key-data": b64(key)})
    config = {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": name, "cluster": {"server": server,
                                                "certificate-authority-data": b64(ca)}}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name,
                                                "namespace": "default"}}],
        "current-context": name,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    os.chmod(path, mode)


def write_admin_kubeconfig(pki: Pki, server: str, name: str = "tinykube",
                           path: Path | None = None) -> None:
    path = path or pki.admin_kubeconfig
    write_kubeconfig(path, server, pki.ca_cert, cert=pki.admin_cert, key=pki.admin_key,
                     token=admin_token(pki), name=name,
                     mode=0o644 if path == pki.cluster_kubeconfig else 0o600)


# --- component identities and etcd, made at deploy time ------------------------------------------

def issue_identity(pki: Pki, ident: Identity, server: str) -> Path:
    """`ident`'s client certificate (cluster CA) and its kubeconfig; the kubeconfig's path."""
    ca = ensure_ca(pki.ca_cert, pki.ca_key, "tinykube-ca")
    ensure_leaf(pki.cert(ident), pki.key(ident), ca, _name(ident.user, ident.groups), client=True)
    path = pki.kubeconfig(ident)
    if not path.exists():
        write_kubeconfig(path, server, pki.ca_cert, cert=pki.cert(ident), key=pki.key(ident))
    return path


def issue_node(pki: Pki, node: str, server: str, sans: list[str] = ()) -> Path:
    """A kubelet's client identity plus its serving certificate in `nodes/<node>/kubelet.crt`
    (the file names the kubelet's --tls-cert-dir looks for)."""
    ca = ensure_ca(pki.ca_cert, pki.ca_key, "tinykube-ca")
    serving = pki.node_serving_dir(node)
    ensure_leaf(serving / "kubelet.crt", serving / "kubelet.key", ca,
                _name(f"system:node:{node}", ("system:nodes",)), client=False,
                sans=[node, "localhost", "127.0.0.1", *sans])
    return issue_identity(pki, node_identity(node), server)


def ensure_etcd_pki(etcd_dir: str, sans: list[str]) -> Path:
    """etcd's own CA (as kubeadm: etcd trusts no cluster identity), its serving certificate,
    the api-server's client certificate and one for health checks."""
    d = Path(etcd_dir)
    ca = ensure_ca(d / "ca.crt", d / "ca.key", "etcd-ca")
    ensure_leaf(d / "server.crt", d / "server.key", ca, _name("etcd-server"), client=False,
                sans=["etcd", "localhost", "127.0.0.1", *sans])
    ensure_leaf(d / "apiserver-etcd-client.crt", d / "apiserver-etcd-client.key", ca,
                _name("kube-apiserver-etcd-client"), client=True)
    ensure_leaf(d / "healthcheck-client.crt", d / "healthcheck-client.key", ca,
                _name("kube-etcd-healthcheck-client"), client=True)
    return d


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m apiserver.pki",
                                     description="tinykube's deploy-time certificates")
    parser.add_argument("--cert-dir", default="/var/lib/tinykube/pki")
    parser.add_argument("--server", default="https://apiserver:6443",
                        help="the api-server URL written into the kubeconfigs")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="the CA, component identities, nodes and etcd")
    init.add_argument("--nodes", default="node-1,node-2")
    init.add_argument("--etcd-cert-dir", default="", help="empty: no etcd PKI")
    init.add_argument("--etcd-sans", default="")
    node = commands.add_parser("issue-node", help="the identity of one more kubelet")
    node.add_argument("name")
    args = parser.parse_args(argv)
    pki = Pki(Path(args.cert_dir))
    if args.command == "issue-node":
        print(issue_node(pki, args.name, args.server))
        return
    for ident in COMPONENTS:
        print(issue_identity(pki, ident, args.server))
    for name in filter(None, (n.strip() for n in args.nodes.split(","))):
        print(issue_node(pki, name, args.server))
    if args.etcd_cert_dir:
        sans = [s.strip() for s in args.etcd_sans.split(",") if s.strip()]
        print(ensure_etcd_pki(args.etcd_cert_dir, sans))


if __name__ == "__main__":
    main()
