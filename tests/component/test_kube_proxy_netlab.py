"""A private network for kube-proxy tests: network namespaces, so the machine's tables stay untouched.

    "node" namespace  tkp-test-<rand>: lo, bridge tkpods0 10.244.0.1/16 (the machine's role)
    "pod" namespaces  tkp-test-<rand>-<pod>: eth0 on the bridge, 10.244.1.x, default via the
                      bridge; each runs a TCP + UDP echo server that answers with its pod name

Everything runs through `ip netns exec`; the kube-proxy under test gets the same prefix for its
iptables commands. `close()` kills the echo servers this lab started and deletes the namespaces
(which takes their bridge, veths, routes and iptables rules with them). This module holds no
tests; the kube-proxy component tests import it.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

pytestmark = pytest.mark.component

# network namespaces and iptables need root and the tools; elsewhere these tests are skipped
requires_netns = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "iptables-restore")),
    reason="needs root, iproute2 and iptables")

GATEWAY = "10.244.0.1"

ECHO_SERVER = r"""
import socket, sys, threading
name, tcp_port, udp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("0.0.0.0", tcp_port)); tcp.listen(128)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("0.0.0.0", udp_port))
def serve_udp():
    while True:
        data, peer = udp.recvfrom(2048)
        udp.sendto(f"{name} {peer[0]}".encode(), peer)
threading.Thread(target=serve_udp, daemon=True).start()
print("ready", flush=True)
while True:
    conn, peer = tcp.accept()
    try:
        conn.sendall(f"{name} {peer[0]}".encode())
    finally:
        conn.close()
"""

# prints one JSON list: per attempt, [answer or null, error or null, seconds]
CLIENT = r"""
import json, socket, sys, time
proto, host, port, count, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
out = []
for _ in range(count):
    start = time.monotonic()
    try:
        if proto == "tcp":
            with socket.create_connection((host, port), timeout=timeout) as s:
                answer = s.recv(200).decode()
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(timeout); s.sendto(b"hi", (host, port))
                answer = s.recv(200).decode()
        out.append([answer, None, time.monotonic() - start])
    except OSError as e:
        out.append([None, type(e).__name__, time.monotonic() - start])
print(json.dumps(out))
"""


def sh(*argv: str, check: bool = True) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")
    return result.stdout


@dataclass
class Pod:
    name: str
    ip: str
    netns: str
    server: subprocess.Popen | None = None


@dataclass
class NetLab:
    node: str = field(default_factory=lambda: f"tkp-test-{secrets.token_hex(3)}")
    pods: dict[str, Pod] = field(default_factory=dict)

    @property
    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.node]

    def node_exec(self, *argv: str, check: bool = True) -> str:
        return sh(*self.prefix, *argv, check=check)

    def create(self) -> None:
        sh("ip", "netns", "add", self.node)
        self.node_exec("ip", "link", "set", "lo", "up")
        self.node_exec("ip", "link", "add", "tkpods0", "type", "bridge")
        self.node_exec("ip", "addr", "add", f"{GATEWAY}/16", "dev", "tkpods0")
        self.node_exec("ip", "link", "set", "tkpods0", "up")
        self.node_exec("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")

    def add_pod(self, name: str, ip: str, tcp_port: int = 8080, udp_port: int = 5353) -> Pod:
        pod = Pod(name, ip, f"{self.node}-{name}")
        self.pods[name] = pod
        sh("ip", "netns", "add", pod.netns)
        veth = f"v{len(self.pods)}{self.node[-6:]}"
        self.node_exec("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0",
                       "netns", pod.netns)
        self.node_exec("ip", "link", "set", veth, "master", "tkpods0", "up")
        for argv in (["ip", "link", "set", "lo", "up"], ["ip", "link", "set", "eth0", "up"],
                     ["ip", "addr", "add", f"{ip}/16", "dev", "eth0"],
                     ["ip", "route", "add", "default", "via", GATEWAY]):
            sh("ip", "netns", "exec", pod.netns, *argv)
        pod.server = subprocess.Popen(
            ["ip", "netns", "exec", pod.netns, sys.executable, "-c", ECHO_SERVER, name,
             str(tcp_port), str(udp_port)], stdout=subprocess.PIPE, text=True)
        assert pod.server.stdout.readline().strip() == "ready"
        return pod

    def client(self, proto: str, host: str, port: int, count: int = 1, timeout_s: float = 2.0,
               netns: str | None = None) -> list[tuple[str | None, str | None, float]]:
        """Connect `count` times from the node namespace (or `netns`); one tuple per attempt."""
        out = sh("ip", "netns", "exec", netns or self.node, sys.executable, "-c", CLIENT, proto,
                 host, str(port), str(count), str(timeout_s))
        return [tuple(x) for x in json.loads(out)]

    def answers(self, proto: str, host: str, port: int, count: int = 1, **kw) -> list[str]:
        """The pod names that answered; any failed attempt fails the test."""
        results = self.client(proto, host, port, count, **kw)
        failed = [r for r in results if r[0] is None]
        assert not failed, f"{len(failed)}/{count} attempts to {host}:{port} failed: {failed[:3]}"
        return [r[0].split()[0] for r in results]

    def saved_chains(self) -> list[str]:
        """Every chain of every table in the node namespace, as iptables-save lists them."""
        text = self.node_exec("iptables-save")
        return [line[1:].split()[0] for line in text.splitlines() if line.startswith(":")]

    def close(self) -> None:
        for pod in self.pods.values():
            if pod.server is not None and pod.server.poll() is None:
                pod.server.kill()
                pod.server.wait(5)
            sh("ip", "netns", "del", pod.netns, check=False)
        sh("ip", "netns", "del", self.node, check=False)


def netns_exists(name: str) -> bool:
    return any(line.split()[0] == name for line in sh("ip", "netns", "list").splitlines() if line)
