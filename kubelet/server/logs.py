"""GET /containerLogs/{ns}/{pod}/{container}: a container's output, streamed as it comes."""
from __future__ import annotations

import datetime as dt
import logging
from typing import AsyncIterator

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from kubelet.runtime.base import Runtime, RuntimeFailure
from kubelet.server.pods import PodsProvider, StreamError, find_pod, log_container

log = logging.getLogger("kubelet.server")


class LogOptions:
    """PodLogOptions from the query string, checked as upstream's validation does."""

    def __init__(self, query) -> None:
        self.follow = _bool(query.get("follow"))
        self.previous = _bool(query.get("previous"))
        self.timestamps = _bool(query.get("timestamps"))
        self.tail_lines = _int(query, "tailLines")
        self.limit_bytes = _int(query, "limitBytes")
        since = _int(query, "sinceSeconds")
        since_time = query.get("sinceTime")
        if since is not None and since_time:
            raise StreamError(400, "at most one of sinceTime or sinceSeconds may be specified")
        if since is not None and since < 1:
            raise StreamError(400, "sinceSeconds: Invalid value: must be greater than 0")
        self.since_s: float | None = float(since) if since is not None else None
        if since_time:
            self.since_s = _seconds_since(since_time)


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _int(query, name: str) -> int | None:
    value = query.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise StreamError(400, f'{name}: Invalid value: "{value}": must be an integer') from None
    if number < 0:
        raise StreamError(400, f"{name}: Invalid value: {number}: must be greater than or "
                               "equal to 0")
    return number


def _seconds_since(text: str) -> float:
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise StreamError(400, f'sinceTime: Invalid value: "{text}": not RFC3339') from None
    age = (dt.datetime.now(dt.timezone.utc) - when).total_seconds()
    return max(age, 0.001)


async def _limited(chunks: AsyncIterator[bytes], limit: int | None) -> AsyncIterator[bytes]:
    sent = 0
    try:
        async for chunk in chunks:
            if limit is not None:
                chunk = chunk[:limit - sent]
            if chunk:
                sent += len(chunk)
                yield chunk
            if limit is not None and sent >= limit:
                return
    except RuntimeFailure as e:     # the container went away mid-stream: end the body
        log.info("log stream ended", extra={"error": e.message})
    finally:
        closer = getattr(chunks, "aclose", None)
        if closer is not None:
            await closer()


async def container_logs(request: Request, runtime: Runtime, node: str,
                         pods: PodsProvider) -> Response:
    p = request.path_params
    try:
        opts = LogOptions(request.query_params)
        pod = await find_pod(pods, p["namespace"], p["pod"])
        info = await log_container(runtime, node, pod, p["container"], opts.previous)
    except StreamError as e:
        return PlainTextResponse(e.message, e.code)
    # The instance is already chosen (previous or current), so ask for its own output.
    chunks = runtime.container_logs(info.id, follow=opts.follow and not opts.previous,
                                    tail=opts.tail_lines, timestamps=opts.timestamps,
                                    since_s=opts.since_s)
    return StreamingResponse(_limited(chunks, opts.limit_bytes),
                             media_type="text/plain; charset=utf-8")
