"""Scheduled etcd maintenance, so the store does not grow without bound: compaction of old
history, then defragmentation of the members' database files when they are mostly free space.

Compaction follows upstream's storage/etcd3/compact.go. Every interval, the history older than
the revision seen one interval before is dropped, so a watch can always resume from at least one
interval back (older resourceVersions get 410 Gone, and clients relist). Several api-servers share
one etcd: they agree through the key `compact_rev_key`, whose version is a logical clock. At each
tick, the api-server that moves it forward from the version it last saw compacts; the others see
the new version and wait for the next tick, so history is compacted once per interval whatever the
number of api-servers.

Defragmentation: a compaction frees pages inside etcd's bbolt file but never shrinks the file;
Defragment rewrites it. It blocks the member while it runs, so only the api-server that compacted
does it, one member at a time, and only for a member whose file is mostly free space (dbSize
against dbSizeInUse from the Status RPC).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aetcd import rpc

from apiserver.storage.errors import RevisionCompacted
from apiserver.storage.etcd import EtcdStore
from apiserver.storage.etcd_tls import EtcdTLS

log = logging.getLogger(__name__)

COMPACT_REV_KEY = b"compact_rev_key"      # upstream's name, outside the /registry prefix
DEFRAG_TIMEOUT_S = 120.0                  # rewriting a large file takes a while


@dataclass(frozen=True)
class DefragPolicy:
    """Defragment a member when at least `min_free_bytes` and `min_free_ratio` of its file is
    free: small files are not worth blocking the member for."""
    min_free_bytes: int = 32 * 1024 * 1024
    min_free_ratio: float = 0.5

    def wants(self, db_size: int, in_use: int) -> bool:
        free = db_size - in_use
        return db_size > 0 and free >= self.min_free_bytes and free / db_size >= self.min_free_ratio


@dataclass(frozen=True)
class MemberStatus:
    endpoint: str
    db_size: int           # bytes of the file on disk
    db_size_in_use: int    # bytes of it that hold data


class Maintenance:
    def __init__(self, store: EtcdStore, interval_s: float,
                 policy: DefragPolicy = DefragPolicy()):
        self.store = store
        self.interval_s = interval_s
        self.policy = policy
        self.version = 0       # the version of compact_rev_key last seen (the logical clock)
        self.revision = 0      # the revision seen at the previous tick: the next compaction point

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                if await self.compact():
                    await self.defragment()
            except asyncio.CancelledError:
                raise
            except Exception as e:   # etcd down: try again at the next tick
                log.warning("etcd maintenance failed", extra={"error": repr(e)})

    # --- compaction ---------------------------------------------------------------------------

    async def compact(self) -> bool:
        """One tick: claim this interval; if ours, compact to the previous tick's revision.
        Returns whether this api-server did the interval's compaction."""
        won, self.version, current = await self._claim()
        target, self.revision = self.revision, current
        if not won or target == 0:        # nothing seen one interval ago: first tick
            return False
        try:
            await self.store.compact(target, physical=True)
        except RevisionCompacted:         # someone (etcdctl, a restore) compacted further
            log.info("etcd already compacted past", extra={"revision": target})
            return True
        log.info("compacted etcd", extra={"revision": target})
        return True

    async def _claim(self) -> tuple[bool, int, int]:
        """Move compact_rev_key's version forward from the one we saw, or learn the current one.
        Returns (won, the version now, etcd's revision now)."""
        req = rpc.TxnRequest(
            compare=[rpc.Compare(key=COMPACT_REV_KEY, result=rpc.Compare.EQUAL,
                                 target=rpc.Compare.VERSION, version=self.version)],
            success=[rpc.RequestOp(request_put=rpc.PutRequest(
                key=COMPACT_REV_KEY, value=str(self.revision).encode()))],
            failure=[rpc.RequestOp(request_range=rpc.RangeRequest(key=COMPACT_REV_KEY))])
        resp = await self.store.txn(req)
        if resp.succeeded:
            return True, self.version + 1, resp.header.revision
        kvs = resp.responses[0].response_range.kvs
        return False, (kvs[0].version if kvs else 0), resp.header.revision

    # --- defragmentation ----------------------------------------------------------------------

    async def defragment(self) -> list[str]:
        """Defragment, one at a time, the members the policy picks; returns their endpoints."""
        done = []
        for status in await self.member_statuses():
            if not self.policy.wants(status.db_size, status.db_size_in_use):
                continue
            await self._on_member(status.endpoint, "Defragment", rpc.DefragmentRequest(),
                                  DEFRAG_TIMEOUT_S)
            done.append(status.endpoint)
            log.info("defragmented etcd member", extra={
                "endpoint": status.endpoint, "dbSize": status.db_size,
                "dbSizeInUse": status.db_size_in_use})
        return done

    async def member_statuses(self) -> list[MemberStatus]:
        """Every reachable member's database size (a member that is down is skipped)."""
        statuses = []
        for host, port in self.store.endpoints:
            endpoint = f"{host}:{port}"
            try:
                resp = await self._on_member(endpoint, "Status", rpc.StatusRequest(), 5.0)
            except rpc.AioRpcError as e:
                log.info("etcd member status unavailable", extra={
                    "endpoint": endpoint, "error": e.code().name})
                continue
            statuses.append(MemberStatus(endpoint, resp.dbSize, resp.dbSizeInUse))
        return statuses

    async def _on_member(self, endpoint: str, method: str, request, timeout: float):
        """A Maintenance RPC on one given member (these act on the member, not the cluster)."""
        host, port = endpoint.rsplit(":", 1)
        client = self.store.member_client(host, int(port), timeout)
        await client.connect()
        try:
            return await getattr(client.maintenancestub, method)(request, timeout=timeout)
        finally:
            await client.close()


# --- after a restore ----------------------------------------------------------------------------

BUMP_KEY = b"tinykube/restore-bump"


async def bump_revision(store: EtcdStore, to_revision: int, concurrency: int = 256) -> int:
    """Raise etcd's revision to at least `to_revision`, then compact there. A cluster restored
    from a snapshot is back at the snapshot's revision, lower than what clients saw since; with
    every revision they saw in the compacted past, their watches get 410 Gone and they relist
    instead of waiting for a revision that now names different data. (etcd 3.5's `etcdutl
    snapshot restore --bump-revision --mark-compacted`; etcd 3.4 has only writes to do it with,
    about 5,000 per second.) Returns the revision reached."""
    missing = to_revision - await store.revision()
    gate = asyncio.Semaphore(concurrency)
    put = rpc.TxnRequest(success=[rpc.RequestOp(request_put=rpc.PutRequest(key=BUMP_KEY))])

    async def one() -> None:
        async with gate:
            await store.txn(put)

    await asyncio.gather(*(one() for _ in range(max(missing, 0))))
    revision = await store.revision()
    try:
        await store.compact(revision, physical=True)
    except RevisionCompacted:
        pass
    return revision


def main(argv: list[str] | None = None) -> None:
    """`python -m apiserver.storage.maintenance bump-revision --etcd-servers URLS --to REV`
    (with the api-server's --etcd-cafile/--etcd-certfile/--etcd-keyfile for TLS), run by
    deploy/restore.sh. Prints the revision reached."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m apiserver.storage.maintenance")
    sub = parser.add_subparsers(dest="command", required=True)
    bump = sub.add_parser("bump-revision", help="raise the revision and compact there")
    bump.add_argument("--etcd-servers", required=True)
    for flag in ("--etcd-cafile", "--etcd-certfile", "--etcd-keyfile"):
        bump.add_argument(flag, default="")
    bump.add_argument("--to", type=int, required=True)
    args = parser.parse_args(argv)
    tls = EtcdTLS(args.etcd_cafile, args.etcd_certfile, args.etcd_keyfile) \
        if args.etcd_cafile else None

    async def run() -> int:
        store = EtcdStore(args.etcd_servers, timeout_s=30.0, tls=tls)
        await store.connect()
        try:
            return await bump_revision(store, args.to)
        finally:
            await store.close()

    print(asyncio.run(run()))


if __name__ == "__main__":
    main()
