"""A small TCP load balancer for the HA profile: the api-servers behind one address.

    python3 tcp_lb.py --listen 0.0.0.0:6443 --backend apiserver:6443 --backend apiserver-2:6443 \
        --health-check https:/readyz

Connections go round robin to the backends that pass their health check. TLS passes through
untouched (clients verify the api-servers' own certificate, and client certificates reach them).
A backend is taken out after `--fall` failed checks in a row, or at once when a connection to it
is refused, and put back after `--rise` good ones. A connection that cannot reach its backend is
tried on the next one (no byte has been sent yet, so that is always safe); established
connections to a backend that dies are cut, as with any L4 balancer, and clients reconnect.

Standard library only: the HA compose file runs it from this file in the base image.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import signal
import ssl
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger("tcp_lb")

COPY_CHUNK = 64 * 1024


@dataclass
class Backend:
    host: str
    port: int
    healthy: bool = True          # optimistic until the first check, so startup is not blocked
    streak: int = 0               # consecutive check results that disagree with `healthy`
    active: int = 0               # open connections
    served: int = 0               # connections ever handed to it

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class HealthCheck:
    """`tcp` (a connect) or `https:/path` / `http:/path` (a GET answered 200)."""
    spec: str = "tcp"
    timeout_s: float = 1.0

    async def __call__(self, backend: Backend) -> bool:
        try:
            return await asyncio.wait_for(self._probe(backend), self.timeout_s)
        except (OSError, asyncio.TimeoutError, ssl.SSLError, ValueError):
            return False

    async def _probe(self, backend: Backend) -> bool:
        scheme, _, path = self.spec.partition(":")
        context = None
        if scheme == "https":
            # Health only: the backend's identity is the clients' business, not ours.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.open_connection(backend.host, backend.port, ssl=context)
        try:
            if scheme == "tcp":
                return True
            writer.write(f"GET {path or '/'} HTTP/1.1\r\nHost: {backend.host}\r\n"
                         f"Connection: close\r\n\r\n".encode())
            await writer.drain()
            status_line = await reader.readline()
            parts = status_line.split()
            return len(parts) >= 2 and parts[1] == b"200"
        finally:
            writer.close()


@dataclass
class Balancer:
    backends: list[Backend]
    check: HealthCheck = field(default_factory=HealthCheck)
    interval_s: float = 1.0
    rise: int = 1
    fall: int = 2
    connect_timeout_s: float = 2.0
    _turn: itertools.count = field(default_factory=itertools.count)

    # --- choosing ----------------------------------------------------------------------------

    def candidates(self) -> list[Backend]:
        """Every backend in the order to try for the next connection: the healthy ones round
        robin first, then the others (when all look down, trying beats refusing)."""
        start = next(self._turn)
        n = len(self.backends)
        rotated = [self.backends[(start + i) % n] for i in range(n)]
        return [b for b in rotated if b.healthy] + [b for b in rotated if not b.healthy]

    def mark(self, backend: Backend, ok: bool, *, at_once: bool = False) -> None:
        """Record a check result; flip the state after `rise`/`fall` results in a row."""
        if ok == backend.healthy:
            backend.streak = 0
            return
        backend.streak += 1
        if at_once or backend.streak >= (self.rise if ok else self.fall):
            backend.healthy, backend.streak = ok, 0
            log.warning(json.dumps({"msg": "backend " + ("up" if ok else "down"),
                                    "backend": backend.name}))

    # --- health checks -----------------------------------------------------------------------

    async def check_forever(self) -> None:
        while True:
            results = await asyncio.gather(*(self.check(b) for b in self.backends))
            for backend, ok in zip(self.backends, results):
                self.mark(backend, ok)
            await asyncio.sleep(self.interval_s)

    # --- proxying ----------------------------------------------------------------------------

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream = await self._connect()
        if upstream is None:
            client_w.close()
            return
        backend, up_r, up_w = upstream
        backend.active += 1
        backend.served += 1
        try:
            await asyncio.gather(_pipe(client_r, up_w), _pipe(up_r, client_w))
        finally:
            backend.active -= 1
            for w in (up_w, client_w):
                w.close()

    async def _connect(self):
        for backend in self.candidates():
            try:
                r, w = await asyncio.wait_for(
                    asyncio.open_connection(backend.host, backend.port), self.connect_timeout_s)
                return backend, r, w
            except (OSError, asyncio.TimeoutError):
                self.mark(backend, False, at_once=True)
        log.warning(json.dumps({"msg": "no backend reachable, connection dropped"}))
        return None

    def status(self) -> list[dict]:
        return [{"backend": b.name, "healthy": b.healthy, "active": b.active,
                 "served": b.served} for b in self.backends]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF, then half-close the other side (TLS close_notify, HTTP/1.0 bodies)."""
    try:
        while chunk := await reader.read(COPY_CHUNK):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


def parse_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not host:port")
    return host or "0.0.0.0", int(port)


async def serve(args: argparse.Namespace) -> None:
    balancer = Balancer([Backend(*parse_address(b)) for b in args.backend],
                        HealthCheck(args.health_check, args.health_timeout),
                        args.health_interval, args.rise, args.fall)
    host, port = parse_address(args.listen)
    server = await asyncio.start_server(balancer.handle, host, port, reuse_address=True)
    log.warning(json.dumps({"msg": "listening", "address": args.listen,
                            "backends": [b.name for b in balancer.backends],
                            "check": args.health_check}))
    checks = asyncio.create_task(balancer.check_forever())
    stop = asyncio.Event()
    # PID 1 in a container: SIGTERM does nothing unless handled.
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    checks.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tcp_lb", description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="0.0.0.0:6443")
    parser.add_argument("--backend", action="append", required=True, help="host:port, repeated")
    parser.add_argument("--health-check", default="tcp", help="tcp, https:/path or http:/path")
    parser.add_argument("--health-interval", type=float, default=1.0)
    parser.add_argument("--health-timeout", type=float, default=1.0)
    parser.add_argument("--rise", type=int, default=1)
    parser.add_argument("--fall", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s tcp_lb %(message)s")
    logging.Formatter.converter = time.gmtime
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
