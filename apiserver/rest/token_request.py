"""POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token: the TokenRequest subresource.

As upstream's TokenREST: the body is an authentication.k8s.io/v1 TokenRequest (audiences,
expirationSeconds, boundObjectRef to a Pod, Secret or Node); the answer is the same object with
status.token (a signed JWT, see apiserver/auth/serviceaccount_tokens.py) and
status.expirationTimestamp, 201 Created. The request goes through admission as a CREATE of
serviceaccounts/token (NodeRestriction uses that to keep kubelets to their own pods).
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any

from pathlib import Path

from apiserver.admission import AdmissionRequest
from apiserver.auth.authenticator import audiences_of
from apiserver.auth.serviceaccount_tokens import TokenSigner, service_account_claims
from apiserver.request_info import RequestInfo
from apiserver.rest.context import ServerContext, meta_of, object_key
from apiserver.rest.params import WriteParams
from apiserver.storage import KeyNotFound
from machinery.api import resources
from machinery.api.errors import BadRequest, Conflict, Invalid, NotFound, cause

Obj = dict[str, Any]
DEFAULT_EXPIRATION_S = 3600
MIN_EXPIRATION_S = 600
MAX_EXPIRATION_S = 2 ** 32
GROUP_VERSION = "authentication.k8s.io/v1"
BOUND_KINDS = {"Pod": "pods", "Secret": "secrets", "Node": "nodes"}


class TokenRequests:
    def __init__(self, ctx: ServerContext, signer: TokenSigner, audiences: tuple[str, ...]):
        self.ctx, self.signer, self.audiences = ctx, signer, list(audiences)

    async def _get(self, plural: str, namespace: str | None, name: str) -> Obj:
        info = resources.lookup("", "v1", plural)
        try:
            return await self.ctx.store.get(object_key(info, namespace if info.namespaced
                                                       else None, name))
        except KeyNotFound:
            raise NotFound.object(plural, "", name) from None

    async def create(self, ri: RequestInfo, body: Any, params: WriteParams) -> Obj:
        if not isinstance(body, dict):
            raise BadRequest("the body must be a TokenRequest object")
        spec = body.get("spec") or {}
        if not isinstance(spec, dict):
            raise BadRequest("spec must be an object")
        expiration = _expiration(spec, ri.name or "")
        audiences = [a for a in spec.get("audiences") or [] if isinstance(a, str) and a] or \
            self.audiences
        sa = await self._get("serviceaccounts", ri.namespace, ri.name or "")
        bound, node = await self._bound_objects(spec.get("boundObjectRef"), sa, ri.namespace)
        request = AdmissionRequest("CREATE", ri.info, ri.namespace, ri.name, "token", body,
                                   None, params.user, params.dry_run, self.ctx, params.warnings)
        await self.ctx.admission.admit(request)
        await self.ctx.admission.validate(request)
        now = time.time()
        token = "" if params.dry_run else self.signer.sign(service_account_claims(
            self.signer.issuer, audiences, expiration, sa, bound, node, now))
        expires = dt.datetime.fromtimestamp(int(now) + expiration, dt.timezone.utc)
        return {"kind": "TokenRequest", "apiVersion": GROUP_VERSION,
                "metadata": {**meta_of(body), "name": ri.name,
                             "namespace": ri.namespace,
                             "creationTimestamp": _rfc3339(dt.datetime.now(dt.timezone.utc))},
                "spec": {"audiences": audiences, "expirationSeconds": expiration,
                         "boundObjectRef": spec.get("boundObjectRef")},
                "status": {"token": token, "expirationTimestamp": _rfc3339(expires)}}

    async def _bound_objects(self, ref: Any, sa: Obj,
                             namespace: str | None) -> tuple[Obj | None, Obj | None]:
        """(the Pod or Secret the token is bound to, the Node it runs on or is bound to)."""
        if not ref:
            return None, None
        if not isinstance(ref, dict):
            raise BadRequest("spec.boundObjectRef must be an object")
        kind, name = ref.get("kind"), ref.get("name") or ""
        if kind not in BOUND_KINDS or ref.get("apiVersion", "v1") != "v1":
            raise BadRequest(f'cannot bind token to object of type {kind!r}: supported are '
                             '"v1" Pod, Secret and Node')
        obj = await self._get(BOUND_KINDS[kind], namespace, name)
        obj.setdefault("kind", kind)
        if ref.get("uid") and ref["uid"] != obj["metadata"].get("uid"):
            raise Conflict(f"the UID in the bound object reference ({ref['uid']}) does not match "
                           f"the UID in record. The object might have been deleted and then "
                           f"recreated")
        if kind == "Node":
            return None, obj
        if kind == "Pod":
            pod_sa = (obj.get("spec") or {}).get("serviceAccountName") or "default"
            if pod_sa != sa["metadata"]["name"]:
                raise BadRequest(f'cannot bind token for serviceaccount "{sa["metadata"]["name"]}"'
                                 " to pod running with different serviceaccount name.")
            node_name = (obj.get("spec") or {}).get("nodeName")
            if node_name:
                try:
                    return obj, await self._get("nodes", None, node_name)
                except NotFound:
                    return obj, None
        return obj, None


def token_requests_for(ctx: ServerContext) -> TokenRequests | None:
    """The handler, signing with <cert-dir>/sa.key; None when there is no key."""
    key = Path(ctx.settings.cert_dir) / "sa.key"
    if not key.is_file():
        return None
    signer = TokenSigner.from_file(key, ctx.settings.service_account_issuer)
    return TokenRequests(ctx, signer, audiences_of(ctx.settings))


def _expiration(spec: Obj, name: str) -> int:
    value = spec.get("expirationSeconds", DEFAULT_EXPIRATION_S)
    if value is None:
        value = DEFAULT_EXPIRATION_S
    message = None
    if not isinstance(value, int) or isinstance(value, bool):
        message = f"Invalid value: {value!r}: must be an integer"
    elif value < MIN_EXPIRATION_S:
        message = f"Invalid value: {value}: may not specify a duration less than 10 minutes"
    elif value > MAX_EXPIRATION_S:
        message = f"Invalid value: {value}: may not specify a duration larger than 2^32 seconds"
    if message:
        raise Invalid.fields("TokenRequest", name, [cause("spec.expirationSeconds", message)],
                             "authentication.k8s.io")
    return value


def _rfc3339(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
