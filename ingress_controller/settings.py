"""Ingress controller settings: one field = one flag (`--http-port`) = one variable
(`TINYKUBE_HTTP_PORT`)."""
from __future__ import annotations

from dataclasses import dataclass

from machinery.settings import ComponentSettings

CONTROLLER_NAME = "tinykube.io/ingress-controller"


@dataclass
class IngressSettings(ComponentSettings):
    """tinykube ingress controller: an HTTP(S) reverse proxy routed by Ingress objects."""
    master: str = ""                    # overrides the kubeconfig's server (host network)
    bind_address: str = "0.0.0.0"
    http_port: int = 80
    https_port: int = 443               # 0: no TLS listener
    ingress_class: str = "tinykube"     # the IngressClass name this controller serves
    ensure_class: bool = False          # create that class (as the default) when missing
    controller_name: str = CONTROLLER_NAME
    publish_address: str = "127.0.0.1"  # written to status.loadBalancer; empty: leave status
    watch_namespace: str = ""           # empty: every namespace
    health_port: int = 10254            # /healthz and /metrics; 0: none
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    keepalive_timeout_s: float = 75.0
