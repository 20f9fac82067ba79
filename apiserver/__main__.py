"""`python -m apiserver`: generate the PKI on first start, then serve HTTPS with uvicorn."""
from __future__ import annotations

import socket
import ssl
from urllib.parse import urlparse

import uvicorn

from apiserver.app import build_app
from apiserver.auth.tls_scope import UVICORN_HTTP
from apiserver.bootstrap import advertise_address
from apiserver.pki import ensure_pki
from apiserver.rest.kubelet_proxy import UVICORN_WS
from apiserver.settings import ApiServerSettings
from machinery.runtime import setup_logging


def serving_sans(settings: ApiServerSettings) -> list[str]:
    sans = ["127.0.0.1", "localhost", "apiserver", "kubernetes", "kubernetes.default",
            "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
            "10.96.0.1", socket.gethostname(), advertise_address(settings.advertise_address)]
    host = urlparse(settings.external_url).hostname
    if host:
        sans.append(host)
    sans += [s.strip() for s in settings.extra_sans.split(",") if s.strip()]
    return sans


def main(argv: list[str] | None = None) -> None:
    settings = ApiServerSettings.from_argv(argv)
    setup_logging("apiserver", settings.log_level)   # logfmt, as every other component
    pki = ensure_pki(settings.cert_dir, serving_sans(settings), settings.external_url,
                     settings.internal_url)
    app = build_app(settings, pki.token_file)
    uvicorn.run(app, host=settings.bind_address, port=settings.secure_port,
                ssl_certfile=str(pki.serving_cert), ssl_keyfile=str(pki.serving_key),
                ssl_ca_certs=str(pki.ca_cert), ssl_cert_reqs=ssl.CERT_OPTIONAL,
                log_level="warning", access_log=False, timeout_graceful_shutdown=5,
                ws=UVICORN_WS, http=UVICORN_HTTP)


if __name__ == "__main__":
    main()
