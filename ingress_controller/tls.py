"""TLS termination: certificates from `kubernetes.io/tls` Secrets, chosen per host by SNI.

The listening socket's context carries a self-signed default certificate (ingress-nginx's
"Kubernetes Ingress Controller Fake Certificate"); during each handshake the SNI callback
looks the server name up in the route table's `spec.tls` hosts and switches to a context
holding that Secret's `tls.crt`/`tls.key`. Contexts are cached per Secret resourceVersion.
"""
from __future__ import annotations

import base64
import datetime
import logging
import os
import ssl
import tempfile
from typing import Any, Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ingress_controller.backends import Store
from ingress_controller.routing import RouteTable
from machinery.runtime import kv

log = logging.getLogger("ingress_controller.tls")
FAKE_CN = "Kubernetes Ingress Controller Fake Certificate"


def self_signed(common_name: str = FAKE_CN, hosts: tuple[str, ...] = ("ingress.local",)
                ) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) of a fresh self-signed certificate, valid for a year."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def context_from_pem(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    # ssl loads keys only from files: a private directory, removed at once
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
        with open(cert_file, "wb") as f:
            f.write(cert_pem)
        with open(key_file, "wb") as f:
            f.write(key_pem)
        ctx.load_cert_chain(cert_file, key_file)
    return ctx


class Certificates:
    def __init__(self, secrets: Store, table: Callable[[], RouteTable]):
        self.secrets, self.table = secrets, table
        self.default = context_from_pem(*self_signed())
        self.default.sni_callback = self._on_sni
        self._cache: dict[tuple[str, str], tuple[str, ssl.SSLContext | None]] = {}

    def server_context(self) -> ssl.SSLContext:
        return self.default

    def context_for(self, host: str) -> ssl.SSLContext | None:
        ref = self.table().tls_secret(host)
        if ref is None:
            return None
        secret = self.secrets.get(f"{ref[0]}/{ref[1]}", copy_=False)
        if secret is None:
            return None
        rv = (secret.get("metadata") or {}).get("resourceVersion", "")
        cached = self._cache.get(ref)
        if cached is None or cached[0] != rv:
            cached = (rv, self._load(ref, secret))
            self._cache[ref] = cached
        return cached[1]

    def _load(self, ref: tuple[str, str], secret: dict[str, Any]) -> ssl.SSLContext | None:
        data = secret.get("data") or {}
        try:
            ctx = context_from_pem(base64.b64decode(data.get("tls.crt", "")),
                                   base64.b64decode(data.get("tls.key", "")))
        except (ssl.SSLError, ValueError, OSError) as e:
            log.warning("bad tls secret", extra=kv(secret=f"{ref[0]}/{ref[1]}", error=str(e)))
            return None
        log.info("loaded certificate", extra=kv(secret=f"{ref[0]}/{ref[1]}"))
        return ctx

    def _on_sni(self, sock: ssl.SSLObject, server_name: str | None,
                _ctx: ssl.SSLContext) -> None:
        if server_name:
            ctx = self.context_for(server_name)
            if ctx is not None:
                sock.context = ctx
