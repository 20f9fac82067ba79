"""The kubelet's serving certificate: self-signed, made at first start, kept in the cert dir
(as upstream's kubelet does without --tls-cert-file: `<root>/pki/kubelet.crt`)."""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=365)


def ensure_serving_cert(cert_dir: str | Path, node_name: str,
                        extra_sans: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """(cert, key) paths; generated once, reused after a restart."""
    d = Path(cert_dir)
    cert, key = d / "kubelet.crt", d / "kubelet.key"
    if cert.exists() and key.exists():
        return cert, key
    d.mkdir(parents=True, exist_ok=True)
    private = ec.generate_private_key(ec.SECP256R1())
    sans = _sans(node_name, extra_sans)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{node_name}@kubelet")])
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
                   .add_extension(x509.SubjectAlternativeName(sans), False)
                   .sign(private, hashes.SHA256()))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    os.chmod(key, 0o600)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _sans(node_name: str, extra: tuple[str, ...]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for value in (node_name, "localhost", socket.gethostname(), "127.0.0.1", *extra):
        try:
            entry: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            entry = x509.DNSName(value)
        if entry not in names:
            names.append(entry)
    return names


def client_cert_mode(client_ca_file: str | None) -> dict:
    """uvicorn's TLS client-auth settings: with a CA, every caller (the api-server) must present
    a certificate it signed; without, anyone may connect (until the security work lands)."""
    if client_ca_file is None:
        return {"ssl_cert_reqs": ssl.CERT_NONE}
    return {"ssl_ca_certs": client_ca_file, "ssl_cert_reqs": ssl.CERT_REQUIRED}
