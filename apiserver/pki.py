"""The cluster's PKI, generated at first start and kept in the cert dir (a volume).

A CA, the api-server's serving certificate, and an admin credential: a bearer token in a static
token file (upstream's --token-auth-file format) and an admin client certificate, both written
into an admin kubeconfig.
"""
from __future__ import annotations

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
from cryptography.x509.oid import NameOID

VALIDITY = dt.timedelta(days=3650)


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


def _sign(subject: x509.Name, key, ca_cert, ca_key, *, is_ca=False, sans=(), client=False):
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(ca_cert.subject if ca_cert else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + VALIDITY)
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if is_ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True,
                                                      False, False), critical=True)
    else:
        usage = x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH if client else \
            x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
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


def ensure_pki(cert_dir: str, sans: list[str], external_url: str,
               internal_url: str | None = None) -> Pki:
    """Create whatever is missing; never replace what exists (restarts keep credentials)."""
    pki = Pki(Path(cert_dir))
    pki.dir.mkdir(parents=True, exist_ok=True)
    if not pki.ca_cert.exists():
        key = _key()
        cert = _sign(_name("tinykube-ca"), key, None, None, is_ca=True)
        _write_key(pki.ca_key, key)
        pki.ca_cert.write_bytes(_pem(cert))
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    wanted = sorted(set(sans))
    if not pki.serving_cert.exists() or _sans_of(pki.serving_cert) != wanted:
        key = _key()
        cert = _sign(_name("kube-apiserver"), key, ca_cert, ca_key,
                     sans=[_san(s) for s in wanted])
        _write_key(pki.serving_key, key)
        pki.serving_cert.write_bytes(_pem(cert))
    if not pki.admin_cert.exists():
        key = _key()
        cert = _sign(_name("kubernetes-admin", ("system:masters",)), key, ca_cert, ca_key,
                     client=True)
        _write_key(pki.admin_key, key)
        pki.admin_cert.write_bytes(_pem(cert))
    if not pki.token_file.exists():
        token = secrets.token_hex(24)
        pki.token_file.write_text(f'{token},kubernetes-admin,admin-uid,"system:masters"\n')
        os.chmod(pki.token_file, 0o600)
    write_admin_kubeconfig(pki, external_url)
    if internal_url:
        write_admin_kubeconfig(pki, internal_url, path=pki.cluster_kubeconfig)
    return pki


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


def write_admin_kubeconfig(pki: Pki, server: str, name: str = "tinykube",
                           path: Path | None = None) -> None:
    b64 = lambda p: base64.b64encode(p.read_bytes()).decode()  # noqa: E731
    config = {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": name, "cluster": {"server": server,
                                                "certificate-authority-data": b64(pki.ca_cert)}}],
        "users": [{"name": name, "user": {"token": admin_token(pki),
                                          "client-certificate-data": b64(pki.admin_cert),
                                          "client-key-data": b64(pki.admin_key)}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name,
                                                "namespace": "default"}}],
        "current-context": name,
    }
    path = path or pki.admin_kubeconfig
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    os.chmod(path, 0o644 if path == pki.cluster_kubeconfig else 0o600)
