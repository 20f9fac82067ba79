"""The proxier: informers on Services and EndpointSlices drive rate-limited syncs of iptables.

As upstream's iptables proxier: every event marks its Service dirty and asks the
bounded-frequency runner for a sync (at most one per `--min-sync-period-s`). A sync renders the
rule set (re-rendering only dirty Services) and applies it with `iptables-restore --noflush`
(one input, or a few consistent ones when it is large: see RuleSet.restore_batches).
Three kinds of sync, as upstream's:
- partial (on changes): the top-level chains plus the chains of changed Services only;
- verifying (every `--sync-period-s`): iptables-save, then a partial sync that also rewrites
  any Service whose chains went missing, re-adds missing hooks, deletes stale chains, and
  re-routes the service CIDR: repairs a flushed table at the cost of one save;
- full (the first, after any failure, and every `--full-sync-period-s`, 1 h as upstream's
  FullSyncPeriod): every chain rewritten.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import time
from datetime import datetime
from typing import Any

from kube_proxy.chains import ChainNames
from kube_proxy.conntrack import stale_udp_flows
from kube_proxy.iptables import CommandError, Iptables, SavedTable
from kube_proxy.loadbalancer import LoadBalancerAllocator
from kube_proxy.metrics import ProxyMetrics
from kube_proxy.rules import render
from kube_proxy.ruleset import RuleSet, diff
from kube_proxy.runner import BoundedFrequencyRunner
from kube_proxy.server import HealthState, health_route
from machinery.status_server import StatusServer
from kube_proxy.servicemap import service_ports, slice_service_key
from kube_proxy.settings import ProxySettings
from machinery.api import resources
from machinery.client import ApiClient
from machinery.controller import Controller
from machinery.informer import Informer, object_key
from machinery.runtime import kv
from machinery.workqueue import WorkQueue

log = logging.getLogger("kube_proxy.proxier")

SERVICES = resources.lookup("", "v1", "services")
ENDPOINT_SLICES = resources.lookup("discovery.k8s.io", "v1", "endpointslices")
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
Obj = dict[str, Any]


async def apply_rules(iptables: Iptables, new: RuleSet, applied: RuleSet | None, *,
                      verify: bool = False, max_lines: int = 3000) -> int | None:
    """Write `new` with iptables-restore; the number of Services whose chains were written
    (None: all of them). Large inputs go in several restores (RuleSet.restore_batches).

    - `applied` None: a full sync, every chain rewritten.
    - `verify`: what a partial sync writes, plus the chains of any Service that lost one
      (someone flushed the table), the missing hooks, and the deletion of stale chains; the
      kernel's state comes from iptables-save.
    - otherwise a partial sync: what `diff(applied, new)` says, no iptables-save.
    """
    if applied is not None and not verify:
        plan = diff(applied, new)
        if not plan.changed and not plan.stale_chains:
            return 0              # nothing differs: every chain already holds these rules
        for text in new.restore_batches(plan.changed, plan.stale_chains, max_lines=max_lines):
            await iptables.restore(text)
        return len(plan.changed) if plan.changed is not None else None
    saved = await iptables.save_all()
    nat, flt = saved.get("nat", SavedTable()), saved.get("filter", SavedTable())
    stale = {c for c in nat.chains if iptables.names.is_service_chain(c)}
    stale -= new.service_chains()
    nat_hooks, filter_hooks = iptables.missing_hooks(nat, flt)
    if nat_hooks or filter_hooks:
        log.info("adding hooks", extra=kv(nat=len(nat_hooks), filter=len(filter_hooks)))
    changed = None
    if applied is not None:
        missing = {key for key, rules in new.services.items()
                   if any(c not in nat.chains for c in rules.chains)}
        plan = diff(applied, new)
        changed = None if plan.full else set(plan.changed) | missing
    for text in new.restore_batches(changed, stale, nat_hooks, filter_hooks, max_lines):
        await iptables.restore(text)
    return None if changed is None else len(changed)


class Proxier:
    name = "kube-proxy"

    def __init__(self, settings: ProxySettings, client: ApiClient,
                 iptables: Iptables | None = None):
        self.settings = settings
        self.render_settings = settings.render_settings()
        self.names = ChainNames(settings.chain_prefix)
        self.iptables = iptables or Iptables(self.names, settings.command_prefix_argv(),
                                          proc_sys_dir=settings.proc_sys_dir)
        self.services = Informer(client, SERVICES)
        self.slices = Informer(client, ENDPOINT_SLICES)
        self.metrics = ProxyMetrics()
        self.health = HealthState(timeout_s=2 * settings.sync_period_s + settings.min_sync_period_s)
        self.runner = BoundedFrequencyRunner("sync-proxy-rules", self.sync,
                                             settings.min_sync_period_s, settings.sync_period_s)
        self.applied: RuleSet | None = None       # what the kernel has, as far as we know
        self.last_sync_full = False
        self._dirty: set[str] = set()
        self._triggers: list[float] = []
        self._last_full = float("-inf")
        self._last_verify = float("-inf")
        self._sysctls_done = False
        self._route_pending = True               # until the bridge exists and is routed to
        self._conntrack: bool | None = None      # is the conntrack tool there? (checked once)
        self._stop = asyncio.Event()
        self.lb: Controller | None = None
        if settings.load_balancer_cidr:
            allocator = LoadBalancerAllocator(client, self.services, settings.load_balancer_cidr)
            self.lb = Controller("loadbalancer", WorkQueue("loadbalancer"), allocator.reconcile)
        self.servers = self._servers()
        self.services.add_handler(self._on_service, self._on_service_update, self._on_service)
        self.slices.add_handler(self._on_slice, self._on_slice_update, self._on_slice)

    def _servers(self) -> list[StatusServer]:
        s, servers = self.settings, []
        if s.healthz_port:
            route = health_route(self.health)
            servers.append(StatusServer("healthz", s.healthz_bind_address, s.healthz_port,
                                      {"/healthz": route, "/livez": route}))
        if s.metrics_port:
            servers.append(StatusServer("metrics", s.metrics_bind_address, s.metrics_port, {
                "/metrics": lambda: (200, "text/plain; version=0.0.4", self.metrics.text()),
                "/healthz": health_route(self.health)}))
        return servers

    # --- events ---------------------------------------------------------------------------

    def _on_service(self, svc: Obj) -> None:
        self._mark(object_key(svc))
        self.metrics.service_changes += 1
        if self.lb is not None:
            self.lb.enqueue(object_key(svc))

    def _on_service_update(self, old: Obj, new: Obj) -> None:
        if self.lb is not None:
            self.lb.enqueue(object_key(new))
        if service_ports(old) != service_ports(new):      # e.g. not for an annotation change
            self._mark(object_key(new))
            self.metrics.service_changes += 1

    def _on_slice(self, eps: Obj) -> None:
        if (key := slice_service_key(eps)) is not None:
            self._note_trigger(eps)
            self._mark(key)
            self.metrics.endpoint_changes += 1

    def _on_slice_update(self, old: Obj, new: Obj) -> None:
        if (old.get("endpoints"), old.get("ports")) != (new.get("endpoints"), new.get("ports")):
            self._on_slice(new)

    def _mark(self, key: str) -> None:
        self._dirty.add(key)
        self.runner.run()

    def _note_trigger(self, eps: Obj) -> None:
        stamp = ((eps.get("metadata") or {}).get("annotations") or {}).get(TRIGGER_TIME)
        try:
            self._triggers.append(datetime.fromisoformat(stamp).timestamp())
        except (TypeError, ValueError):
            pass

    # --- syncing --------------------------------------------------------------------------

    async def sync(self) -> bool:
        """One sync; False (retry soon, next time in full) if iptables refused the rules."""
        if not (self.services.has_synced and self.slices.has_synced):
            return True          # never program a partial view of the cluster
        start = time.monotonic()
        full = self.applied is None or \
            start - self._last_full >= self.settings.full_sync_period_s
        verify = full or start - self._last_verify >= self.settings.sync_period_s
        dirty, self._dirty = self._dirty, set()
        triggers, self._triggers = self._triggers, []
        try:
            if verify or self._route_pending:
                await self._prepare_host(verify)
            new = render(self.services.list(copy_=False), self.slices.list(copy_=False),
                         self.render_settings, previous=None if full else self.applied,
                         changed=None if full else dirty)
            changed = await apply_rules(self.iptables, new, None if full else self.applied,
                                        verify=verify)
        except CommandError as e:
            self.metrics.restore_failures += 1
            self.metrics.partial_restore_failures += 0 if full else 1
            log.error("sync failed, next sync is full", extra=kv(full=full, error=str(e)))
            self.applied = None
            return False
        await self._hairpin()
        await self._clear_udp_flows(self.applied, new)
        self.applied, self.last_sync_full = new, full
        if full:
            self._last_full = start
        if verify:
            self._last_verify = start
        self._record(new, full, verify, time.monotonic() - start, changed, triggers)
        return True

    def _record(self, new: RuleSet, full: bool, verify: bool, elapsed: float,
                changed: int | None, triggers: list[float]) -> None:
        self.metrics.observe_sync(elapsed, full)
        self.metrics.synced(new.rule_count(), new.endpoints)
        self.health.updated()
        now = time.time()
        for stamp in triggers:
            self.metrics.programming.observe(max(0.0, now - stamp))
        level = logging.INFO if full or changed else logging.DEBUG
        log.log(level, "synced proxy rules", extra=kv(
            full=full, verify=verify, services=len(new.services), endpoints=new.endpoints,
            changed="all" if changed is None else changed, elapsed_ms=round(elapsed * 1000, 1)))

    async def _clear_udp_flows(self, old: RuleSet | None, new: RuleSet) -> None:
        flows = stale_udp_flows(old, new)
        if not flows:
            return
        if self._conntrack is None:
            self._conntrack = shutil.which("conntrack") is not None
            if not self._conntrack:
                log.warning("no conntrack tool: stale UDP flows are left to time out")
        if self._conntrack:
            deleted = await self.iptables.delete_udp_flows(flows)
            log.info("cleared stale UDP flows", extra=kv(filters=len(flows), matched=deleted))

    async def _hairpin(self) -> None:
        """New pods mean new endpoints, hence a sync: the place to give their ports hairpin."""
        if self.settings.hairpin_mode != "hairpin-veth":
            return
        try:
            ports = await self.iptables.enable_hairpin(self.settings.pods_bridge)
        except CommandError as e:
            log.debug("cannot set hairpin mode", extra=kv(bridge=self.settings.pods_bridge,
                                                          error=e.stderr))
            return
        if ports:
            log.info("hairpin mode on", extra=kv(bridge=self.settings.pods_bridge,
                                                 ports=",".join(ports)))

    async def _prepare_host(self, full: bool) -> None:
        """Sysctls (once) and the routes (every full sync, and every sync until they are
        in place: the kubelets create the pods' bridge, maybe after we started)."""
        if not self._sysctls_done:
            wanted = [("net.bridge.bridge-nf-call-iptables", "1")]
            if self.settings.localhost_nodeports:
                wanted.insert(0, ("net.ipv4.conf.all.route_localnet", "1"))
            self._sysctls_done = True
            for name, value in wanted:
                try:
                    await self.iptables.set_sysctl(name, value)
                except CommandError as e:
                    log.warning("cannot set sysctl", extra=kv(sysctl=name, error=e.stderr))
        self._route_pending = False
        for cidr in self.settings.routed_cidrs():
            try:
                await self.iptables.ensure_route(cidr, self.settings.pods_bridge)
            except CommandError as e:
                self._route_pending = True
                log.log(logging.WARNING if full else logging.DEBUG,
                        "cannot route onto the pods' bridge yet",
                            extra=kv(cidr=cidr, bridge=self.settings.pods_bridge, error=e.stderr))

    # --- running --------------------------------------------------------------------------

    async def run(self) -> None:
        for server in self.servers:
            await server.start()
        async with asyncio.TaskGroup() as tg:
            for runnable in (self.services, self.slices, *self.servers):
                tg.create_task(runnable.run(), name=getattr(runnable, "name", "server"))
            starter = tg.create_task(self._run_when_synced(tg), name="proxier-start")
            await self._stop.wait()
            starter.cancel()
            await self._stop_children()

    async def _run_when_synced(self, tg: asyncio.TaskGroup) -> None:
        await self.services.wait_synced()
        await self.slices.wait_synced()
        log.info("informers synced", extra=kv(services=len(self.services.keys()),
                                              endpointslices=len(self.slices.keys())))
        tg.create_task(self.runner.loop(), name="sync-runner")
        if self.lb is not None:
            tg.create_task(self.lb.run(), name="loadbalancer")
            for key in self.services.keys():
                self.lb.enqueue(key)

    def stop(self) -> None:
        self._stop.set()

    async def _stop_children(self) -> None:
        # the rules stay in place, as upstream: traffic keeps flowing while we restart
        self.runner.stop()
        self.services.stop()
        self.slices.stop()
        for server in self.servers:
            server.stop()
        if self.lb is not None:
            await self.lb.stop(drain=False)
