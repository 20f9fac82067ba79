"""tinykube kube_proxy (arrives with its own issue)."""
