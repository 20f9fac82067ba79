"""An exec or attach stream on a hijacked Docker connection (runtime/base.py's StreamSession)."""
from __future__ import annotations

import asyncio

from kubelet.runtime.base import STDOUT
from kubelet.runtime.docker_api import Demuxer, DockerApi, DockerError


class DockerSession:
    def __init__(self, api: DockerApi, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, *, tty: bool, exec_id: str | None = None,
                 container_id: str | None = None):
        self.api, self.reader, self.writer = api, reader, writer
        self.tty, self.exec_id, self.container_id = tty, exec_id, container_id
        self._demux = None if tty else Demuxer()
        self._pending: list[tuple[int, bytes]] = []

    async def read(self) -> tuple[int, bytes] | None:
        while not self._pending:
            data = await self.reader.read(65536)
            if not data:
                return None
            if self._demux is None:
                return STDOUT, data
            self._pending.extend(self._demux.feed(data))
        return self._pending.pop(0)

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def close_stdin(self) -> None:
        if self.writer.can_write_eof():
            self.writer.write_eof()

    async def resize(self, width: int, height: int) -> None:
        path = f"/exec/{self.exec_id}/resize" if self.exec_id else \
            f"/containers/{self.container_id}/resize"
        try:
            await self.api.request("POST", path, params={"h": height, "w": width})
        except DockerError:
            pass        # resizing a process that just ended is not an error worth raising

    async def exit_code(self) -> int | None:
        if self.exec_id:
            for _ in range(50):     # the exec may still be tearing down right after EOF
                info = await self.api.request("GET", f"/exec/{self.exec_id}/json")
                if not info.get("Running"):
                    return info.get("ExitCode")
                await asyncio.sleep(0.02)
            return None
        info = await self.api.request("GET", f"/containers/{self.container_id}/json")
        state = info.get("State") or {}
        return None if state.get("Running") else state.get("ExitCode")

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def collect(session: DockerSession) -> bytes:
    """Everything a session prints (stdout and stderr), until it ends."""
    chunks = []
    while (frame := await session.read()) is not None:
        chunks.append(frame[1])
    return b"".join(chunks)
