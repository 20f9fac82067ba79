"""The etcd store: create, get, list, guaranteed update and delete of JSON objects.

An object's resourceVersion is its etcd mod_revision; a list's is the header revision. Values are
stored without metadata.resourceVersion (it is set from the revision on every read), as upstream
does. Uniqueness claims (ClusterIPs, NodePorts) are extra keys written in the same transaction as
the object, so two api-servers can never hand out the same address.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import urlparse

import aetcd
from aetcd import rpc

from apiserver.storage.etcd_tls import EtcdTLS, SecureClient
from apiserver.storage.errors import (ClaimTaken, KeyExists, KeyNotFound, RevisionCompacted,
                                      RevisionConflict, StorageError, StorageUnavailable)

log = logging.getLogger(__name__)

Obj = dict[str, Any]


def prefix_end(prefix: bytes) -> bytes:
    """The etcd range end that covers every key starting with prefix."""
    return prefix[:-1] + bytes([prefix[-1] + 1])


def encode(obj: Obj, key: str = "", transformer=None) -> bytes:
    """`transformer` (apiserver.storage.transformer): encryption at rest for some keys."""
    meta = obj.get("metadata") or {}
    if "resourceVersion" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "resourceVersion"}}
    value = json.dumps(obj, separators=(",", ":")).encode()
    return transformer.seal(key, value) if transformer is not None else value


def decode(value: bytes, revision: int, key: str = "", transformer=None) -> Obj:
    obj = json.loads(transformer.open(key, value) if transformer is not None else value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


def readable(value: bytes, revision: int, key: str, transformer=None) -> Obj | None:
    """decode, or None for a value this server cannot decrypt (another key): lists and the
    watch cache skip it instead of failing the whole resource."""
    try:
        return decode(value, revision, key, transformer)
    except StorageError as e:
        log.error("stored value cannot be decrypted, skipped", extra={"key": key, "error": str(e)})
        return None


@dataclass
class ListResult:
    items: list[Obj]
    revision: int
    next_key: str | None = None        # where the next page starts, when a limit cut the list
    remaining: int | None = None


@dataclass
class TxnOps:
    """Extra keys written or removed atomically with the object."""
    claims: Iterable[str] = ()
    releases: Iterable[str] = ()
    claim_value: bytes = b""


def parse_endpoints(servers: str) -> list[tuple[str, int]]:
    """`--etcd-servers`: comma-separated URLs (or host:port), as upstream's flag."""
    endpoints = []
    for item in (part.strip() for part in servers.split(",")):
        if item:
            url = urlparse(item if "://" in item else f"http://{item}")
            endpoints.append((url.hostname or "127.0.0.1", url.port or 2379))
    return endpoints or [("127.0.0.1", 2379)]


# Codes after which another member may answer: the member is gone or unreachable (UNAVAILABLE,
# also etcd's "no leader"), stuck behind a partition (DEADLINE_EXCEEDED), or its channel was
# closed by a failover while the call was in flight (CANCELLED).
FAILOVER_CODES = frozenset({rpc.StatusCode.UNAVAILABLE, rpc.StatusCode.DEADLINE_EXCEEDED,
                            rpc.StatusCode.CANCELLED})
# Pings every 10 s (etcd accepts one per 5 s) notice a member that vanished without closing its
# connections, which would otherwise hold a watch forever.
CHANNEL_OPTIONS = {"grpc.keepalive_time_ms": 10_000, "grpc.keepalive_timeout_ms": 5_000,
                   "grpc.keepalive_permit_without_calls": 1}
MAINTENANCE_METHODS = frozenset({"Status", "Defragment"})


class EtcdStore:
    """All of tinykube's etcd traffic, on one member at a time. When that member fails, the store
    moves to the next endpoint of `--etcd-servers` (round robin): reads are retried there, writes
    are not (a write whose answer was lost may have been applied), and watches that followed the
    old channel break and are resumed by their owner on `channel`, now the new member's."""

    transformer = None      # encryption at rest, set by build_app (storage/transformer.py)

    def __init__(self, endpoints: str, timeout_s: float = 10.0, tls: EtcdTLS | None = None):
        self._tls = tls                 # None: plain http (see etcd_tls.py)
        self.endpoints = parse_endpoints(endpoints)
        self._timeout = timeout_s
        self._index = 0
        self._client = self._new_client()
        self._switching: asyncio.Lock | None = None
        self._retiring: set[asyncio.Task] = set()      # old channels closing after a failover

    def _new_client(self) -> aetcd.Client:
        return self.member_client(*self.endpoints[self._index], timeout_s=self._timeout)

    def member_client(self, host: str, port: int, timeout_s: float) -> aetcd.Client:
        """A client for one given member, with the store's credentials (maintenance RPCs such as
        Status and Defragment act on the member they reach)."""
        if self._tls is not None:
            return SecureClient(host=host, port=port, timeout=timeout_s,
                                options=CHANNEL_OPTIONS, tls=self._tls)
        return aetcd.Client(host=host, port=port, timeout=timeout_s, options=CHANNEL_OPTIONS)

    @property
    def endpoint(self) -> str:
        host, port = self.endpoints[self._index]
        return f"{host}:{port}"

    async def connect(self) -> None:
        await self._client.connect()

    async def close(self) -> None:
        for task in list(self._retiring):
            task.cancel()
        await self._client.close()

    @property
    def channel(self):
        return self._client.channel

    async def _call(self, method: str, request, *, idempotent: bool = True):
        """One RPC (a KV or Maintenance method by name). On a failover code, switch to the next
        endpoint; an idempotent call is retried there, going round the members twice with a
        growing pause, which rides out a leader election (every member answers "no leader")."""
        attempts = 2 * len(self.endpoints) if idempotent and len(self.endpoints) > 1 else 1
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(min(0.1 * 2 ** (attempt - 1), 1.0))
            client = self._client
            stub = client.maintenancestub if method in MAINTENANCE_METHODS else client.kvstub
            try:
                return await getattr(stub, method)(request, timeout=self._timeout)
            except rpc.AioRpcError as e:
                if e.code() == rpc.StatusCode.OUT_OF_RANGE or "compacted" in (e.details() or ""):
                    raise RevisionCompacted(0, 0) from e
                await self._failover(client, e)
                if e.code() not in FAILOVER_CODES or attempt == attempts - 1:
                    raise StorageUnavailable(f"etcd: {e.code().name}: {e.details()}") from e
        raise AssertionError("unreachable")

    async def _failover(self, failed: aetcd.Client, error: rpc.AioRpcError) -> None:
        """Move to the next endpoint, unless another call already moved away from `failed`."""
        if len(self.endpoints) == 1 or error.code() not in FAILOVER_CODES:
            return
        self._switching = self._switching or asyncio.Lock()
        async with self._switching:
            if self._client is not failed:
                return
            old = self.endpoint
            self._index = (self._index + 1) % len(self.endpoints)
            self._client = self._new_client()
            await self._client.connect()
        log.warning("etcd member failed, switching", extra={
            "from": old, "to": self.endpoint, "error": f"{error.code().name}: {error.details()}"})
        # In-flight calls get a grace period; watches still on the old channel end with it.
        task = asyncio.get_running_loop().create_task(self._close_later(failed))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _close_later(self, client: aetcd.Client) -> None:
        try:
            if client.channel is not None:
                await client.channel.close(grace=self._timeout)
        except asyncio.CancelledError:
            await client.close()
        except Exception as e:   # closing a broken channel can fail; nothing else to do
            log.debug("closing an old etcd channel failed", extra={"error": repr(e)})

    async def _txn(self, compare: list, success: list) -> Any:
        return await self._call("Txn", rpc.TxnRequest(compare=compare, success=success,
                                                      failure=[]), idempotent=False)

    # --- reads --------------------------------------------------------------------------------

    async def revision(self) -> int:
        resp = await self._call("Range", rpc.RangeRequest(key=b"\0", count_only=True))
        return resp.header.revision

    async def get(self, key: str) -> Obj:
        resp = await self._call("Range", rpc.RangeRequest(key=key.encode()))
        if not resp.kvs:
            raise KeyNotFound(key)
        kv = resp.kvs[0]
        return decode(kv.value, kv.mod_revision, key, self.transformer)

    async def list(self, prefix: str, *, start_key: str | None = None, limit: int = 0,
                   revision: int = 0, predicate: Callable[[Obj], bool] | None = None) -> ListResult:
        """List keys under prefix at one revision; with a limit, page through until `limit`
        objects pass the predicate (upstream's paging semantics with selectors)."""
        end = prefix_end(prefix.encode())
        key = (start_key or prefix).encode()
        items: list[Obj] = []
        while True:
            want = (limit - len(items) + 1) if limit else 0
            req = rpc.RangeRequest(key=key, range_end=end, revision=revision, limit=want)
            try:
                resp = await self._call("Range", req)
            except RevisionCompacted as e:
                raise RevisionCompacted(revision, revision) from e
            revision = revision or resp.header.revision
            for kv in resp.kvs:
                if limit and len(items) == limit:
                    return ListResult(items, revision, kv.key.decode(), None)
                obj = readable(kv.value, kv.mod_revision, kv.key.decode(), self.transformer)
                if obj is not None and (predicate is None or predicate(obj)):
                    items.append(obj)
            if not resp.more:
                return ListResult(items, revision)
            key = resp.kvs[-1].key + b"\0"

    # --- writes -------------------------------------------------------------------------------

    def _claim_ops(self, ops: TxnOps | None) -> tuple[list, list]:
        compare, success = [], []
        if ops:
            for claim in ops.claims:
                k = claim.encode()
                compare.append(rpc.Compare(key=k, result=rpc.Compare.EQUAL,
                                           target=rpc.Compare.CREATE, create_revision=0))
                success.append(rpc.RequestOp(request_put=rpc.PutRequest(key=k, value=ops.claim_value)))
            for release in ops.releases:
                success.append(rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(
                    key=release.encode())))
        return compare, success

    async def _explain_claim_failure(self, ops: TxnOps | None) -> None:
        for claim in (ops.claims if ops else ()):
            resp = await self._call("Range", rpc.RangeRequest(key=claim.encode()))
            if resp.kvs:
                raise ClaimTaken(claim)

    async def create(self, key: str, obj: Obj, ops: TxnOps | None = None) -> Obj:
        k = key.encode()
        value = encode(obj, key, self.transformer)
        compare, success = self._claim_ops(ops)
        compare.insert(0, rpc.Compare(key=k, result=rpc.Compare.EQUAL, target=rpc.Compare.CREATE,
                                      create_revision=0))
        success.insert(0, rpc.RequestOp(request_put=rpc.PutRequest(key=k, value=value)))
        resp = await self._txn(compare, success)
        if not resp.succeeded:
            existing = await self._call("Range", rpc.RangeRequest(key=k))
            if existing.kvs:
                raise KeyExists(key)
            await self._explain_claim_failure(ops)
            raise KeyExists(key)
        return decode(value, resp.header.revision, key, self.transformer)

    async def update(self, key: str, obj: Obj, expected_revision: int,
                     ops: TxnOps | None = None) -> Obj:
        """Compare-and-swap on the object's mod_revision."""
        k = key.encode()
        value = encode(obj, key, self.transformer)
        compare, success = self._claim_ops(ops)
        compare.insert(0, rpc.Compare(key=k, result=rpc.Compare.EQUAL, target=rpc.Compare.MOD,
                                      mod_revision=expected_revision))
        success.insert(0, rpc.RequestOp(request_put=rpc.PutRequest(key=k, value=value)))
        resp = await self._txn(compare, success)
        if not resp.succeeded:
            await self._explain_claim_failure(ops)
            raise RevisionConflict(key)
        return decode(value, resp.header.revision, key, self.transformer)

    async def delete(self, key: str, expected_revision: int, ops: TxnOps | None = None) -> Obj:
        """Delete if unchanged; returns the last state with the deletion's revision."""
        k = key.encode()
        compare, success = self._claim_ops(ops)
        compare.insert(0, rpc.Compare(key=k, result=rpc.Compare.EQUAL, target=rpc.Compare.MOD,
                                      mod_revision=expected_revision))
        success.insert(0, rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(
            key=k, prev_kv=True)))
        resp = await self._txn(compare, success)
        if not resp.succeeded:
            raise RevisionConflict(key)
        prev = resp.responses[0].response_delete_range.prev_kvs
        if not prev:
            raise KeyNotFound(key)
        return decode(prev[0].value, resp.header.revision, key, self.transformer)

    async def guaranteed_update(self, key: str, mutate: Callable[[Obj], Awaitable[Obj | None]],
                                attempts: int = 16) -> tuple[Obj, Obj]:
        """Read, mutate, compare-and-swap; retried on conflict. `mutate` returns the new object,
        or None for no change. Returns (old, new); new is old when nothing changed."""
        for _ in range(attempts):
            current = await self.get(key)
            rev = int(current["metadata"]["resourceVersion"])
            new = await mutate(json.loads(json.dumps(current)))
            if new is None:
                return current, current
            try:
                return current, await self.update(key, new, rev)
            except RevisionConflict:
                await asyncio.sleep(0)
        raise RevisionConflict(key)

    # --- maintenance --------------------------------------------------------------------------

    async def compact(self, revision: int, physical: bool = False) -> None:
        """Drop history before `revision`; `physical` waits until the space is freed."""
        await self._call("Compact", rpc.CompactionRequest(revision=revision, physical=physical),
                         idempotent=False)

    async def txn(self, request: rpc.TxnRequest) -> rpc.TxnResponse:
        """A raw transaction, for maintenance records kept outside the object keys."""
        return await self._call("Txn", request, idempotent=False)
