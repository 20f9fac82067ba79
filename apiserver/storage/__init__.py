"""Object storage on etcd: the only code in tinykube that talks to etcd."""
from apiserver.storage.errors import (ClaimTaken, KeyExists, KeyNotFound, RevisionCompacted,
                                      RevisionConflict, StorageError, StorageUnavailable)
from apiserver.storage.etcd import EtcdStore, ListResult

__all__ = ["EtcdStore", "ListResult", "StorageError", "KeyNotFound", "KeyExists",
           "RevisionConflict", "RevisionCompacted", "ClaimTaken", "StorageUnavailable"]
