"""Service-account JWTs: signing, verification, claims, and the bound-object checks."""
from __future__ import annotations

import asyncio
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from apiserver.auth.serviceaccount_tokens import (ISSUER, InvalidToken,
                                                  ServiceAccountAuthenticator, TokenSigner,
                                                  TokenVerifier, service_account_claims)

pytestmark = pytest.mark.unit

SA = {"metadata": {"name": "robot", "namespace": "ns", "uid": "sa-uid"}}
POD = {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns", "uid": "pod-uid"}}
NODE = {"metadata": {"name": "node-1", "uid": "node-uid"}}
NOW = 1_700_000_000


def _pair(kind: str = "ec"):
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else \
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return TokenSigner(key), TokenVerifier(key.public_key())


@pytest.mark.parametrize("kind,alg", [("ec", "ES256"), ("rsa", "RS256")])
def test_sign_and_verify_round_trip(kind, alg):
    signer, verifier = _pair(kind)
    assert signer.alg == alg
    claims = service_account_claims(ISSUER, [ISSUER], 3600, SA, POD, NODE, now=NOW)
    token = signer.sign(claims)
    assert verifier.verify(token, now=NOW + 10) == claims
    assert claims["kubernetes.io"] == {
        "namespace": "ns", "serviceaccount": {"name": "robot", "uid": "sa-uid"},
        "pod": {"name": "p", "uid": "pod-uid"}, "node": {"name": "node-1", "uid": "node-uid"}}
    assert claims["exp"] == NOW + 3600 and claims["sub"] == "system:serviceaccount:ns:robot"


def test_tampered_or_foreign_tokens_fail():
    signer, verifier = _pair()
    token = signer.sign(service_account_claims(ISSUER, [ISSUER], 3600, SA, now=NOW))
    head, body, sig = token.split(".")
    other = TokenSigner(ec.generate_private_key(ec.SECP256R1()))
    forged_body = other.sign(service_account_claims(ISSUER, [ISSUER], 9999, SA, now=NOW))
    with pytest.raises(InvalidToken):
        verifier.verify(f"{head}.{forged_body.split('.')[1]}.{sig}", now=NOW)
    with pytest.raises(InvalidToken):
        verifier.verify(forged_body, now=NOW)


def test_expiry_with_leeway_and_audience():
    signer, verifier = _pair()
    token = signer.sign(service_account_claims(ISSUER, [ISSUER], 600, SA, now=NOW))
    verifier.verify(token, now=NOW + 600 + 59)          # within the minute of leeway
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token, now=NOW + 600 + 61)
    with pytest.raises(InvalidToken, match="not valid yet"):
        verifier.verify(token, now=NOW - 120)
    vault = signer.sign(service_account_claims(ISSUER, ["vault"], 600, SA, now=NOW))
    with pytest.raises(InvalidToken, match="audiences"):
        verifier.verify(vault, now=NOW)


def test_claims_if_ours_recognises_only_our_issuer():
    signer, verifier = _pair()
    ours = signer.sign(service_account_claims(ISSUER, [ISSUER], 600, SA, now=NOW))
    theirs = TokenSigner(signer.key, "https://elsewhere").sign(
        service_account_claims("https://elsewhere", [ISSUER], 600, SA, now=NOW))
    assert verifier.claims_if_ours(ours)["iss"] == ISSUER
    assert verifier.claims_if_ours(theirs) is None
    assert verifier.claims_if_ours("abc123") is None
    assert verifier.claims_if_ours("a.b.c") is None


def _authenticator(objects: dict):
    signer, verifier = _pair()

    async def lookup(plural, namespace, name):
        return objects.get((plural, name))
    return signer, ServiceAccountAuthenticator(verifier, lookup)


def test_bound_token_user_and_revocation():
    objects = {("serviceaccounts", "robot"): SA, ("pods", "p"): POD}
    signer, authn = _authenticator(objects)
    token = signer.sign(service_account_claims(ISSUER, [ISSUER], 3600, SA, POD))
    user = asyncio.run(authn.authenticate(token))
    assert user.name == "system:serviceaccount:ns:robot" and user.uid == "sa-uid"
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:ns",
                           "system:authenticated")
    # a pod of the same name but another uid (recreated) does not revive the token
    objects[("pods", "p")] = {"metadata": {**POD["metadata"], "uid": "new"}}
    with pytest.raises(InvalidToken, match="does not match"):
        asyncio.run(authn.authenticate(token))
    # a pod deleted long enough ago (graceful deletion) is as good as gone
    gone = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 120))
    objects[("pods", "p")] = {"metadata": {**POD["metadata"], "deletionTimestamp": gone}}
    with pytest.raises(InvalidToken, match="invalidated"):
        asyncio.run(authn.authenticate(token))
    del objects[("pods", "p")]
    with pytest.raises(InvalidToken, match="not found"):
        asyncio.run(authn.authenticate(token))
    assert asyncio.run(authn.authenticate("static-token-xyz")) is None
