"""The kubelet's HTTPS API on 10250: what the api-server forwards pods/log, exec, attach and
portforward to, plus /healthz and /pods.

`serve_kubelet_api(...)` runs it until cancelled; `build_kubelet_app(...)` is the bare ASGI app
(tests, or another server).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from kubelet.runtime.base import Runtime
from kubelet.server import channels as ch
from kubelet.server.exec_attach import plain_request, websocket_stream
from kubelet.server.logs import container_logs
from kubelet.server.pods import PodsProvider, StreamError, find_pod, node_pods, pod_ip
from kubelet.server.portforward import SpdyPortForwarder
from kubelet.server.portforward_ws import parse_ports, serve_channels
from kubelet.server.spdy import ProtocolError
from kubelet.server.tls import client_cert_mode, ensure_serving_cert
from kubelet.server.wsutil import (LenientWebSocketProtocol, close_quietly, deny, offered,
                                    receive_bytes)

log = logging.getLogger("kubelet.server")
DIAL_TIMEOUT_S = 10.0


def build_kubelet_app(runtime: Runtime, node_name: str, pods: PodsProvider) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def pod_list(_request: Request) -> Response:
        items = await node_pods(pods)
        return JSONResponse({"kind": "PodList", "apiVersion": "v1", "metadata": {},
                             "items": items})

    async def logs(request: Request) -> Response:
        return await container_logs(request, runtime, node_name, pods)

    async def exec_http(request: Request) -> Response:
        return await plain_request(request, runtime, node_name, pods, attach=False)

    async def attach_http(request: Request) -> Response:
        return await plain_request(request, runtime, node_name, pods, attach=True)

    async def exec_ws(ws: WebSocket) -> None:
        await websocket_stream(ws, runtime, node_name, pods, attach=False)

    async def attach_ws(ws: WebSocket) -> None:
        await websocket_stream(ws, runtime, node_name, pods, attach=True)

    async def portforward_http(request: Request) -> Response:
        try:
            pod = await find_pod(pods, request.path_params["namespace"],
                                 request.path_params["pod"])
            await pod_ip(runtime, pod)
        except StreamError as e:
            return PlainTextResponse(e.message, e.code)
        return PlainTextResponse("Upgrade request required", 400)

    async def portforward_ws(ws: WebSocket) -> None:
        await port_forward(ws, runtime, pods)

    stream = "/{namespace}/{pod}/{container}"
    routes = [
        Route("/healthz", healthz), Route("/pods", pod_list), Route("/pods/", pod_list),
        Route("/containerLogs" + stream, logs),
        Route("/exec" + stream, exec_http, methods=["GET", "POST"]),
        WebSocketRoute("/exec" + stream, exec_ws),
        Route("/attach" + stream, attach_http, methods=["GET", "POST"]),
        WebSocketRoute("/attach" + stream, attach_ws),
        Route("/portforward/{namespace}/{pod}", portforward_http, methods=["GET", "POST"]),
        WebSocketRoute("/portforward/{namespace}/{pod}", portforward_ws),
    ]
    return Starlette(routes=routes)


async def port_forward(ws: WebSocket, runtime: Runtime, pods: PodsProvider) -> None:
    wanted = offered(ws)
    proto = ch.choose_protocol(wanted, ch.PORTFORWARD_PROTOCOLS)
    if proto is None and wanted:
        return await deny(ws, 400, f"requested protocols {wanted} are not supported; use one "
                                   f"of {list(ch.PORTFORWARD_PROTOCOLS)}")
    try:
        pod = await find_pod(pods, ws.path_params["namespace"], ws.path_params["pod"])
        ip = await pod_ip(runtime, pod)
        spdy_tunnel = proto == ch.SPDY_PORTFORWARD
        ports = [] if spdy_tunnel else parse_ports(ws.query_params.getlist("port"))
    except StreamError as e:
        return await deny(ws, e.code, e.message)

    async def dial(port: int):
        return await asyncio.wait_for(asyncio.open_connection(ip, port), DIAL_TIMEOUT_S)

    await ws.accept(subprotocol=proto)
    name = pod["metadata"]["name"]
    try:
        if spdy_tunnel:
            await _spdy_tunnel(ws, dial, name)
        else:
            await serve_channels(ws, ports, dial, name)
    finally:
        await close_quietly(ws)


async def _spdy_tunnel(ws: WebSocket, dial, pod: str) -> None:
    forwarder = SpdyPortForwarder(ws.send_bytes, dial, pod)
    try:
        while not forwarder.closed and (message := await receive_bytes(ws)) is not None:
            await forwarder.feed(message)
    except ProtocolError as e:
        log.info("port-forward protocol error", extra={"pod": pod, "error": str(e)})
    finally:
        await forwarder.close()


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the kubelet's main owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


async def serve_kubelet_api(runtime: Runtime, node_name: str, pods_provider: PodsProvider,
                            host: str, port: int, cert_dir: str | Path,
                            client_ca_file: str | None = None) -> None:
    """Serve HTTPS on host:port until cancelled. `client_ca_file`: require callers (the
    api-server) to present a client certificate signed by that CA."""
    cert, key = ensure_serving_cert(cert_dir, node_name)
    config = uvicorn.Config(build_kubelet_app(runtime, node_name, pods_provider), host=host,
                            port=port, ssl_certfile=str(cert), ssl_keyfile=str(key),
                            log_level="warning", access_log=False, lifespan="off",
                            ws=LenientWebSocketProtocol,
                            timeout_graceful_shutdown=2, **client_cert_mode(client_ca_file))
    server = _Server(config)
    sock = _listen(host, port)     # binding here turns "address in use" into an OSError
    task = asyncio.create_task(server.serve(sockets=[sock]))
    log.info("kubelet API serving", extra={"node": node_name, "port": port})
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        await task
        raise
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
