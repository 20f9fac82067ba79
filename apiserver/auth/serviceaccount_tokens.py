"""Service-account tokens: signed JWTs bound to a service account (and a pod, secret or node),
with an audience and an expiry, as upstream's bound tokens (pkg/serviceaccount).

    {"iss": issuer, "sub": "system:serviceaccount:<ns>:<name>", "aud": [...], "exp", "iat",
     "nbf", "jti", "kubernetes.io": {"namespace": ns, "serviceaccount": {"name", "uid"},
                                     "pod": {"name", "uid"}, "node": {"name", "uid"}}}

Signed with the cluster's sa.key (ES256 for an EC key, RS256 for an RSA one). A presented token
is valid while its signature, issuer, audience and expiry check out AND the objects it names
still exist with the same uid: deleting the pod (or the service account) revokes it.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, Awaitable, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)

from apiserver.auth.tokens import User

ISSUER = "https://kubernetes.default.svc.cluster.local"
LEEWAY_S = 60                   # clock skew allowed on exp/nbf/iat (upstream's jwt.DefaultLeeway)
DELETION_GRACE_S = 60           # a token outlives its pod's deletionTimestamp by this much
CACHE_SIZE = 4096
Obj = dict[str, Any]
# (resource plural, namespace or None, name) -> the object or None; the api-server's caches.
Lookup = Callable[[str, str | None, str], Awaitable[Obj | None]]


class InvalidToken(Exception):
    """The token is not (or no longer) valid; the message says why (never shown to clients)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key) -> str:
    """Upstream's kid: the unpadded base64url SHA-256 of the DER public key."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    return _b64(hashlib.sha256(der).digest())


class TokenSigner:
    def __init__(self, private_key, issuer: str = ISSUER):
        self.key, self.issuer = private_key, issuer
        self.alg = "ES256" if isinstance(private_key, ec.EllipticCurvePrivateKey) else "RS256"
        self.kid = key_id(private_key.public_key())

    @classmethod
    def from_file(cls, path: str | Path, issuer: str = ISSUER) -> "TokenSigner":
        return cls(serialization.load_pem_private_key(Path(path).read_bytes(), None), issuer)

    def sign(self, claims: Obj) -> str:
        header = {"alg": self.alg, "kid": self.kid}
        signing_input = f"{_b64(_json(header))}.{_b64(_json(claims))}".encode()
        if self.alg == "ES256":
            r, s = decode_dss_signature(self.key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            signature = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode()}.{_b64(signature)}"


def _json(obj: Obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def service_account_claims(issuer: str, audiences: list[str], expiration_s: int, sa: Obj,
                           bound: Obj | None = None, node: Obj | None = None,
                           now: float | None = None) -> Obj:
    """The claims of a token for `sa`, bound to `bound` (a Pod or Secret) and `node`."""
    now = int(now if now is not None else time.time())
    meta = sa["metadata"]
    private: Obj = {"namespace": meta["namespace"],
                    "serviceaccount": {"name": meta["name"], "uid": meta["uid"]}}
    if bound is not None:
        field = "pod" if bound.get("kind", "Pod") == "Pod" else "secret"
        private[field] = {"name": bound["metadata"]["name"], "uid": bound["metadata"]["uid"]}
    if node is not None:
        private["node"] = {"name": node["metadata"]["name"], "uid": node["metadata"]["uid"]}
    return {"aud": list(audiences), "exp": now + expiration_s, "iat": now, "nbf": now,
            "iss": issuer, "jti": str(uuid.uuid4()),
            "sub": f"system:serviceaccount:{meta['namespace']}:{meta['name']}",
            "kubernetes.io": private}


class TokenVerifier:
    """Signature, issuer, audience and time checks of a JWT (no API lookups)."""

    def __init__(self, public_key, issuer: str = ISSUER, audiences: tuple[str, ...] = (ISSUER,)):
        self.key, self.issuer, self.audiences = public_key, issuer, set(audiences)
        self._verified: OrderedDict[str, Obj] = OrderedDict()

    @classmethod
    def from_file(cls, path: str | Path, issuer: str = ISSUER,
                  audiences: tuple[str, ...] = (ISSUER,)) -> "TokenVerifier":
        return cls(serialization.load_pem_public_key(Path(path).read_bytes()), issuer, audiences)

    def claims_if_ours(self, token: str) -> Obj | None:
        """The unverified claims when the token looks like a JWT from our issuer, else None
        (another authenticator's token)."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) and claims.get("iss") == self.issuer else None

    def verify(self, token: str, now: float | None = None) -> Obj:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify_signature(token)
            self._verified[token] = claims
            if len(self._verified) > CACHE_SIZE:
                self._verified.popitem(last=False)
        self._check_claims(claims, time.time() if now is None else now)
        return claims

    def _verify_signature(self, token: str) -> Obj:
        head, body, sig = token.split(".")
        try:
            header, signature = json.loads(_unb64(head)), _unb64(sig)
            signing_input = f"{head}.{body}".encode()
            if isinstance(self.key, ec.EllipticCurvePublicKey) and header.get("alg") == "ES256" \
                    and len(signature) == 64:
                der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                           int.from_bytes(signature[32:], "big"))
                self.key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
            elif isinstance(self.key, rsa.RSAPublicKey) and header.get("alg") == "RS256":
                self.key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            else:
                raise InvalidToken(f"unexpected signing algorithm {header.get('alg')!r}")
            return json.loads(_unb64(body))
        except (InvalidSignature, ValueError, AttributeError) as e:
            raise InvalidToken(f"invalid signature: {type(e).__name__}") from None

    def _check_claims(self, claims: Obj, now: float) -> None:
        if claims.get("iss") != self.issuer:
            raise InvalidToken("wrong issuer")
        aud = claims.get("aud")
        aud = [aud] if isinstance(aud, str) else (aud or [])
        if not self.audiences.intersection(aud):
            raise InvalidToken("token audiences are not accepted by this api-server")
        exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat", 0))
        if not isinstance(exp, (int, float)) or now > exp + LEEWAY_S:
            raise InvalidToken("token has expired")
        if isinstance(nbf, (int, float)) and now < nbf - LEEWAY_S:
            raise InvalidToken("token is not valid yet")


def service_account_user(namespace: str, name: str, uid: str = "") -> User:
    return User(f"system:serviceaccount:{namespace}:{name}", uid,
                ("system:serviceaccounts", f"system:serviceaccounts:{namespace}",
                 "system:authenticated"))


class ServiceAccountAuthenticator:
    def __init__(self, verifier: TokenVerifier, lookup: Lookup):
        self.verifier, self.lookup = verifier, lookup

    async def authenticate(self, token: str, now: float | None = None) -> User | None:
        """The service account's user; None when the token is not one of ours. Raises
        InvalidToken for one of ours that does not hold."""
        if self.verifier.claims_if_ours(token) is None:
            return None
        now = time.time() if now is None else now
        claims = self.verifier.verify(token, now)
        private = claims.get("kubernetes.io")
        if not isinstance(private, dict):
            raise InvalidToken("no kubernetes.io claims")
        ns = private.get("namespace") or ""
        sa_ref = private.get("serviceaccount") or {}
        await self._same_object("serviceaccounts", ns, sa_ref, now)
        for field, resource in (("pod", "pods"), ("secret", "secrets")):
            if ref := private.get(field):
                await self._same_object(resource, ns, ref, now)
        return service_account_user(ns, sa_ref.get("name", ""), sa_ref.get("uid", ""))

    async def _same_object(self, resource: str, namespace: str, ref: Obj, now: float) -> None:
        name, uid = ref.get("name") or "", ref.get("uid") or ""
        obj = await self.lookup(resource, namespace, name) if name else None
        if obj is None:
            raise InvalidToken(f'{resource} "{name}" not found')
        if obj["metadata"].get("uid") != uid:
            raise InvalidToken(f"{resource} UID ({obj['metadata'].get('uid')}) does not match "
                               f"claim ({uid})")
        deleted = obj["metadata"].get("deletionTimestamp")
        if deleted and _epoch(deleted) < now - DELETION_GRACE_S:
            raise InvalidToken("token has been invalidated")


def _epoch(timestamp: str) -> float:
    return dt.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=dt.timezone.utc).timestamp()
