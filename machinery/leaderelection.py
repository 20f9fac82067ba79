"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's `tools/leaderelection`.

Candidates race for one Lease (kube-system by default). The holder renews `renewTime` every
`retry_period_s`; the others watch the record and may take over only once they have seen it
unchanged for `lease_duration_s` (measured on their own monotonic clock, as upstream, so clock
skew between machines does not matter). Every write carries the resourceVersion read just
before, so two candidates can never both win: the loser gets 409 Conflict.

    elector = LeaderElector(client, "kube-scheduler", identity_for("kube-scheduler"))
    await elector.run(start_scheduling)    # returns only on stop(); raises LeaderElectionLost

`run()` blocks until this candidate leads, then runs the callback as a task and keeps renewing.
If no renewal succeeds for `renew_deadline_s`, the callback is cancelled and
`LeaderElectionLost` is raised: the component is crash-only and exits, as upstream's does. On a
graceful stop (`stop()` or cancellation of `run()`) the lease is released (holder emptied,
duration 1 s, as client-go's ReleaseOnCancel), so a standby takes over at its next retry.
"""
from __future__ import annotations

import asyncio
import logging
import math
import random
import socket
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from machinery.api import resources
from machinery.api.errors import AlreadyExists, ApiError, Conflict, NotFound
from machinery.client.api_client import ApiClient, TransportError
from machinery.runtime import kv

log = logging.getLogger("machinery.leaderelection")

LEASES = resources.lookup("coordination.k8s.io", "v1", "leases")
JITTER_FACTOR = 1.2          # client-go's JitterFactor for the acquire loop


class LeaderElectionLost(Exception):
    """The lease could not be renewed within the renew deadline; the process should exit."""


def identity_for(component: str | None = None) -> str:
    """`<hostname>_<uuid>`, client-go's default identity (unique even with equal hostnames)."""
    del component   # the lease name already says which component; kept for call-site clarity
    return f"{socket.gethostname()}_{uuid.uuid4()}"


def micro_time(epoch_s: float | None = None) -> str:
    """A MicroTime: `2026-01-01T00:00:00.000000Z`."""
    moment = datetime.fromtimestamp(time.time() if epoch_s is None else epoch_s, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(self, client: ApiClient, lease_name: str, identity: str, *,
                 namespace: str = "kube-system", lease_duration_s: float = 15,
                 renew_deadline_s: float = 10, retry_period_s: float = 2,
                 release_on_cancel: bool = True,
                 clock: Callable[[], float] = time.monotonic):
        if lease_duration_s <= renew_deadline_s:
            raise ValueError("lease_duration_s must be greater than renew_deadline_s")
        if renew_deadline_s <= JITTER_FACTOR * retry_period_s:
            raise ValueError("renew_deadline_s must be greater than retry_period_s * 1.2")
        self.client, self.lease_name, self.identity = client, lease_name, identity
        self.namespace = namespace
        self.lease_duration_s = lease_duration_s
        self.renew_deadline_s, self.retry_period_s = renew_deadline_s, retry_period_s
        self.release_on_cancel = release_on_cancel
        self.name = f"leader-election-{lease_name}"
        self._clock = clock
        self._observed: dict[str, Any] | None = None    # the last Lease we read or wrote
        self._observed_at = 0.0                          # when its record last changed (local)
        self._leading = False
        self._stop = asyncio.Event()

    # --- public ---------------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        return self._leading

    @property
    def leader(self) -> str:
        """The holder identity last observed ("" when none)."""
        return ((self._observed or {}).get("spec") or {}).get("holderIdentity") or ""

    def stop(self) -> None:
        """Stop campaigning or leading; `run()` then releases the lease and returns."""
        self._stop.set()

    async def run(self, on_started_leading: Callable[[], Awaitable[None]]) -> None:
        try:
            if not await self._acquire():
                return                     # stopped before winning
            log.info("became leader", extra=kv(lease=self._key(), identity=self.identity))
            await self._lead(on_started_leading)
        finally:
            if self._leading and self.release_on_cancel:
                await self._release()
            self._leading = False

    # --- the two loops --------------------------------------------------------------------------

    async def _acquire(self) -> bool:
        """Try every retry period (jittered) until we hold the lease; False if stopped first."""
        while not self._stop.is_set():
            if await self._try_acquire_or_renew():
                self._leading = True
                return True
            delay = self.retry_period_s * (1 + random.random() * JITTER_FACTOR)
            if await self._stopped_within(delay):
                break
        return False

    async def _lead(self, on_started_leading: Callable[[], Awaitable[None]]) -> None:
        work = asyncio.create_task(on_started_leading(), name=f"{self.name}-leading")
        renew = asyncio.create_task(self._renew_loop(), name=f"{self.name}-renew")
        stop = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait([work, renew, stop], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (work, renew, stop):
                task.cancel()
            await asyncio.gather(work, renew, stop, return_exceptions=True)
        if renew.done() and not renew.cancelled() and renew.exception():
            raise renew.exception()  # type: ignore[misc]
        if work.done() and not work.cancelled() and work.exception():
            raise work.exception()   # type: ignore[misc]

    async def _renew_loop(self) -> None:
        """Renew every retry period; give up when nothing succeeded for renew_deadline_s."""
        while True:
            deadline = self._clock() + self.renew_deadline_s
            while not await self._try_acquire_or_renew(deadline):
                if self._clock() + self.retry_period_s >= deadline:
                    self._leading = False
                    log.error("failed to renew lease, leadership lost",
                              extra=kv(lease=self._key(), identity=self.identity))
                    raise LeaderElectionLost(f"failed to renew lease {self._key()}")
                await asyncio.sleep(self.retry_period_s)
            await asyncio.sleep(self.retry_period_s)

    async def _stopped_within(self, delay_s: float) -> bool:
        try:
            await asyncio.wait_for(self._stop.wait(), delay_s)
            return True
        except asyncio.TimeoutError:
            return False

    # --- one attempt ----------------------------------------------------------------------------

    async def _try_acquire_or_renew(self, deadline: float | None = None) -> bool:
        timeout = self.renew_deadline_s if deadline is None else max(deadline - self._clock(), 0.01)
        try:
            return await asyncio.wait_for(self._attempt(), timeout)
        except (asyncio.TimeoutError, TransportError, ApiError) as e:
            if not isinstance(e, Conflict):
                log.warning("lease attempt failed",
                            extra=kv(lease=self._key(), error=str(e) or type(e).__name__))
            return False

    async def _attempt(self) -> bool:
        now = micro_time()
        try:
            lease = await self.client.get(LEASES, self.lease_name, self.namespace)
        except NotFound:
            return await self._create(now)
        self._observe(lease)
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        if holder and holder != self.identity and not self._expired(spec):
            self._leading = False
            return False
        return await self._write(lease, spec, holder, now)

    def _expired(self, spec: dict[str, Any]) -> bool:
        duration = spec.get("leaseDurationSeconds") or self.lease_duration_s
        return self._observed_at + duration <= self._clock()

    async def _create(self, now: str) -> bool:
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.lease_name, "namespace": self.namespace},
                "spec": self._spec(now, now, 0)}
        try:
            created = await self.client.create(LEASES, body, self.namespace)
        except AlreadyExists:
            return False
        self._observe(created)
        return True

    async def _write(self, lease: dict[str, Any], spec: dict[str, Any], holder: str,
                     now: str) -> bool:
        transitions = spec.get("leaseTransitions") or 0
        if holder == self.identity:
            acquired = spec.get("acquireTime") or now
        else:                       # a takeover (also of a released lease), as client-go counts
            acquired, transitions = now, transitions + 1
        updated = {**lease, "spec": {**spec, **self._spec(acquired, now, transitions)}}
        written = await self.client.update(LEASES, updated)    # stale RV -> Conflict
        self._observe(written)
        return True

    def _spec(self, acquired: str, renewed: str, transitions: int) -> dict[str, Any]:
        return {"holderIdentity": self.identity,
                "leaseDurationSeconds": int(math.ceil(self.lease_duration_s)),
                "acquireTime": acquired, "renewTime": renewed, "leaseTransitions": transitions}

    def _observe(self, lease: dict[str, Any]) -> None:
        if self._observed is None or self._observed.get("spec") != lease.get("spec"):
            self._observed_at = self._clock()
        self._observed = lease

    async def _release(self) -> None:
        """Give the lease up so a standby need not wait for it to expire."""
        lease = self._observed
        if not lease or (lease.get("spec") or {}).get("holderIdentity") != self.identity:
            return
        now = micro_time()
        spec = {**lease["spec"], "holderIdentity": "", "leaseDurationSeconds": 1,
                "acquireTime": now, "renewTime": now}
        try:
            await asyncio.wait_for(self.client.update(LEASES, {**lease, "spec": spec}),
                                   self.renew_deadline_s)
            log.info("released lease", extra=kv(lease=self._key(), identity=self.identity))
        except (asyncio.TimeoutError, TransportError, ApiError) as e:
            log.warning("failed to release lease", extra=kv(lease=self._key(), error=str(e)))

    def _key(self) -> str:
        return f"{self.namespace}/{self.lease_name}"
