"""TLS with client certificates towards etcd (`--etcd-cafile/--etcd-certfile/--etcd-keyfile`).

aetcd's Client only opens insecure gRPC channels, so `SecureClient` opens the channel itself
(grpc.aio.secure_channel with the CA and the api-server's etcd client certificate) and sets up
the same stubs aetcd's `connect` does. etcd runs with `--client-cert-auth`, so a caller without
a certificate from etcd's CA is refused at the handshake.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aetcd
import grpc
from aetcd import rpc, watcher


@dataclass(frozen=True)
class EtcdTLS:
    ca_file: str
    cert_file: str = ""
    key_file: str = ""

    @classmethod
    def from_settings(cls, settings) -> "EtcdTLS | None":
        """None when no etcd CA is configured: plain http (the test tiers' etcd)."""
        if not settings.etcd_cafile:
            return None
        return cls(settings.etcd_cafile, settings.etcd_certfile, settings.etcd_keyfile)

    def credentials(self) -> grpc.ChannelCredentials:
        read = lambda p: Path(p).read_bytes() if p else None  # noqa: E731
        return grpc.ssl_channel_credentials(read(self.ca_file), read(self.key_file),
                                            read(self.cert_file))


class SecureClient(aetcd.Client):
    def __init__(self, *args, tls: EtcdTLS, **kwargs):
        super().__init__(*args, **kwargs)
        self._credentials = tls.credentials()

    async def connect(self) -> None:
        if self._connected.is_set():
            return
        target = f"{self._host}:{self._port}"
        self.channel = grpc.aio.secure_channel(target, self._credentials,
                                               options=list(self._options.items()))
        self.kvstub = rpc.KVStub(self.channel)
        self.clusterstub = rpc.ClusterStub(self.channel)
        self.leasestub = rpc.LeaseStub(self.channel)
        self.maintenancestub = rpc.MaintenanceStub(self.channel)
        self._watcher = watcher.Watcher(rpc.WatchStub(self.channel), timeout=self._timeout,
                                        metadata=self.metadata)
        self._connected.set()
