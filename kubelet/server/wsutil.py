"""Small helpers around Starlette websockets shared by exec, attach and port-forward."""
from __future__ import annotations

import contextlib

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket, WebSocketState

from kubelet.server.channels import offered_protocols
from machinery.websocket import LenientWebSocketProtocol  # noqa: F401  (re-exported)


def offered(ws: WebSocket) -> list[str]:
    return offered_protocols(ws.headers.get("sec-websocket-protocol"))


async def deny(ws: WebSocket, code: int, message: str) -> None:
    """Refuse the upgrade with a plain HTTP response, so the caller sees why (upstream writes
    the error as the body). Servers without the denial extension get a 403 close."""
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(PlainTextResponse(message, code))
    else:
        await ws.close(1008, message[:120])


async def close_quietly(ws: WebSocket, code: int = 1000) -> None:
    if ws.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await ws.close(code)


async def receive_bytes(ws: WebSocket) -> bytes | None:
    """The next message as bytes, None once the peer has gone."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        return None
    data = message.get("bytes")
    return data if data is not None else (message.get("text") or "").encode()
