"""/exec and /attach: a runtime StreamSession carried over channel.k8s.io websocket (v5/v4).

Output chunks go out on channels 1/2 as the runtime yields them; stdin, resize and (v5) the
stdin close come in from the client. When the process ends, channel 3 carries the exit status
and the websocket closes with 1000, which is how kubectl learns its exit code.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.websockets import WebSocket

from kubelet.runtime.base import Runtime, RuntimeFailure, StreamSession
from kubelet.server import channels as ch
from kubelet.server.pods import PodsProvider, StreamError, find_pod, running_container
from kubelet.server.wsutil import close_quietly, deny, offered, receive_bytes

log = logging.getLogger("kubelet.server")


class StreamOptions:
    def __init__(self, query, attach: bool) -> None:
        self.command = query.getlist("command")
        self.stdin = _flag(query.get("stdin") or query.get("input"))
        self.stdout = _flag(query.get("stdout") or query.get("output"))
        self.stderr = _flag(query.get("stderr") or query.get("error"))
        self.tty = _flag(query.get("tty"))
        if not attach and not self.command:
            raise StreamError(400, "you must specify at least one command for the container")
        if not (self.stdin or self.stdout or self.stderr):
            raise StreamError(400, "you must specify at least 1 of stdin, stdout, stderr")


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


async def _prepare(path_params, query, runtime: Runtime, node: str, pods: PodsProvider,
                   attach: bool):
    opts = StreamOptions(query, attach)
    pod = await find_pod(pods, path_params["namespace"], path_params["pod"])
    container = await running_container(runtime, node, pod, path_params["container"])
    return opts, container


async def plain_request(request: Request, runtime: Runtime, node: str, pods: PodsProvider,
                        attach: bool) -> Response:
    """A non-websocket request: report what is wrong with it, else that it must upgrade. The
    api-server uses this to explain a refused upgrade to clients falling back to SPDY."""
    try:
        await _prepare(request.path_params, request.query_params, runtime, node, pods, attach)
    except StreamError as e:
        return PlainTextResponse(e.message, e.code)
    return PlainTextResponse("Upgrade request required", 400)


async def websocket_stream(ws: WebSocket, runtime: Runtime, node: str, pods: PodsProvider,
                           attach: bool) -> None:
    proto = ch.choose_protocol(offered(ws), ch.EXEC_PROTOCOLS)
    if proto is None:
        return await deny(ws, 400, f"requested protocols {offered(ws)} are not supported; "
                                   f"use one of {list(ch.EXEC_PROTOCOLS)}")
    try:
        opts, container = await _prepare(ws.path_params, ws.query_params, runtime, node, pods,
                                         attach)
        if attach:
            session = await runtime.attach(container.id, stdin=opts.stdin, tty=opts.tty)
        else:
            handle = await runtime.exec_create(container.id, opts.command, tty=opts.tty,
                                               stdin=opts.stdin)
            session = await runtime.exec_start(handle)
    except StreamError as e:
        return await deny(ws, e.code, e.message)
    except RuntimeFailure as e:
        return await deny(ws, 500, f"error executing command in container: {e.message}")
    await ws.accept(subprotocol=proto)
    await _run(ws, session, proto, opts.command)


async def _run(ws: WebSocket, session: StreamSession, proto: str, cmd: list[str]) -> None:
    inbound = asyncio.create_task(_inbound(ws, session, proto))
    outbound = asyncio.create_task(_outbound(ws, session, cmd))
    try:
        await asyncio.wait({inbound, outbound}, return_when=asyncio.FIRST_COMPLETED)
        if inbound.done() and not outbound.done():
            outbound.cancel()       # the client went away: stop the process's stream
    finally:
        for task in (inbound, outbound):
            task.cancel()
        await asyncio.gather(inbound, outbound, return_exceptions=True)
        with contextlib.suppress(Exception):
            await session.close()
        await close_quietly(ws)


async def _outbound(ws: WebSocket, session: StreamSession, cmd: list[str]) -> None:
    while (chunk := await session.read()) is not None:
        channel, data = chunk
        if data:
            await ws.send_bytes(ch.frame(channel, data))
    code = await session.exit_code()
    status = ch.success_status() if not code else ch.exit_code_status(cmd, code)
    await ws.send_bytes(ch.status_frame(status))


async def _inbound(ws: WebSocket, session: StreamSession, proto: str) -> None:
    while (message := await receive_bytes(ws)) is not None:
        parts = ch.split(message)
        if parts is None:
            continue
        channel, payload = parts
        if channel == ch.STDIN:
            with contextlib.suppress(RuntimeFailure, OSError):   # stdin closed by the process
                await session.write(payload)
        elif channel == ch.RESIZE:
            size = ch.parse_resize(payload)
            if size is not None:
                with contextlib.suppress(Exception):
                    await session.resize(*size)
        elif channel == ch.CLOSE and proto == ch.V5 and payload[:1] == bytes((ch.STDIN,)):
            await session.close_stdin()
        else:
            log.debug("ignored frame", extra={"channel": channel})
    # returning means the client disconnected

