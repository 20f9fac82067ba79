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

from apiserver.storage.errors import (ClaimTaken, KeyExists, KeyNotFound, RevisionCompacted,
                                      RevisionConflict, StorageUnavailable)

log = logging.getLogger(__name__)

Obj = dict[str, Any]


def prefix_end(prefix: bytes) -> bytes:
    """The etcd range end that covers every key starting with prefix."""
    return prefix[:-1] + bytes([prefix[-1] + 1])


def encode(obj: Obj) -> bytes:
    meta = obj.get("metadata") or {}
    if "resourceVersion" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "resourceVersion"}}
    return json.dumps(obj, separators=(",", ":")).encode()


def decode(value: bytes, revision: int) -> Obj:
    obj = json.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


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


class EtcdStore:
    def __init__(self, endpoints: str, timeout_s: float = 10.0):
        url = urlparse(endpoints.split(",")[0] if "://" in endpoints else f"http://{endpoints}")
        self._client = aetcd.Client(host=url.hostname or "127.0.0.1", port=url.port or 2379,
                                    timeout=timeout_s)
        self.endpoint = f"{url.hostname}:{url.port or 2379}"

    async def connect(self) -> None:
        await self._client.connect()

    async def close(self) -> None:
        await self._client.close()

    @property
    def channel(self):
        return self._client.channel

    async def _call(self, stub_method, request):
        try:
            return await stub_method(request, timeout=self._client._timeout)
        except rpc.AioRpcError as e:
            if e.code() == rpc.StatusCode.OUT_OF_RANGE or "compacted" in (e.details() or ""):
                raise RevisionCompacted(0, 0) from e
            raise StorageUnavailable(f"etcd: {e.code().name}: {e.details()}") from e

    async def _txn(self, compare: list, success: list) -> Any:
        return await self._call(self._client.kvstub.Txn,
                                rpc.TxnRequest(compare=compare, success=success, failure=[]))

    # --- reads --------------------------------------------------------------------------------

    async def revision(self) -> int:
        resp = await self._call(self._client.kvstub.Range,
                                rpc.RangeRequest(key=b"\0", count_only=True))
        return resp.header.revision

    async def get(self, key: str) -> Obj:
        resp = await self._call(self._client.kvstub.Range, rpc.RangeRequest(key=key.encode()))
        if not resp.kvs:
            raise KeyNotFound(key)
        kv = resp.kvs[0]
        return decode(kv.value, kv.mod_revision)

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
                resp = await self._call(self._client.kvstub.Range, req)
            except RevisionCompacted as e:
                raise RevisionCompacted(revision, revision) from e
            revision = revision or resp.header.revision
            for kv in resp.kvs:
                if limit and len(items) == limit:
                    return ListResult(items, revision, kv.key.decode(), None)
                obj = decode(kv.value, kv.mod_revision)
                if predicate is None or predicate(obj):
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
            resp = await self._call(self._client.kvstub.Range, rpc.RangeRequest(key=claim.encode()))
            if resp.kvs:
                raise ClaimTaken(claim)

    async def create(self, key: str, obj: Obj, ops: TxnOps | None = None) -> Obj:
        k = key.encode()
        value = encode(obj)
        compare, success = self._claim_ops(ops)
        compare.insert(0, rpc.Compare(key=k, result=rpc.Compare.EQUAL, target=rpc.Compare.CREATE,
                                      create_revision=0))
        success.insert(0, rpc.RequestOp(request_put=rpc.PutRequest(key=k, value=value)))
        resp = await self._txn(compare, success)
        if not resp.succeeded:
            existing = await self._call(self._client.kvstub.Range, rpc.RangeRequest(key=k))
            if existing.kvs:
                raise KeyExists(key)
            await self._explain_claim_failure(ops)
            raise KeyExists(key)
        return decode(value, resp.header.revision)

    async def update(self, key: str, obj: Obj, expected_revision: int,
                     ops: TxnOps | None = None) -> Obj:
        """Compare-and-swap on the object's mod_revision."""
        k = key.encode()
        value = encode(obj)
        compare, success = self._claim_ops(ops)
        compare.insert(0, rpc.Compare(key=k, result=rpc.Compare.EQUAL, target=rpc.Compare.MOD,
                                      mod_revision=expected_revision))
        success.insert(0, rpc.RequestOp(request_put=rpc.PutRequest(key=k, value=value)))
        resp = await self._txn(compare, success)
        if not resp.succeeded:
            await self._explain_claim_failure(ops)
            raise RevisionConflict(key)
        return decode(value, resp.header.revision)

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
        return decode(prev[0].value, resp.header.revision)

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

    async def compact(self, revision: int) -> None:
        await self._call(self._client.kvstub.Compact,
                         rpc.CompactionRequest(revision=revision, physical=False))
