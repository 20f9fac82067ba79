"""Websocket streams to pods: exec/attach (`v5.channel.k8s.io`) and port-forward
(`v4.channel.k8s.io`). Every binary message starts with a channel byte: 0 stdin, 1 stdout,
2 stderr, 3 the final Status, 4 terminal resize; v5 adds `[255, ch]` to close a channel."""
from __future__ import annotations

import json
import logging
import ssl
from typing import Any
from urllib.parse import urlencode

from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from machinery.api.errors import ApiError
from machinery.client import ClientConfig

STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255

# The library logs a stream the server closed first as an "unexpected internal error" with a
# traceback (Python's last-resort handler prints it); the command reports every outcome itself.
logging.getLogger("websockets").addHandler(logging.NullHandler())
logging.getLogger("websockets").propagate = False


def ws_url(config: ClientConfig, path: str, params: list[tuple[str, Any]]) -> str:
    base = config.server.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return f"{base}{path}?{urlencode(params)}"


def open_stream(config: ClientConfig, path: str, params: list[tuple[str, Any]],
                protocol: str) -> ClientConnection:
    """Upgrade to a websocket; a refused upgrade raises the Status it carried."""
    headers = {}
    token = config.bearer_token()
    if token and config.server.startswith("https://"):
        headers["Authorization"] = f"Bearer {token}"
    ctx: ssl.SSLContext | None = config.ssl_context()
    try:
        return connect(ws_url(config, path, params), subprotocols=[protocol], ssl=ctx,
                       additional_headers=headers, max_size=None, open_timeout=30,
                       compression=None)
    except InvalidStatus as e:
        raise _status_error(e) from e


def _status_error(e: InvalidStatus) -> ApiError:
    response = e.response
    try:
        body = json.loads(response.body or b"{}")
    except ValueError:
        body = {}
    if isinstance(body, dict) and body.get("kind") == "Status":
        return ApiError.from_status(body, response.status_code)
    text = (response.body or b"").decode(errors="replace").strip() or response.reason_phrase
    return ApiError.from_status({"message": text, "code": response.status_code},
                                response.status_code)


def exit_code_of(status: dict[str, Any]) -> int:
    """0 for Success; the remote exit code for NonZeroExitCode; 1 otherwise."""
    if status.get("status") == "Success":
        return 0
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message", "1"))
            except ValueError:
                return 1
    return 1
