"""Where and how to reach the api-server: kubeconfig files and in-cluster service accounts.

`load_kubeconfig(path, context)` follows kubectl's rules: an explicit path, else every file of
$KUBECONFIG (':'-separated, the first file to define a name wins), else ~/.kube/config, else the
in-cluster config (the pod's service account token and CA, $KUBERNETES_SERVICE_HOST/PORT).
Relative file paths in a kubeconfig are relative to that file's directory.
"""
from __future__ import annotations

import base64
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class ConfigError(ValueError):
    """No usable configuration (kubectl: `invalid configuration: ...`)."""


@dataclass
class ClientConfig:
    server: str
    ca_data: bytes | None = None          # PEM
    ca_file: str | None = None
    cert_data: bytes | None = None        # PEM client certificate
    cert_file: str | None = None
    key_data: bytes | None = None
    key_file: str | None = None
    token: str | None = None
    token_file: str | None = None         # re-read on each client (service account rotation)
    insecure_skip_tls_verify: bool = False
    namespace: str = "default"
    timeout_s: float = 30.0
    user_agent: str = "tinykube"

    def bearer_token(self) -> str | None:
        if self.token:
            return self.token
        if self.token_file:
            return Path(self.token_file).read_text().strip()
        return None

    def ssl_context(self) -> ssl.SSLContext | None:
        """None for plain http; otherwise verification and client certificates set up."""
        if not self.server.startswith("https://"):
            return None
        ctx = ssl.create_default_context()
        if self.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif self.ca_data:
            ctx.load_verify_locations(cadata=self.ca_data.decode())
        elif self.ca_file:
            ctx.load_verify_locations(cafile=self.ca_file)
        if self.cert_data or self.cert_file:
            _load_client_cert(ctx, self)
        return ctx


def _load_client_cert(ctx: ssl.SSLContext, cfg: ClientConfig) -> None:
    # ssl only loads certificates from files, so inline data goes through a private temp dir
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = cfg.cert_file, cfg.key_file
        if cfg.cert_data:
            cert = os.path.join(tmp, "client.crt")
            Path(cert).write_bytes(cfg.cert_data)
        if cfg.key_data:
            key = os.path.join(tmp, "client.key")
            Path(key).write_bytes(cfg.key_data)
        ctx.load_cert_chain(cert, key)


def load_kubeconfig(path: str | os.PathLike | None = None,
                    context: str | None = None) -> ClientConfig:
    paths = _kubeconfig_paths(path)
    if not paths:
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            return in_cluster_config()
        raise ConfigError("invalid configuration: no configuration has been provided")
    merged = _merge([(p, yaml.safe_load(p.read_text()) or {}) for p in paths])
    return _resolve(merged, context)


def _kubeconfig_paths(path: str | os.PathLike | None) -> list[Path]:
    if path:
        p = Path(path).expanduser()
        if not p.exists():
            raise ConfigError(f"stat {p}: no such file or directory")
        return [p]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p and Path(p).exists()]
    default = Path.home() / ".kube" / "config"
    return [default] if default.exists() else []


def _merge(files: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """kubectl's merge: the first file to set current-context or to define a name wins."""
    merged: dict[str, Any] = {"current-context": None, "clusters": {}, "users": {},
                              "contexts": {}}
    for path, doc in files:
        merged["current-context"] = merged["current-context"] or doc.get("current-context")
        for section, inner in (("clusters", "cluster"), ("users", "user"),
                               ("contexts", "context")):
            for entry in doc.get(section) or []:
                body = dict(entry.get(inner) or {})
                body["_dir"] = path.parent
                merged[section].setdefault(entry.get("name"), body)
    return merged


def _resolve(cfg: dict[str, Any], context: str | None) -> ClientConfig:
    name = context or cfg["current-context"]
    if not name:
        raise ConfigError("invalid configuration: no current context is set")
    ctx = cfg["contexts"].get(name)
    if ctx is None:
        raise ConfigError(f'context "{name}" does not exist')
    cluster = cfg["clusters"].get(ctx.get("cluster"))
    if cluster is None or not cluster.get("server"):
        raise ConfigError(f'invalid configuration: cluster "{ctx.get("cluster")}" has no server')
    user = cfg["users"].get(ctx.get("user")) or {}
    return ClientConfig(
        server=cluster["server"].rstrip("/"),
        ca_data=_b64(cluster.get("certificate-authority-data")),
        ca_file=_rel(cluster, "certificate-authority"),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify")),
        cert_data=_b64(user.get("client-certificate-data")),
        cert_file=_rel(user, "client-certificate"),
        key_data=_b64(user.get("client-key-data")),
        key_file=_rel(user, "client-key"),
        token=user.get("token"),
        token_file=_rel(user, "tokenFile"),
        namespace=ctx.get("namespace") or "default",
    )


def _b64(value: str | None) -> bytes | None:
    return base64.b64decode(value) if value else None


def _rel(section: dict[str, Any], key: str) -> str | None:
    value = section.get(key)
    if not value:
        return None
    return str((section["_dir"] / Path(value).expanduser()))


def in_cluster_config(sa_dir: str | os.PathLike = SERVICE_ACCOUNT_DIR) -> ClientConfig:
    """The config a pod gets from its service account, as client-go's rest.InClusterConfig."""
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise ConfigError("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
                          "and KUBERNETES_SERVICE_PORT must be defined")
    sa = Path(sa_dir)
    token_file = sa / "token"
    if not token_file.exists():
        raise ConfigError(f"open {token_file}: no such file or directory")
    host = f"[{host}]" if ":" in host else host
    ns_file = sa / "namespace"
    return ClientConfig(
        server=f"https://{host}:{port}",
        ca_file=str(sa / "ca.crt") if (sa / "ca.crt").exists() else None,
        token_file=str(token_file),
        namespace=ns_file.read_text().strip() if ns_file.exists() else "default",
    )
