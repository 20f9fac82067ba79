"""A uvicorn websocket protocol that lets the application choose any offered subprotocol.

uvicorn's default server checks that offered subprotocols are RFC 6455 tokens, and kubectl offers
`SPDY/3.1+portforward.k8s.io` for port-forward, which that check refuses with a 400 before the app
runs. Both the api-server and the kubelet serve kubectl's upgrades, so both use this.
Use as `uvicorn.Config(ws=LenientWebSocketProtocol)`.
"""
from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.server import ServerProtocol


class _AppChoosesSubprotocol(ServerProtocol):
    def process_subprotocol(self, headers):
        return None         # uvicorn adds the header the app accepted with


class LenientWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conn.__class__ = _AppChoosesSubprotocol

    async def send(self, message) -> None:
        await super().send(message)
        # A denial response ends the handshake too; without this uvicorn logs a spurious
        # "ASGI callable returned without completing handshake".
        if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
            self.handshake_complete = True
