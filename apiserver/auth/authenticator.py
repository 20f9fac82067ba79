"""Who is calling: upstream's union of authenticators, and the ASGI middleware that asks it.

Order as upstream's: client certificate (x509), then a bearer token from the static token file,
then a service-account JWT. The first that recognises the credential decides; no valid
credential means 401 Unauthorized, except on /healthz, /livez, /readyz and /version, which
anyone may call (there the user is the caller's if valid, else system:anonymous). The user is
put in `scope["user"]` (a `User`) for HTTP and websocket requests alike.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from apiserver.auth.serviceaccount_tokens import (InvalidToken, Lookup,
                                                  ServiceAccountAuthenticator, TokenVerifier)
from apiserver.auth.tokens import ANONYMOUS, TokenAuthenticator, User
from apiserver.auth.x509 import X509Authenticator
from machinery.api.errors import Unauthorized

log = logging.getLogger("apiserver.authn")

PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")


def audiences_of(settings) -> tuple[str, ...]:
    """--api-audiences, defaulting to the service-account issuer (as upstream)."""
    listed = tuple(a.strip() for a in settings.api_audiences.split(",") if a.strip())
    return listed or (settings.service_account_issuer,)


def context_lookup(ctx) -> Lookup:
    """Objects a token names, from the watch caches (fresh within milliseconds), else etcd."""
    from apiserver.rest.context import object_key
    from apiserver.storage import KeyNotFound
    from machinery.api import resources

    async def lookup(plural: str, namespace: str | None, name: str):
        info = resources.lookup("", "v1", plural)
        key = object_key(info, namespace if info.namespaced else None, name)
        obj = ctx.cache_for(info).objects.get(key) if ctx.caches else None
        if obj is not None:
            return obj
        try:
            return await ctx.store.get(key)
        except KeyNotFound:
            return None
    return lookup


def build_authenticator(ctx, token_file: str | Path | None) -> "UnionAuthenticator":
    """The api-server's authenticator from its cert dir: the cluster CA for client
    certificates, the static token file, sa.pub for service-account tokens."""
    settings = ctx.settings
    cert_dir = Path(settings.cert_dir)
    return UnionAuthenticator.from_files(cert_dir / "ca.crt", token_file, cert_dir / "sa.pub",
                                         context_lookup(ctx), settings.service_account_issuer,
                                         audiences_of(settings))


def bearer_token(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip() or None
            return None
    return None


def self_subject_review(user: User) -> dict[str, Any]:
    """A SelfSubjectReview (authentication.k8s.io/v1) answered with the caller's user."""
    info: dict[str, Any] = {"username": user.name, "groups": list(user.groups)}
    if user.uid:
        info["uid"] = user.uid
    return {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": None}, "status": {"userInfo": info}}


class UnionAuthenticator:
    def __init__(self, x509: X509Authenticator | None = None,
                 tokens: TokenAuthenticator | None = None,
                 service_accounts: ServiceAccountAuthenticator | None = None):
        self.x509, self.tokens, self.service_accounts = x509, tokens, service_accounts

    @classmethod
    def from_files(cls, ca_file: str | Path | None, token_file: str | Path | None,
                   sa_public_key: str | Path | None, lookup: Lookup | None,
                   issuer: str, audiences: tuple[str, ...]) -> "UnionAuthenticator":
        """Each authenticator whose file exists (a test server may lack some)."""
        exists = lambda p: p is not None and Path(p).is_file()  # noqa: E731
        sa = None
        if exists(sa_public_key) and lookup is not None:
            sa = ServiceAccountAuthenticator(
                TokenVerifier.from_file(sa_public_key, issuer, audiences), lookup)
        return cls(X509Authenticator.from_file(ca_file) if exists(ca_file) else None,
                   TokenAuthenticator.from_file(Path(token_file)) if exists(token_file) else None,
                   sa)

    async def authenticate(self, scope: dict[str, Any]) -> User | None:
        if self.x509 is not None and (user := self.x509.authenticate(scope)) is not None:
            return user
        token = bearer_token(scope)
        if token is None:
            return None
        if self.tokens is not None and \
                (user := self.tokens.authenticate(f"Bearer {token}")) is not None:
            return user
        if self.service_accounts is not None:
            try:
                return await self.service_accounts.authenticate(token)
            except InvalidToken as e:
                log.info("service account token refused", extra={"error": str(e)})
        return None


class AuthenticationMiddleware:
    """401 for requests without a valid credential; `scope["user"]` for the rest."""

    def __init__(self, app, authenticator: UnionAuthenticator | None):
        self.app, self.authenticator = app, authenticator

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or self.authenticator is None:
            return await self.app(scope, receive, send)
        user = await self.authenticator.authenticate(scope)
        if user is None and scope["path"].rstrip("/") in PUBLIC_PATHS:
            user = ANONYMOUS
        if user is None:
            return await _unauthorized(scope, send)
        scope["user"] = user
        return await self.app(scope, receive, send)


async def _unauthorized(scope, send) -> None:
    body = json.dumps(Unauthorized("Unauthorized").to_status()).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-cache, private")]
    if scope["type"] == "http":
        prefix = "http.response"
    elif "websocket.http.response" in (scope.get("extensions") or {}):
        prefix = "websocket.http.response"
    else:
        return await send({"type": "websocket.close", "code": 1008})
    await send({"type": f"{prefix}.start", "status": 401, "headers": headers})
    await send({"type": f"{prefix}.body", "body": body})
