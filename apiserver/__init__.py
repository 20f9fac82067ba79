"""tinykube api-server: the Kubernetes REST API on a real etcd."""
