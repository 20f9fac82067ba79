"""Client-certificate authentication, as upstream's x509 authenticator: a certificate signed by
the cluster CA, valid now and meant for client auth, names the user in its CN and the groups in
its O entries.

The TLS layer already checks the chain when the client presents a certificate (uvicorn runs
with ssl_cert_reqs=CERT_OPTIONAL and the cluster CA); the check is repeated here so that a
certificate is never trusted just because it reached the application. The certificate arrives
in the ASGI TLS extension (`scope["extensions"]["tls"]["client_cert_chain"]`, PEM strings),
which `apiserver.auth.tls_scope` fills in.
"""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from apiserver.auth.tokens import User

AUTHENTICATED = "system:authenticated"
CACHE_SIZE = 1024


def client_cert_pem(scope: dict[str, Any]) -> str | None:
    """The client's leaf certificate (PEM) from the ASGI TLS extension, if it sent one."""
    tls = (scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or ()
    return chain[0] if chain else None


class X509Authenticator:
    def __init__(self, ca_pem: bytes):
        self.ca = x509.load_pem_x509_certificate(ca_pem)
        # Parsing and checking a certificate costs ~100 us; a connection reuses one for
        # every request, so remember the answer (expiry is checked again on each use).
        self._cache: OrderedDict[str, tuple[User | None, dt.datetime]] = OrderedDict()

    @classmethod
    def from_file(cls, ca_file: str | Path) -> "X509Authenticator":
        return cls(Path(ca_file).read_bytes())

    def authenticate(self, scope: dict[str, Any],
                     now: dt.datetime | None = None) -> User | None:
        pem = client_cert_pem(scope)
        if pem is None:
            return None
        now = now or dt.datetime.now(dt.timezone.utc)
        cached = self._cache.get(pem)
        if cached is None:
            cached = self._check(pem)
            self._cache[pem] = cached
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        user, not_after = cached
        return user if user is not None and now < not_after else None

    def _check(self, pem: str) -> tuple[User | None, dt.datetime]:
        """(user, expiry); (None, ...) for a certificate this CA did not issue for clients."""
        epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
            cert.verify_directly_issued_by(self.ca)
        except Exception:           # bad PEM, another issuer, a bad signature
            return None, epoch
        now = dt.datetime.now(dt.timezone.utc)
        if not (cert.not_valid_before_utc <= now < cert.not_valid_after_utc) or \
                not _for_clients(cert):
            return None, epoch
        return user_of(cert), cert.not_valid_after_utc


def _for_clients(cert: x509.Certificate) -> bool:
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True                 # no EKU: any use, as Go's verifier treats it
    return ExtendedKeyUsageOID.CLIENT_AUTH in usages or \
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages


def user_of(cert: x509.Certificate) -> User | None:
    """CN = user name, O = groups (upstream's CommonNameUserConversion)."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or not str(names[0].value):
        return None
    orgs = tuple(str(a.value) for a in cert.subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME))
    return User(str(names[0].value), "", orgs + (AUTHENTICATED,))
