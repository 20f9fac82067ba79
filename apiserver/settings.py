"""api-server settings: every flag is also an environment variable (TINYKUBE_<NAME>)."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, fields


@dataclass
class ApiServerSettings:
    etcd_servers: str = "http://127.0.0.1:2379"
    bind_address: str = "0.0.0.0"
    secure_port: int = 6443
    cert_dir: str = "/var/lib/tinykube/pki"
    # Where users reach the api-server: the server URL in the admin kubeconfig and a SAN.
    external_url: str = "https://127.0.0.1:6443"
    # Where the other components reach the api-server (the compose service name): the server
    # URL of `<cert-dir>/cluster.kubeconfig`, which they mount.
    internal_url: str = "https://apiserver:6443"
    # The address behind the `kubernetes` Service; empty: this host's primary address.
    advertise_address: str = ""
    service_cidr: str = "10.96.0.0/16"
    node_port_range: str = "30000-32767"
    extra_sans: str = ""                     # comma-separated DNS names or IPs
    max_body_bytes: int = 3 * 1024 * 1024    # upstream's request size limit
    watch_cache_events: int = 10000
    compaction_interval_s: float = 300.0
    log_level: str = "INFO"
    # Service-account tokens (signed with <cert-dir>/sa.key): the `iss` claim, and the audiences
    # this server accepts (comma-separated; empty: the issuer), as upstream's flags.
    service_account_issuer: str = "https://kubernetes.default.svc.cluster.local"
    api_audiences: str = ""
    # TLS towards etcd (client certificates); all empty: plain http, as the test tiers run it.
    etcd_cafile: str = ""
    etcd_certfile: str = ""
    etcd_keyfile: str = ""
    # TLS towards kubelets: the client certificate they require, and the CA that signed their
    # serving certificates (empty: not verified).
    kubelet_client_certificate: str = ""
    kubelet_client_key: str = ""
    kubelet_certificate_authority: str = ""
    # Comma-separated, in order: Node, RBAC, AlwaysAllow, AlwaysDeny (system:masters always pass).
    authorization_mode: str = "Node,RBAC"
    # Admission plugins to leave out of the default chain (comma-separated upstream names).
    disable_admission_plugins: str = ""
    # EncryptionConfiguration for secrets at rest; empty: <cert-dir>/encryption-config.yaml,
    # generated with a random aescbc key at first start. "none" stores secrets in plaintext.
    encryption_provider_config: str = ""

    @classmethod
    def from_argv(cls, argv: list[str] | None = None) -> "ApiServerSettings":
        parser = argparse.ArgumentParser(prog="apiserver", description="tinykube api-server")
        for f in fields(cls):
            flag = "--" + f.name.replace("_", "-")
            env = os.environ.get("TINYKUBE_" + f.name.upper())
            default = env if env is not None else f.default
            parser.add_argument(flag, default=default, type=type(f.default))
        return cls(**vars(parser.parse_args(argv)))
