"""The api-server client: kubeconfig loading, the async ApiClient, watch events."""
from machinery.client.api_client import ApiClient, TransportError, resource_path
from machinery.client.kubeconfig import ClientConfig, ConfigError, in_cluster_config, load_kubeconfig
from machinery.client.watch import WatchEvent

__all__ = ["ApiClient", "TransportError", "resource_path", "ClientConfig", "ConfigError",
           "in_cluster_config", "load_kubeconfig", "WatchEvent"]
