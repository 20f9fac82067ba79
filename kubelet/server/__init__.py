"""The kubelet's streaming API on 10250 (logs, exec, attach, port-forward, healthz, pods)."""
from kubelet.server.app import build_kubelet_app, serve_kubelet_api

__all__ = ["build_kubelet_app", "serve_kubelet_api"]
