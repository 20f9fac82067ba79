"""Processes the component and contract tests run against: a real etcd and a real api-server.

etcd is the machine's `etcd` binary (Debian's etcd-server) on free loopback ports; the api-server
runs in-process (uvicorn in a thread) with TLS and its own PKI in a temporary directory. Nothing
here touches the machine's port 6443, so a running `make up` cluster is left alone.
"""
from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


@dataclass
class Etcd:
    url: str
    process: subprocess.Popen
    data_dir: str

    @classmethod
    def start(cls) -> "Etcd":
        etcd = shutil.which("etcd")
        if etcd is None:
            raise RuntimeError("the etcd binary is missing: apt-get install etcd-server")
        client, peer = free_port(), free_port()
        data_dir = tempfile.mkdtemp(prefix="tinykube-etcd-")
        url = f"http://127.0.0.1:{client}"
        proc = subprocess.Popen(
            [etcd, "--data-dir", data_dir, "--listen-client-urls", url,
             "--advertise-client-urls", url, "--listen-peer-urls", f"http://127.0.0.1:{peer}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
             "--initial-cluster", f"default=http://127.0.0.1:{peer}", "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: urllib.request.urlopen(url + "/health", timeout=1).status == 200,
                   20, "etcd")
        return cls(url, proc, data_dir)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@dataclass
class ApiServer:
    url: str
    cert_dir: Path
    ca_file: str
    token: str
    kubeconfig: str
    server: uvicorn.Server
    thread: threading.Thread

    @classmethod
    def start(cls, etcd_url: str, **overrides) -> "ApiServer":
        from apiserver.__main__ import serving_sans
        from apiserver.app import build_app
        from apiserver.auth.tls_scope import UVICORN_HTTP
        from apiserver.pki import admin_token, ensure_pki
        from apiserver.rest.kubelet_proxy import UVICORN_WS
        from apiserver.settings import ApiServerSettings
        port = free_port()
        cert_dir = Path(tempfile.mkdtemp(prefix="tinykube-pki-"))
        url = f"https://127.0.0.1:{port}"
        settings = ApiServerSettings(etcd_servers=etcd_url, secure_port=port,
                                     cert_dir=str(cert_dir), external_url=url,
                                     advertise_address="127.0.0.1", **overrides)
        pki = ensure_pki(str(cert_dir), serving_sans(settings), url)
        app = build_app(settings, pki.token_file)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                ssl_certfile=str(pki.serving_cert),
                                ssl_keyfile=str(pki.serving_key), ssl_ca_certs=str(pki.ca_cert),
                                ssl_cert_reqs=ssl.CERT_OPTIONAL, access_log=False,
                                timeout_graceful_shutdown=1, ws=UVICORN_WS,
                                http=UVICORN_HTTP)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True, name="apiserver")
        thread.start()
        ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
        wait_until(lambda: urllib.request.urlopen(url + "/readyz", context=ctx,
                                                  timeout=1).status == 200, 30, "api-server")
        wait_until(lambda: server.started, 30, "api-server startup")
        return cls(url, cert_dir, str(pki.ca_cert), admin_token(pki),
                   str(pki.admin_kubeconfig), server, thread)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        shutil.rmtree(self.cert_dir, ignore_errors=True)
