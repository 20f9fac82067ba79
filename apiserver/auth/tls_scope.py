"""uvicorn protocols that put the TLS peer certificate into the ASGI scope.

uvicorn does not implement the ASGI TLS extension, so the application cannot see the client
certificate that the TLS handshake accepted. These subclasses read it from the transport once
per connection (`ssl_object.getpeercert(binary_form=True)`) and add
`scope["extensions"]["tls"] = {"client_cert_chain": [PEM], "tls_version": ..., ...}` to every
HTTP and websocket scope of that connection. Use as `uvicorn.Config(http=UVICORN_HTTP, ...)`; the
websocket protocol (Config.ws) is wrapped automatically.
"""
from __future__ import annotations

import functools
import ssl
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def tls_extension(transport) -> dict[str, Any] | None:
    """The ASGI TLS extension for a connection; None on plain TCP."""
    ssl_object = transport.get_extra_info("ssl_object") if transport else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    cipher = ssl_object.cipher()
    return {"server_cert": None,
            "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
            "client_cert_name": None, "client_cert_error": None,
            "tls_version": TLS_VERSIONS.get(ssl_object.version() or ""),
            "cipher_suite": cipher[0] if cipher else None}


@functools.cache
def with_tls_scope(ws_protocol_class: type) -> type:
    """`ws_protocol_class` whose scopes carry the TLS extension (every uvicorn websocket
    implementation builds `self.scope` before it runs the app in `run_asgi`)."""

    class TLSWebSocketProtocol(ws_protocol_class):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._tls_extension = tls_extension(transport)

        async def run_asgi(self, *args, **kwargs):
            if self._tls_extension is not None:
                self.scope.setdefault("extensions", {})["tls"] = self._tls_extension
            return await super().run_asgi(*args, **kwargs)

    TLSWebSocketProtocol.__name__ = f"TLS{ws_protocol_class.__name__}"
    return TLSWebSocketProtocol


class TLSHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.ws_protocol_class is not None:
            self.ws_protocol_class = with_tls_scope(self.ws_protocol_class)
        self._tls_extension: dict[str, Any] | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._tls_extension = tls_extension(transport)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._tls_extension is not None:
            self.scope["extensions"] = {**(self.scope.get("extensions") or {}),
                                        "tls": self._tls_extension}


UVICORN_HTTP = TLSHttpToolsProtocol
