"""A small Docker Engine API client (v1.41) over the unix socket: requests, streams, hijacking.

Part of the Docker runtime (kubelet/runtime/docker.py is its only user). Plain requests go through
httpx; exec and attach need the raw connection after Docker's `Upgrade: tcp` answer, which
`hijack()` opens with asyncio directly. Non-TTY output is multiplexed in frames
(1 byte stream, 3 zero bytes, 4 bytes big-endian length, payload): `demux()` splits them.
"""
from __future__ import annotations

import asyncio
import json
import struct
from typing import Any, AsyncIterator
from urllib.parse import urlencode

import httpx

from kubelet.runtime.base import ContainerNotFound, RuntimeFailure, STDOUT

API_VERSION = "v1.41"


class DockerError(RuntimeFailure):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def socket_path(docker_host: str) -> str:
    if not docker_host.startswith("unix://"):
        raise ValueError(f"only unix:// docker hosts are supported, not {docker_host!r}")
    return docker_host[len("unix://"):]


class DockerApi:
    def __init__(self, docker_host: str = "unix:///var/run/docker.sock", timeout_s: float = 30.0):
        self.socket = socket_path(docker_host)
        self._http = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=self.socket),
            base_url=f"http://docker/{API_VERSION}", timeout=httpx.Timeout(timeout_s))

    async def close(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                      body: Any = None, timeout_s: float | None = None) -> Any:
        """Decoded JSON (or None for an empty answer). Raises DockerError on 4xx/5xx."""
        kwargs: dict[str, Any] = {"params": _params(params)}
        if body is not None:
            kwargs["json"] = body
        if timeout_s is not None:
            kwargs["timeout"] = timeout_s
        response = await self._http.request(method, path, **kwargs)
        if response.is_error:
            raise _error(response.status_code, response.content)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    async def stream(self, method: str, path: str, *, params: dict[str, Any] | None = None
                     ) -> AsyncIterator[bytes]:
        """The raw body of a long answer (logs -f, pulls), chunk by chunk."""
        async with self._http.stream(method, path, params=_params(params),
                                     timeout=httpx.Timeout(30.0, read=None)) as response:
            if response.is_error:
                raise _error(response.status_code, await response.aread())
            async for chunk in response.aiter_raw():
                yield chunk

    async def hijack(self, path: str, body: Any = None, params: dict[str, Any] | None = None
                     ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """POST with `Upgrade: tcp`; the raw connection once Docker switched protocols."""
        reader, writer = await asyncio.open_unix_connection(self.socket, limit=2**20)
        content = json.dumps(body).encode() if body is not None else b""
        query = f"?{urlencode(_params(params))}" if params else ""
        head = (f"POST /{API_VERSION}{path}{query} HTTP/1.1\r\nHost: docker\r\n"
                "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                f"Content-Length: {len(content)}\r\n\r\n").encode()
        writer.write(head + content)
        await writer.drain()
        status = await reader.readline()
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        code = int(status.split()[1]) if len(status.split()) > 1 else 0
        if code not in (101, 200):
            length = int(headers.get("content-length", "0") or 0)
            data = await reader.read(length) if length else b""
            writer.close()
            raise _error(code, data)
        return reader, writer


def _params(params: dict[str, Any] | None) -> dict[str, str]:
    out = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, (dict, list)):
            value = json.dumps(value)
        out[key] = str(value)
    return out


def _error(status: int, content: bytes) -> RuntimeFailure:
    try:
        message = json.loads(content).get("message", "")
    except (ValueError, AttributeError):
        message = content.decode("utf-8", "replace").strip()
    if status == 404 and "container" in message.lower():
        return ContainerNotFound(message)
    return DockerError(status, message or f"docker answered {status}")


class Demuxer:
    """Splits Docker's multiplexed stream into (channel, payload) frames, across chunks."""

    HEADER = struct.Struct(">BxxxL")

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 8:
            channel, size = self.HEADER.unpack_from(self._buffer)
            if len(self._buffer) < 8 + size:
                break
            frames.append((channel or STDOUT, self._buffer[8:8 + size]))
            self._buffer = self._buffer[8 + size:]
        return frames
