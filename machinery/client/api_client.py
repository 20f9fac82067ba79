"""An asyncio client for the Kubernetes REST API, generic over resources (`ResourceInfo`).

Objects are plain JSON dicts, as on the wire. Every non-2xx answer is raised as the typed
`machinery.api.errors` error the server's Status names (NotFound, AlreadyExists, Conflict,
Gone, Invalid, ...). This client is the one owner of transport retries: GETs (reads) are retried
on transport errors, 429 and 5xx with bounded exponential back-off; writes are never retried
here, because the caller (a work queue) re-runs the whole level-triggered reconcile instead.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any, AsyncIterator

import httpx

from machinery.api.errors import ApiError
from machinery.api.resources import ResourceInfo
from machinery.client.kubeconfig import ClientConfig, load_kubeconfig
from machinery.client.watch import WatchEvent, decode_stream
from machinery.runtime import kv

log = logging.getLogger("machinery.client")

PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}
_RETRY_CODES = {429, 500, 502, 503, 504}


class TransportError(Exception):
    """The api-server could not be reached or the connection broke (after any retries)."""


def resource_path(info: ResourceInfo, namespace: str | None = None, name: str | None = None,
                  subresource: str | None = None) -> str:
    """`/api/v1/namespaces/ns/pods/x/status`; no namespace on a namespaced resource = all."""
    path = "/api/v1" if not info.group else f"/apis/{info.group}/{info.version}"
    if info.namespaced and namespace:
        path += f"/namespaces/{namespace}"
    path += f"/{info.plural}"
    if name is not None:
        if not name:
            raise ValueError("resource name may not be empty")
        if info.namespaced and not namespace:
            raise ValueError(f"a namespace is required for {info.plural} {name!r}")
        path += f"/{name}"
    if subresource:
        path += f"/{subresource}"
    return path


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _drop_none(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None and v is not False}


class ApiClient:
    def __init__(self, config: ClientConfig, *, max_retries: int = 5,
                 retry_base_s: float = 0.1, transport: httpx.AsyncBaseTransport | None = None,
                 max_connections: int = 100):
        self.config = config
        self.max_retries = max_retries
        self.retry_base_s = retry_base_s
        headers = {"Accept": "application/json", "User-Agent": config.user_agent}
        if token := config.bearer_token():
            headers["Authorization"] = f"Bearer {token}"
        # Keep enough idle connections for a component's concurrent requests, so a burst does
        # not pay a TLS handshake per request (httpx keeps 20 by default).
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=max_connections)
        self._http = httpx.AsyncClient(
            base_url=config.server, headers=headers, verify=config.ssl_context() or True,
            timeout=httpx.Timeout(config.timeout_s), transport=transport, http2=False,
            limits=limits)

    @classmethod
    def from_kubeconfig(cls, path: str | None = None, context: str | None = None,
                        **kwargs: Any) -> "ApiClient":
        return cls(load_kubeconfig(path, context), **kwargs)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "ApiClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # --- raw requests -------------------------------------------------------------------------

    async def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                      json_body: Any = None, content: bytes | str | None = None,
                      headers: dict[str, str] | None = None) -> Any:
        """Send one request; the decoded JSON answer (text if not JSON). Raises ApiError."""
        if json_body is not None:
            content = json.dumps(json_body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        retries = self.max_retries if method.upper() == "GET" else 0
        response = await self._send(method, path, _drop_none(params or {}), content, headers,
                                     retries)
        return _decode(response)

    async def _send(self, method: str, path: str, params: dict[str, Any],
                    content: bytes | str | None, headers: dict[str, str] | None,
                    retries: int) -> httpx.Response:
        for attempt in range(retries + 1):
            try:
                response = await self._http.request(method, path, params=params,
                                                    content=content, headers=headers)
            except httpx.TransportError as e:
                if attempt == retries:
                    raise TransportError(f"{method} {path}: {type(e).__name__}: {e}") from e
                await self._back_off(attempt, method, path, error=repr(e))
                continue
            if response.status_code in _RETRY_CODES and attempt < retries:
                await self._back_off(attempt, method, path, code=response.status_code,
                                     retry_after=response.headers.get("Retry-After"))
                continue
            if response.is_error:
                raise error_from_response(response)
            return response
        raise AssertionError("unreachable")

    async def _back_off(self, attempt: int, method: str, path: str, *,
                        retry_after: str | None = None, **fields: Any) -> None:
        delay = min(self.retry_base_s * 2 ** attempt, 5.0) * (0.5 + random.random())
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), 10.0))
        log.debug("retrying request", extra=kv(method=method, path=path, attempt=attempt + 1,
                                               delay_s=round(delay, 3), **fields))
        await asyncio.sleep(delay)

    # --- verbs ----------------------------------------------------------------------------------

    async def get(self, info: ResourceInfo, name: str, namespace: str | None = None,
                  subresource: str | None = None) -> dict[str, Any]:
        return await self.request("GET", resource_path(info, namespace, name, subresource))

    async def list(self, info: ResourceInfo, namespace: str | None = None, *,
                   label_selector: str | None = None, field_selector: str | None = None,
                   limit: int | None = None, continue_: str | None = None,
                   resource_version: str | None = None) -> dict[str, Any]:
        """One page of a list: the `<Kind>List` dict (items, metadata.resourceVersion/continue)."""
        params = {"labelSelector": label_selector or None, "fieldSelector": field_selector or None,
                  "limit": limit, "continue": continue_ or None,
                  "resourceVersion": resource_version}
        return await self.request("GET", resource_path(info, namespace), params=params)

    async def list_all(self, info: ResourceInfo, namespace: str | None = None, *,
                       label_selector: str | None = None, field_selector: str | None = None,
                       page_size: int = 500) -> dict[str, Any]:
        """Every page followed through `continue`; one List dict with all items."""
        items: list[dict[str, Any]] = []
        token = None
        while True:
            page = await self.list(info, namespace, label_selector=label_selector,
                                   field_selector=field_selector, limit=page_size,
                                   continue_=token)
            items.extend(page.get("items") or [])
            token = _meta(page).get("continue")
            if not token:
                page["items"] = items
                page.setdefault("metadata", {}).pop("continue", None)
                return page

    async def create(self, info: ResourceInfo, obj: dict[str, Any], namespace: str | None = None,
                     *, dry_run: bool = False, field_manager: str | None = None) -> dict[str, Any]:
        namespace = namespace or _meta(obj).get("namespace")
        params = {"dryRun": "All" if dry_run else None, "fieldManager": field_manager}
        return await self.request("POST", resource_path(info, namespace), params=params,
                                  json_body=obj)

    async def update(self, info: ResourceInfo, obj: dict[str, Any], *,
                     field_manager: str | None = None, subresource: str | None = None
                     ) -> dict[str, Any]:
        """PUT the whole object; a stale metadata.resourceVersion raises Conflict."""
        meta = _meta(obj)
        path = resource_path(info, meta.get("namespace"), meta.get("name"), subresource)
        return await self.request("PUT", path, params={"fieldManager": field_manager},
                                  json_body=obj)

    async def update_status(self, info: ResourceInfo, obj: dict[str, Any], *,
                            field_manager: str | None = None) -> dict[str, Any]:
        return await self.update(info, obj, field_manager=field_manager, subresource="status")

    async def patch(self, info: ResourceInfo, name: str, patch: Any,
                    patch_type: str = "merge", namespace: str | None = None, *,
                    subresource: str | None = None, field_manager: str | None = None,
                    force: bool | None = None) -> dict[str, Any]:
        if patch_type not in PATCH_CONTENT_TYPES:
            raise ValueError(f"unknown patch type {patch_type!r}")
        content = patch if isinstance(patch, (str, bytes)) else json.dumps(patch)
        params = {"fieldManager": field_manager,
                  "force": None if force is None else str(force).lower()}
        return await self.request(
            "PATCH", resource_path(info, namespace, name, subresource), params=params,
            content=content, headers={"Content-Type": PATCH_CONTENT_TYPES[patch_type]})

    async def delete(self, info: ResourceInfo, name: str, namespace: str | None = None, *,
                     grace_period_s: int | None = None, propagation_policy: str | None = None,
                     preconditions: dict[str, str] | None = None,
                     dry_run: bool = False) -> dict[str, Any]:
        """The deleted object (or the object with deletionTimestamp set), or a Status."""
        body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if grace_period_s is not None:
            body["gracePeriodSeconds"] = grace_period_s
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        if preconditions:
            body["preconditions"] = preconditions
        if dry_run:
            body["dryRun"] = ["All"]
        return await self.request("DELETE", resource_path(info, namespace, name), json_body=body)

    async def create_subresource(self, info: ResourceInfo, name: str, subresource: str,
                                 body: dict[str, Any], namespace: str | None = None
                                 ) -> dict[str, Any]:
        """POST to a subresource: pods/binding, pods/eviction, serviceaccounts/token."""
        return await self.request("POST", resource_path(info, namespace, name, subresource),
                                  json_body=body)

    # --- watch ----------------------------------------------------------------------------------

    async def watch(self, info: ResourceInfo, namespace: str | None = None, *,
                    resource_version: str | None = None, label_selector: str | None = None,
                    field_selector: str | None = None, allow_bookmarks: bool = True,
                    timeout_s: int | None = None) -> AsyncIterator[WatchEvent]:
        """Stream events until the server closes the stream (or `timeout_s` elapses).

        An ERROR event raises its typed error (`Gone` for an expired resourceVersion); a broken
        connection raises TransportError. Watches are not retried here: the informer decides.
        """
        params = _drop_none({
            "watch": "true", "resourceVersion": resource_version,
            "labelSelector": label_selector or None, "fieldSelector": field_selector or None,
            "allowWatchBookmarks": "true" if allow_bookmarks else None,
            "timeoutSeconds": timeout_s})
        # no read timeout unless bounded: a quiet watch is not a dead one
        read_s = None if timeout_s is None else timeout_s + 30
        timeout = httpx.Timeout(self.config.timeout_s, read=read_s)
        path = resource_path(info, namespace)
        try:
            async with self._http.stream("GET", path, params=params, timeout=timeout) as resp:
                if resp.is_error:
                    await resp.aread()
                    raise error_from_response(resp)
                async for event in decode_stream(resp.aiter_lines()):
                    yield event
        except httpx.TransportError as e:
            raise TransportError(f"watch {path}: {type(e).__name__}: {e}") from e


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    if "json" in response.headers.get("Content-Type", ""):
        return response.json()
    try:
        return response.json()
    except ValueError:
        return response.text


def error_from_response(response: httpx.Response) -> ApiError:
    """The typed error for a non-2xx answer; a Status body names it, else the HTTP code does."""
    code = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        return ApiError.from_status(body, code)
    text = response.text.strip() or response.reason_phrase
    return ApiError.from_status({"message": text, "code": code}, code)
