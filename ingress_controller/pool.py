"""Idle keep-alive connections to upstream endpoints, reused for later requests.

At most `per_target` idle connections per endpoint, each dropped after `idle_s`; a connection
the upstream has closed is noticed when taken (EOF already read) and thrown away.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from ingress_controller.backends import Target


@dataclass
class Conn:
    target: Target
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = field(default=0.0)

    def close(self) -> None:
        self.writer.close()

    @property
    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()


class ConnectionPool:
    def __init__(self, per_target: int = 16, idle_s: float = 60.0):
        self.per_target, self.idle_s = per_target, idle_s
        self._idle: dict[Target, list[Conn]] = {}

    def take(self, target: Target) -> Conn | None:
        conns = self._idle.get(target) or []
        now = time.monotonic()
        while conns:
            conn = conns.pop()
            if conn.usable and now - conn.idle_since < self.idle_s:
                return conn
            conn.close()
        return None

    def give_back(self, conn: Conn) -> None:
        conns = self._idle.setdefault(conn.target, [])
        if len(conns) >= self.per_target or not conn.usable:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        conns.append(conn)

    def close(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
