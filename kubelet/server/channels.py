"""The channel.k8s.io websocket framing of exec, attach and websocket port-forward.

Every binary message is `<channel byte><payload>`. Exec/attach channels: 0 stdin, 1 stdout,
2 stderr, 3 error (a JSON Status that ends the session), 4 resize (JSON {"Width","Height"});
v5 adds 255 "close": payload `[channel]` half-closes that channel (stdin EOF).
"""
from __future__ import annotations

import json
import shlex
from typing import Any

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
EXEC_PROTOCOLS = (V5, V4)                 # in order of preference
SPDY_PORTFORWARD = "SPDY/3.1+portforward.k8s.io"
PORTFORWARD_PROTOCOLS = (SPDY_PORTFORWARD, V4)

STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255


def choose_protocol(offered: list[str], supported: tuple[str, ...]) -> str | None:
    """The first of our protocols the client offered (we prefer our order, as upstream)."""
    for proto in supported:
        if proto in offered:
            return proto
    return None


def offered_protocols(header: str | None) -> list[str]:
    return [p.strip() for p in (header or "").split(",") if p.strip()]


def frame(channel: int, data: bytes = b"") -> bytes:
    return bytes((channel,)) + data


def split(message: bytes) -> tuple[int, bytes] | None:
    """(channel, payload), or None for an empty message (which carries nothing)."""
    if not message:
        return None
    return message[0], message[1:]


def parse_resize(payload: bytes) -> tuple[int, int] | None:
    try:
        size = json.loads(payload)
        return int(size["Width"]), int(size["Height"])
    except (ValueError, KeyError, TypeError):
        return None


def success_status() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_code_status(cmd: list[str], code: int) -> dict[str, Any]:
    """What kubectl turns into `command terminated with exit code N` and exit status N."""
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command "
                       f"[{shlex.join(cmd)}], exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def error_status(message: str, reason: str = "InternalError", code: int = 500) -> dict[str, Any]:
    return {"metadata": {}, "status": "Failure", "message": message, "reason": reason,
            "code": code}


def status_frame(status: dict[str, Any]) -> bytes:
    return frame(ERROR, json.dumps(status).encode())


def port_prefix(port: int) -> bytes:
    """Websocket port-forward: the first message on each channel names its port (LE u16)."""
    return port.to_bytes(2, "little")
