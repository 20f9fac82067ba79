"""Wait until a tinykube compose project is ready, showing each part as it comes up.

    python deploy/wait-ready.py [--up] [--project tinykube] [--timeout 300] [--kubeconfig PATH]

Ready means: every compose service running and healthy (their healthchecks call each
component's /healthz or /readyz), every node-* kubelet's Node Ready, and cluster DNS
answering: the Service kube-system/kube-dns has a ready endpoint and, on Linux, a query for
kubernetes.default.svc.cluster.local to its ClusterIP gets an answer (through kube-proxy's
routes, as a pod's query would).

On a terminal the checks are one live table with elapsed times; without one (or with CI set)
each check prints one line when it passes. Exit status 0 when everything is ready, 1 on
timeout (the unready checks are printed with the command that shows why).
Standard library plus PyYAML (for the kubeconfig), so it runs before the project is installed.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import yaml

REPO = Path(__file__).resolve().parents[1]
ADMIN_KUBECONFIG = "/var/lib/tinykube/pki/admin.kubeconfig"
DNS_IP = "10.96.0.10"
SPINNER = "|/-\\"
LEASE_FRESH_S = 15.0   # the kubelet renews every 10 s: fresher than that is alive


@dataclass
class Check:
    name: str
    probe: Callable[[], tuple[bool, str]]   # (ready, detail shown beside the name)
    hint: str = ""
    ready_after_s: float | None = None
    detail: str = "waiting"


@dataclass
class Compose:
    project: str
    _services: list[str] = field(default_factory=list)

    def run(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", "compose", "-p", self.project, *args], cwd=REPO,
                              capture_output=True, text=True, timeout=timeout)

    def services(self) -> list[str]:
        if not self._services:
            out = self.run("config", "--services").stdout
            self._services = [s for s in out.split() if s]
        return self._services

    def states(self) -> dict[str, dict[str, Any]]:
        """{service: the `docker compose ps` row}; its JSON is an array or one object a line."""
        out = self.run("ps", "--all", "--format", "json").stdout.strip()
        if not out:
            return {}
        rows = json.loads(out) if out.startswith("[") else [json.loads(l) for l in out.splitlines()]
        return {r["Service"]: r for r in rows}


class Api:
    """Just enough of a client for GETs with the admin kubeconfig (bearer token + CA)."""

    def __init__(self, compose: Compose, kubeconfig: Path | None):
        self.compose = compose
        self.kubeconfig = kubeconfig
        self._server = self._token = None
        self._ctx: ssl.SSLContext | None = None

    def _load(self) -> bool:
        if self._ctx is not None:
            return True
        if self.kubeconfig is not None and self.kubeconfig.exists():
            text = self.kubeconfig.read_text()
        else:
            proc = self.compose.run("exec", "-T", "apiserver", "cat", ADMIN_KUBECONFIG)
            if proc.returncode != 0:
                return False
            text = proc.stdout
        config = yaml.safe_load(text)
        cluster = config["clusters"][0]["cluster"]
        self._server = cluster["server"]
        self._token = config["users"][0]["user"]["token"]
        with tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False) as ca:
            ca.write(base64.b64decode(cluster["certificate-authority-data"]))
        self._ctx = ssl.create_default_context(cafile=ca.name)
        os.unlink(ca.name)
        return True

    def get(self, path: str) -> dict[str, Any] | None:
        return self.request("GET", path)

    def request(self, method: str, path: str, body: dict | None = None
                ) -> dict[str, Any] | None:
        """The answer's JSON; None on any failure (not up yet, refused, an error status)."""
        if not self._load():
            return None
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self._server + path, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=3, context=self._ctx) as resp:
                return json.loads(resp.read())
        except (OSError, ValueError):
            return None


def service_check(compose: Compose, service: str, states: Callable[[], dict]) -> Check:
    def probe() -> tuple[bool, str]:
        row = states().get(service)
        if row is None:
            return False, "not created"
        health = row.get("Health") or ""
        if row.get("State") != "running":
            return False, row.get("State") or "unknown"
        return (health in ("healthy", ""), health or "running")
    return Check(service, probe, f"docker compose -p {compose.project} logs {service}")


def lease_age_s(api: Api, node: str) -> float | None:
    """Seconds since the node's kubelet last renewed its Lease; None without one."""
    lease = api.get(f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}")
    renewed = ((lease or {}).get("spec") or {}).get("renewTime")
    if not renewed:
        return None
    at = datetime.fromisoformat(renewed.replace("Z", "+00:00"))
    return (datetime.now(timezone.utc) - at).total_seconds()


def node_check(api: Api, node: str, started: float | None) -> Check:
    """Ready, and its kubelet alive: after a restart the Node still says Ready=True from before
    until the node lifecycle controller notices, so a fresh Lease renewal is required too:
    one since `started` (epoch seconds) when we started the cluster, else a recent one."""
    def probe() -> tuple[bool, str]:
        obj = api.get(f"/api/v1/nodes/{node}")
        if obj is None:
            return False, "not registered"
        ready = next((c.get("status") for c in obj.get("status", {}).get("conditions") or []
                      if c.get("type") == "Ready"), None)
        if ready != "True":
            return False, f"Ready={ready}"
        age = lease_age_s(api, node)
        max_age_s = LEASE_FRESH_S if started is None else time.time() - started
        if age is None or age > max_age_s:
            return False, "kubelet not renewing"
        return True, "Ready=True"
    return Check(f"node {node} Ready", probe, f"kubectl describe node {node}")


def dns_query(server: str, name: str, timeout_s: float = 1.0) -> bool:
    """Whether `server` answers an A query for `name` with at least one record."""
    qid = random.randrange(1 << 16)
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    packet = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question + struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.sendto(packet, (server, 53))
            reply = sock.recv(512)
        except OSError:
            return False
    rid, flags, _, answers = struct.unpack("!HHHH", reply[:8])
    return rid == qid and flags & 0xF == 0 and answers > 0


def dns_check(api: Api) -> Check:
    def probe() -> tuple[bool, str]:
        slices = api.get("/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices"
                         "?labelSelector=kubernetes.io%2Fservice-name%3Dkube-dns")
        endpoints = [e for s in (slices or {}).get("items") or [] for e in s.get("endpoints") or []]
        if not any((e.get("conditions") or {}).get("ready", True) for e in endpoints):
            return False, "no ready endpoint"
        if sys.platform != "linux":     # Docker Desktop: the service CIDR is inside its VM
            return True, "endpoint ready"
        if not dns_query(DNS_IP, "kubernetes.default.svc.cluster.local"):
            return False, f"no answer from {DNS_IP}"
        return True, f"{DNS_IP} answers"
    return Check("cluster DNS", probe, "docker compose logs cluster-dns kube-proxy")


class Display:
    """A live table on a terminal; one line per passed check otherwise."""

    def __init__(self, checks: list[Check], live: bool):
        self.checks, self.live, self._drawn, self._printed = checks, live, 0, set()

    def update(self, elapsed_s: float, tick: int) -> None:
        if not self.live:
            for c in self.checks:
                if c.ready_after_s is not None and c.name not in self._printed:
                    self._printed.add(c.name)
                    print(f"  ready  {c.name:<24} {c.detail:<22} {c.ready_after_s:6.1f}s",
                          flush=True)
            return
        lines = [self._row(c, elapsed_s, tick) for c in self.checks]
        out = (f"\x1b[{self._drawn}A" if self._drawn else "") + "".join(
            f"\x1b[2K{line}\n" for line in lines)
        sys.stdout.write(out)
        sys.stdout.flush()
        self._drawn = len(lines)

    @staticmethod
    def _row(c: Check, elapsed_s: float, tick: int) -> str:
        if c.ready_after_s is not None:
            return f"  \x1b[32m✓\x1b[0m {c.name:<24} {c.detail:<22} {c.ready_after_s:6.1f}s"
        mark = SPINNER[tick % len(SPINNER)]
        return f"  {mark} {c.name:<24} \x1b[2m{c.detail:<22}\x1b[0m {elapsed_s:6.1f}s"


def _display_order(service: str) -> tuple[int, str]:
    """Control plane first, in start order, then nodes and add-ons (HA replicas by name)."""
    order = ("etcd", "apiserver", "scheduler", "controller-manager", "node-", "kube-proxy")
    rank = next((i for i, p in enumerate(order) if service.startswith(p)), len(order))
    return rank, service


def build_checks(compose: Compose, api: Api, started: float | None = None) -> list[Check]:
    cache: dict[str, Any] = {"at": 0.0, "rows": {}}

    def states() -> dict:     # one `docker compose ps` per round, shared by every service
        if time.monotonic() - cache["at"] > 0.5:
            cache["rows"], cache["at"] = compose.states(), time.monotonic()
        return cache["rows"]

    services = sorted(compose.services(), key=_display_order)
    checks = [service_check(compose, s, states) for s in services]
    checks += [node_check(api, s, started) for s in services if s.startswith("node-")]
    checks.append(dns_check(api))
    return checks


def wait(checks: list[Check], display: Display, timeout_s: float, interval_s: float,
         up: subprocess.Popen | None = None) -> bool:
    """Poll every unready check until all pass; False on timeout or when `up` failed."""
    start, tick = time.monotonic(), 0
    while True:
        elapsed = time.monotonic() - start
        if up is not None and up.poll() not in (None, 0):
            return False
        for c in checks:
            if c.ready_after_s is None:
                ok, c.detail = c.probe()
                if ok:
                    c.ready_after_s = time.monotonic() - start
        display.update(elapsed, tick)
        if all(c.ready_after_s is not None for c in checks):
            return True
        if elapsed > timeout_s:
            return False
        tick += 1
        time.sleep(interval_s)


def start_compose(project: str) -> subprocess.Popen:
    """`docker compose up --detach` in the background: it blocks while the api-server comes
    up (the other services wait for it), which the checks show meanwhile."""
    log = tempfile.TemporaryFile("w+")    # its progress lines, shown only if it fails
    proc = subprocess.Popen(["docker", "compose", "-p", project, "up", "--detach"], cwd=REPO,
                            stdout=log, stderr=log, text=True)
    proc.log = log     # type: ignore[attr-defined]
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", default=os.environ.get("COMPOSE_PROJECT_NAME", "tinykube"))
    parser.add_argument("--timeout", type=float, default=300, help="seconds (default 300)")
    parser.add_argument("--kubeconfig", type=Path, help="default: read from the apiserver")
    parser.add_argument("--up", action="store_true",
                        help="run `docker compose up --detach` first, showing progress meanwhile")
    parser.add_argument("--interval", type=float, default=0.25, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    compose = Compose(args.project)
    started = time.time() if args.up else None
    checks = build_checks(compose, Api(compose, args.kubeconfig), started)
    live = sys.stdout.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
    up = start_compose(args.project) if args.up else None
    print(f"Waiting for tinykube ({args.project}) to be ready:", flush=True)
    if wait(checks, Display(checks, live), args.timeout, args.interval, up):
        total = max(c.ready_after_s or 0 for c in checks)
        print(f"All {len(checks)} checks ready in {total:.1f}s.", flush=True)
        if up is not None:
            up.wait(timeout=120)
        return 0
    if up is not None and up.returncode:
        up.log.seek(0)
        print(f"`docker compose up` failed:\n{up.log.read()[-3000:]}", file=sys.stderr)
    print(f"Not ready after {args.timeout:.0f}s:", file=sys.stderr)
    for c in checks:
        if c.ready_after_s is None:
            print(f"  {c.name}: {c.detail}  (see: {c.hint})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
