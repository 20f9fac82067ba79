"""pods/log, exec, attach and portforward: find the pod's kubelet and proxy to it.

The api-server chooses the container (upstream's messages when it cannot), finds the node's
address (status.addresses, InternalIP first) and kubelet port (status.daemonEndpoints), then:
  - log: a streaming GET to the kubelet's /containerLogs, relayed chunk by chunk;
  - exec/attach/portforward: a websocket to the kubelet offering the client's subprotocols; the
    client's upgrade is accepted with the one the kubelet chose, and binary messages are relayed
    both ways until either side closes (then both close).
Websockets arrive as ASGI `websocket` scopes, which FastAPI routes apart from the HTTP
catch-all: `register_kubelet_routes(app, ctx, authenticator)` adds that route with its own
bearer-token check (AuthMiddleware only looks at `http` scopes).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any, AsyncIterator
from urllib.parse import quote, urlencode

import httpx
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from apiserver.codec import json_response
from apiserver.request_info import RequestInfo, parse_resource_path
from apiserver.rest.context import ServerContext, object_key
from apiserver.rest.kubelet_client import HandshakeError, KubeletWebSocket, UpgradeRefused
from machinery.websocket import LenientWebSocketProtocol
from apiserver.storage import KeyNotFound
from machinery.api import resources
from machinery.api.errors import (ApiError, BadRequest, InternalError, NotFound, Unauthorized)

log = logging.getLogger("apiserver.kubelet")

PODS = resources.lookup("", "v1", "pods")
NODES = resources.lookup("", "v1", "nodes")
DEFAULT_KUBELET_PORT = 10250
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
ADDRESS_PREFERENCE = ("InternalIP", "Hostname", "InternalDNS", "ExternalIP", "ExternalDNS")
STREAM_SUBRESOURCES = ("exec", "attach", "portforward")
LOG_PARAMS = ("follow", "previous", "timestamps", "tailLines", "sinceSeconds", "sinceTime",
              "limitBytes")
DIAL_TIMEOUT_S = 10.0
ERROR_BODY_LIMIT = 64 * 1024
# The uvicorn websocket implementation the api-server must run (`uvicorn.Config(ws=UVICORN_WS)`):
# the default one refuses kubectl's `SPDY/3.1+portforward.k8s.io` offer (not an RFC token).
UVICORN_WS = LenientWebSocketProtocol


@dataclass
class KubeletTarget:
    host: str
    port: int
    path: str                       # e.g. /exec/ns/pod/container
    query: list[tuple[str, str]]

    def url(self, scheme: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        qs = f"?{urlencode(self.query)}" if self.query else ""
        return f"{scheme}://{host}:{self.port}{self.path}{qs}"


# --- finding the kubelet ------------------------------------------------------------------------

async def _get(ctx: ServerContext, info, namespace: str | None, name: str) -> dict[str, Any]:
    try:
        return await ctx.store.get(object_key(info, namespace, name))
    except KeyNotFound:
        raise NotFound.object(info.plural, info.group, name) from None


def _names(containers: list[dict]) -> str:
    return " ".join(c.get("name", "") for c in containers)


def choose_container(pod: dict[str, Any], requested: str | None, for_logs: bool) -> str:
    """The container a request is about, with upstream's errors (pod/strategy.go)."""
    spec, name = pod.get("spec") or {}, pod["metadata"]["name"]
    containers, inits = spec.get("containers") or [], spec.get("initContainers") or []
    if requested:
        every = containers + inits + (spec.get("ephemeralContainers") or [])
        if not any(c.get("name") == requested for c in every):
            raise BadRequest(f"container {requested} is not valid for pod {name}")
        return requested
    default = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    if default and any(c.get("name") == default for c in containers):
        return default
    if len(containers) == 1:
        return containers[0]["name"]
    if not containers:
        raise BadRequest(f"a container name must be specified for pod {name}")
    if for_logs:
        raise BadRequest(f"a container name must be specified for pod {name}, choose one of: "
                         f"[{_names(inits + containers)}]")
    message = f"a container name must be specified for pod {name}, choose one of: " \
              f"[{_names(containers)}]"
    if inits:
        message += f" or one of the init containers: [{_names(inits)}]"
    raise BadRequest(message)


def node_address(node: dict[str, Any]) -> tuple[str, int]:
    status = node.get("status") or {}
    by_type: dict[str, str] = {}
    for addr in status.get("addresses") or []:
        by_type.setdefault(addr.get("type", ""), addr.get("address", ""))
    host = next((by_type[t] for t in ADDRESS_PREFERENCE if by_type.get(t)), None)
    if host is None:
        raise BadRequest(f"no preferred addresses found; known addresses: "
                         f"{status.get('addresses') or []}")
    endpoint = (status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}
    return host, int(endpoint.get("Port") or DEFAULT_KUBELET_PORT)


async def resolve(ctx: ServerContext, ri: RequestInfo, query) -> KubeletTarget | None:
    """Where on which kubelet `ri` goes; None for the logs of a pod not yet scheduled."""
    if ri.info.plural != "pods" or ri.info.group != "" or ri.name is None:
        raise NotFound.path()
    pod = await _get(ctx, PODS, ri.namespace, ri.name)
    sub = ri.subresource
    container = None if sub == "portforward" else \
        choose_container(pod, query.get("container"), for_logs=sub == "log")
    node_name = (pod.get("spec") or {}).get("nodeName")
    if not node_name:
        if sub == "log":
            return None
        raise BadRequest(f"pod {ri.name} does not have a host assigned")
    host, port = node_address(await _get(ctx, NODES, None, node_name))
    ns, name = quote(ri.namespace or "", safe=""), quote(ri.name, safe="")
    if sub == "log":
        path = f"/containerLogs/{ns}/{name}/{quote(container, safe='')}"
        params = [(k, v) for k, v in query.multi_items() if k in LOG_PARAMS]
    elif sub == "portforward":
        path, params = f"/portforward/{ns}/{name}", list(query.multi_items())
    else:
        path = f"/{sub}/{ns}/{name}/{quote(container, safe='')}"
        params = [(k, v) for k, v in query.multi_items() if k != "container"]
    return KubeletTarget(host, port, path, params)


def kubelet_ssl_context(ctx: ServerContext) -> ssl.SSLContext:
    """TLS towards kubelets. Their serving certs are self-signed for now, so nothing is
    verified unless settings name a CA; a client cert is presented once settings name one
    (the kubelet then requires it: see kubelet/server/tls.py)."""
    settings = ctx.settings
    ca = getattr(settings, "kubelet_certificate_authority", "") or None
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False
    if ca is None:
        context.verify_mode = ssl.CERT_NONE
    cert = getattr(settings, "kubelet_client_certificate", "")
    if cert:
        context.load_cert_chain(cert, getattr(settings, "kubelet_client_key", "") or None)
    return context


def _kubelet_error(code: int, body: bytes) -> ApiError:
    """The kubelet answers errors as plain text (or a Status); kubectl wants a Status."""
    text = body.decode("utf-8", "replace").strip()
    try:
        status = json.loads(text)
        if isinstance(status, dict) and status.get("kind") == "Status":
            return ApiError.from_status(status, code)
    except ValueError:
        pass
    return ApiError.from_status({"message": text, "code": code}, code)


# --- logs and plain requests --------------------------------------------------------------------

async def proxy_log(ctx: ServerContext, ri: RequestInfo, request: Request) -> Response:
    """GET pods/{name}/log: the kubelet's container log, streamed (and kept open to follow)."""
    target = await resolve(ctx, ri, request.query_params)
    if target is None:
        return Response(b"", media_type="text/plain")
    client = httpx.AsyncClient(verify=kubelet_ssl_context(ctx),
                               timeout=httpx.Timeout(DIAL_TIMEOUT_S, read=None))
    try:
        upstream = await client.send(client.build_request("GET", target.url("https")),
                                     stream=True)
    except httpx.HTTPError as e:
        await client.aclose()
        raise InternalError(f'Get "{target.url("https")}": {e}') from None
    if upstream.status_code >= 400:
        body = await _read_limited(upstream)
        await upstream.aclose()
        await client.aclose()
        raise _kubelet_error(upstream.status_code, body)
    return StreamingResponse(_relay_body(client, upstream), media_type="text/plain",
                             headers={"Cache-Control": "no-cache, private"})


async def _read_limited(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= ERROR_BODY_LIMIT:
            break
    return b"".join(chunks)[:ERROR_BODY_LIMIT]


async def _relay_body(client: httpx.AsyncClient, upstream: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.HTTPError as e:        # the kubelet went away mid-stream: end the body
        log.info("log stream from kubelet ended", extra={"error": repr(e)})
    finally:
        await upstream.aclose()
        await client.aclose()


async def proxy_http(ctx: ServerContext, ri: RequestInfo, request: Request) -> Response:
    """Any HTTP (non-websocket) request for log, exec, attach or portforward. For the streaming
    ones this is a client falling back to SPDY/3.1 after a refused websocket: ask the kubelet
    what is wrong so the client can show it; else say that only websockets are served."""
    if ri.subresource == "log":
        return await proxy_log(ctx, ri, request)
    target = await resolve(ctx, ri, request.query_params)
    async with httpx.AsyncClient(verify=kubelet_ssl_context(ctx),
                                 timeout=DIAL_TIMEOUT_S) as client:
        try:
            answer = await client.get(target.url("https"))
        except httpx.HTTPError as e:
            raise InternalError(f"error dialing backend: {e}") from None
    text = answer.text.strip()
    if answer.status_code >= 400 and text != "Upgrade request required":
        raise _kubelet_error(answer.status_code, answer.content)
    raise BadRequest(f"Upgrade request required: pods/{ri.subresource} is served over "
                     "websockets only (v5.channel.k8s.io, SPDY/3.1+portforward.k8s.io tunnelled "
                     "in websockets); SPDY/3.1 upgrades are not supported")


# --- websockets ---------------------------------------------------------------------------------

async def _deny(ws: WebSocket, err: ApiError) -> None:
    """Refuse the upgrade with a Status, which kubectl shows (after trying its SPDY fallback)."""
    await ws.send_denial_response(json_response(err.to_status(), err.code))


async def _dial_kubelet(ctx: ServerContext, target: KubeletTarget,
                        protocols: list[str]) -> KubeletWebSocket:
    qs = f"?{urlencode(target.query)}" if target.query else ""
    try:
        return await KubeletWebSocket.connect(target.host, target.port, target.path + qs,
                                              kubelet_ssl_context(ctx), protocols,
                                              DIAL_TIMEOUT_S)
    except UpgradeRefused as e:
        raise _kubelet_error(e.status, e.body) from None
    except (OSError, asyncio.TimeoutError, HandshakeError) as e:
        raise InternalError(f"error dialing backend: {e or type(e).__name__}") from None


async def proxy_stream(ctx: ServerContext, ri: RequestInfo, ws: WebSocket) -> None:
    """exec/attach/portforward websocket: splice the client to its pod's kubelet."""
    protocols = [p.strip() for p in ws.headers.get("sec-websocket-protocol", "").split(",")
                 if p.strip()]
    try:
        if ri.subresource not in STREAM_SUBRESOURCES:
            raise BadRequest(f"pods/{ri.subresource} does not serve websockets")
        target = await resolve(ctx, ri, ws.query_params)
        upstream = await _dial_kubelet(ctx, target, protocols)
    except ApiError as e:
        return await _deny(ws, e)
    try:
        await ws.accept(subprotocol=upstream.subprotocol)
        await _splice(ws, upstream)
    finally:
        await upstream.close()
        if ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close(1000)


async def _splice(ws: WebSocket, upstream: KubeletWebSocket) -> None:
    to_kubelet = asyncio.create_task(_client_to_kubelet(ws, upstream))
    to_client = asyncio.create_task(_kubelet_to_client(ws, upstream))
    try:
        await asyncio.wait({to_kubelet, to_client}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (to_kubelet, to_client):
            task.cancel()
        await asyncio.gather(to_kubelet, to_client, return_exceptions=True)


async def _client_to_kubelet(ws: WebSocket, upstream: KubeletWebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, OSError, ConnectionError):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            await upstream.send(data if data is not None else message.get("text") or "")


async def _kubelet_to_client(ws: WebSocket, upstream: KubeletWebSocket) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while (message := await upstream.recv()) is not None:
            if isinstance(message, bytes):
                await ws.send_bytes(message)
            else:
                await ws.send_text(message)


def _authenticated(ws: WebSocket, authenticator) -> bool:
    if authenticator is None:
        return True
    user = authenticator.authenticate(ws.headers.get("authorization"))
    if user is None:
        return False
    ws.scope["user"] = user
    return True


def register_kubelet_routes(app, ctx: ServerContext, authenticator=None,
                            include_http: bool = False) -> None:
    """The websocket route for pods/{exec,attach,portforward}; `authenticator` is the same
    TokenAuthenticator the HTTP AuthMiddleware uses (None: no authentication).

    `include_http`: also route HTTP pods/{log,exec,attach,portforward} here, ahead of the API
    catch-all, for an app whose generic handler does not call `proxy_http` itself."""

    async def pod_stream(ws: WebSocket) -> None:
        if not _authenticated(ws, authenticator):
            return await _deny(ws, Unauthorized("Unauthorized"))
        try:
            ri = parse_resource_path(ws.url.path)
        except ApiError as e:
            return await _deny(ws, e)
        await proxy_stream(ctx, ri, ws)

    async def pod_http(request: Request) -> Response:
        try:
            return await proxy_http(ctx, parse_resource_path(request.url.path), request)
        except ApiError as e:
            return json_response(e.to_status(), e.code)

    base = "/api/v1/namespaces/{namespace}/pods/{name}"
    app.add_api_websocket_route(base + "/{subresource}", pod_stream)
    if include_http:
        for sub in ("log", *STREAM_SUBRESOURCES):
            app.add_api_route(f"{base}/{sub}", pod_http, methods=["GET", "POST"],
                              include_in_schema=False)
            app.router.routes.insert(0, app.router.routes.pop())    # ahead of the catch-all
