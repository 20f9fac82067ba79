"""Storage-level errors. The REST layer turns them into Status errors with the resource's name."""


class StorageError(Exception):
    pass


class KeyNotFound(StorageError):
    pass


class KeyExists(StorageError):
    pass


class RevisionConflict(StorageError):
    """The object changed since the revision the caller read (optimistic concurrency)."""


class RevisionCompacted(StorageError):
    def __init__(self, requested: int, compacted: int):
        super().__init__(f"too old resource version: {requested} ({compacted})")
        self.requested = requested
        self.compacted = compacted


class ClaimTaken(StorageError):
    """A uniqueness claim (a ClusterIP, a NodePort) is already held by another object."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class StorageUnavailable(StorageError):
    """etcd cannot be reached."""
