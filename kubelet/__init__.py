"""tinykube kubelet (arrives with its own issue)."""
