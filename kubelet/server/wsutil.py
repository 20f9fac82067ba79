"""Small helpers around Starlette websockets shared by exec, attach and port-forward."""
from __future__ import annotations

import contextlib

from starlette.responses import PlainTextResponse
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.server import ServerProtocol
from starlette.websockets import WebSocket, WebSocketState

from kubelet.server.channels import offered_protocols


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


class _AppChoosesSubprotocol(ServerProtocol):
    def process_subprotocol(self, headers):
        return None         # uvicorn adds the header the app accepted with


class LenientWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket server, minus its check that offered subprotocols are RFC tokens:
    kubectl offers `SPDY/3.1+portforward.k8s.io`, which that check refuses (400) before the app
    runs. The app still picks the subprotocol and uvicorn echoes it. Use as
    `uvicorn.Config(ws=LenientWebSocketProtocol)`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conn.__class__ = _AppChoosesSubprotocol

    async def send(self, message) -> None:
        await super().send(message)
        # A denial response ends the handshake too; without this uvicorn logs a spurious
        # "ASGI callable returned without completing handshake".
        if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
            self.handshake_complete = True
