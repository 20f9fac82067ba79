"""After authentication, before any handler: impersonation, then authorization of requests that
are not about a resource (`/api`, `/apis/...` discovery, `/openapi/*`, `/metrics`, ...).

Resource requests (`/api/v1/<resource>...`, `/apis/<group>/<version>/<resource>...`) are
authorized by the API handler, which knows their verb and subresource; websocket upgrades to
pods/exec, attach and portforward are authorized here as `create`, as upstream does since 1.31.
Requests that authentication let through without a user (health, version) pass untouched.
"""
from __future__ import annotations

from apiserver.auth.authorizer import Attributes, forbidden_message
from apiserver.auth.impersonation import impersonate, wants_impersonation
from apiserver.codec import json_response
from apiserver.request_info import parse_resource_path
from machinery.api.errors import ApiError, Forbidden


def is_resource_path(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"]:
        return len(parts) >= 3
    if parts[:1] == ["apis"]:
        return len(parts) >= 4
    return False


class AuthorizationMiddleware:
    def __init__(self, app, ctx):
        self.app, self.ctx = app, ctx

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or "user" not in scope:
            return await self.app(scope, receive, send)
        try:
            headers = scope.get("headers") or []
            if wants_impersonation(headers):
                scope["user"] = await impersonate(self.ctx.authorizer, scope["user"], headers)
            await self._authorize(scope)
        except ApiError as e:
            if scope["type"] == "websocket":
                return await _close_websocket(send, receive)
            return await json_response(e.to_status(), e.code)(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _authorize(self, scope) -> None:
        path = scope["path"]
        if not is_resource_path(path):
            method = "get" if scope["type"] == "websocket" else scope["method"].lower()
            await self._check(Attributes(scope["user"], method, path=path))
        elif scope["type"] == "websocket":
            ri = parse_resource_path(path)
            await self._check(Attributes(scope["user"], "create", ri.info.group, ri.info.plural,
                                         ri.subresource or "", ri.namespace or "", ri.name or ""))

    async def _check(self, attrs: Attributes) -> None:
        decision = await self.ctx.authorizer.authorize(attrs)
        if not decision.allowed:
            message = forbidden_message(attrs)
            if decision.reason:
                message += f": {decision.reason}"
            raise Forbidden(message, details={} if not attrs.is_resource else
                            {"name": attrs.name, "kind": attrs.resource,
                             **({"group": attrs.api_group} if attrs.api_group else {})})


async def _close_websocket(send, receive) -> None:
    """Refuse the upgrade (the client sees 403 on the handshake)."""
    await receive()                                   # websocket.connect
    await send({"type": "websocket.close", "code": 1008})
