"""The workload of the fault-injection suite (tests/e2e/test_faults.py), and what it records.

- `Writer`: creates, updates (PUT with the resourceVersion it holds) and deletes ConfigMaps,
  recording every write the server applied (`Write`). A request whose outcome is unknown
  (connection cut, 5xx, timeout) is resolved by reading the object back: it must show the state
  before or the state attempted, anything else is a violation.
- `Watcher`: a hand-rolled informer over the raw watch stream (list, watch from there, resume from
  the last resourceVersion when a stream ends, relist on 410), recording each `Stretch` of
  events between relists; `check_stretch` compares a stretch with the writer's record.
- a Deployment scaled and rolled by `drive_deployment`, its live pods counted by `PodCounter`.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from machinery.api import resources
from machinery.api.errors import ApiError, Gone, NotFound
from machinery.client import ApiClient, TransportError

CONFIGMAPS = resources.lookup("", "v1", "configmaps")
PODS = resources.lookup("", "v1", "pods")
DEPLOYMENTS = resources.lookup("apps", "v1", "deployments")

SELECTOR = "fault-test=writer"
NAMES = [f"cm-{i}" for i in range(8)]
FEW = {"cm-0", "cm-1"}        # a watcher of these only lags behind: a restart answers it 410
MAX_REPLICAS, MAX_SURGE = 4, 1
IMAGE = "tinykube-pause:latest"

Obj = dict[str, Any]


def ambiguous(error: Exception) -> bool:
    """The request may or may not have been applied: only reading back can tell."""
    return isinstance(error, (TransportError, asyncio.TimeoutError)) or (
        isinstance(error, ApiError) and (error.code >= 500 or error.code == 429))


async def retrying(call, *, timeout: float = 120.0):
    """`call()` until it succeeds with anything but a transport error or a 5xx (while a
    component is down). NotFound and the like are answers, and are raised."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await call()
        except Exception as e:
            if not ambiguous(e) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


# --- the writer -------------------------------------------------------------------------------


@dataclass
class Write:
    """One write the server applied, acknowledged or found applied on reading back."""
    type: str                 # ADDED | MODIFIED | DELETED
    name: str
    data: Obj | None          # None for DELETED
    rv: int | None            # None for DELETED: its revision lies in (after_rv, before_rv)
    after_rv: int = 0         # DELETED: the object's last resourceVersion
    before_rv: int | None = None  # DELETED: the first resourceVersion known to come later


@dataclass
class Writer:
    client: ApiClient
    ns: str
    writes: list[Write] = field(default_factory=list)
    known: dict[str, Obj | None] = field(default_factory=dict)   # name -> object, None: absent
    ambiguous_seen: int = 0
    violations: list[str] = field(default_factory=list)
    seq: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        rng = random.Random(8)
        while not stop.is_set():
            await self.step(rng.choice(NAMES), rng)
            await asyncio.sleep(0.05)

    async def step(self, name: str, rng: random.Random) -> None:
        self.seq += 1
        current = self.known.get(name)
        data = {"seq": str(self.seq), "writer": "fault-test"}
        if current is None:
            attempt = self._create(name, data)
        elif rng.random() < 0.2:
            attempt = self._delete(name)
        else:
            attempt = self._update(current, data)
        try:
            await attempt
        except Exception as e:
            if not ambiguous(e):
                self.violations.append(f"{name}: unexpected answer {e!r}")
                await self._resolve(name, None)
                return
            self.ambiguous_seen += 1
            await self._resolve(name, data)

    async def _create(self, name: str, data: Obj) -> None:
        obj = await self.client.create(CONFIGMAPS, {
            "metadata": {"name": name, "namespace": self.ns, "labels": {
                "fault-test": "writer", "few": str(name in FEW).lower()}},
            "data": data})
        self._record("ADDED", obj)

    async def _update(self, current: Obj, data: Obj) -> None:
        obj = json.loads(json.dumps(current))
        obj["data"] = data
        self._record("MODIFIED", await self.client.update(CONFIGMAPS, obj))

    async def _delete(self, name: str) -> None:
        last = self.known[name]
        await self.client.delete(CONFIGMAPS, name, self.ns, preconditions={
            "resourceVersion": last["metadata"]["resourceVersion"]})
        self._record_delete(name, last)

    def _record(self, typ: str, obj: Obj) -> None:
        name, rv = obj["metadata"]["name"], int(obj["metadata"]["resourceVersion"])
        self.known[name] = obj
        self._close_deletes(rv)
        self.writes.append(Write(typ, name, dict(obj.get("data") or {}), rv))

    def _record_delete(self, name: str, last: Obj) -> None:
        self.known[name] = None
        self.writes.append(Write("DELETED", name, None, None,
                                 after_rv=int(last["metadata"]["resourceVersion"])))

    def _close_deletes(self, rv: int) -> None:
        """A deletion acknowledged before a write with revision rv happened before rv."""
        for w in reversed(self.writes):
            if w.type != "DELETED" or w.before_rv is not None:
                break
            w.before_rv = rv

    async def _resolve(self, name: str, attempted: Obj | None) -> None:
        """After an unknown outcome: the server must hold the state before or the one tried."""
        before = self.known.get(name)
        try:
            now = await retrying(lambda: self.client.get(CONFIGMAPS, name, self.ns))
        except NotFound:
            now = None
        if same_state(now, before):
            return
        if now is None and before is not None:                     # the delete landed
            self._record_delete(name, before)
        elif now is not None and attempted is not None and now.get("data") == attempted:
            self._record("ADDED" if before is None else "MODIFIED", now)
        else:
            self.violations.append(f"{name}: server has {brief(now)}, writer knew "
                                   f"{brief(before)} and tried {attempted}")
            self.known[name] = now


def same_state(a: Obj | None, b: Obj | None) -> bool:
    if a is None or b is None:
        return a is b
    return a["metadata"]["resourceVersion"] == b["metadata"]["resourceVersion"] and \
        a.get("data") == b.get("data")


def brief(obj: Obj | None) -> str:
    return "nothing" if obj is None else f"rv {obj['metadata']['resourceVersion']} {obj.get('data')}"


# --- the watchers -----------------------------------------------------------------------------


@dataclass
class Stretch:
    """Events received between a list and the next 410. `end_rv`: the last event's or
    bookmark's resourceVersion, up to which the stream vouched for having sent everything."""
    start_rv: int
    end_rv: int = 0
    events: list[tuple[str, str, int, Obj | None]] = field(default_factory=list)


@dataclass
class Watcher:
    """A hand-rolled informer over the raw watch stream, recording what it receives."""
    client: ApiClient
    ns: str
    few: bool = False         # FEW only, without bookmarks: a restart is likely to answer 410
    stretches: list[Stretch] = field(default_factory=list)
    cache: dict[str, tuple[int, Obj]] = field(default_factory=dict)
    rv: int = 0
    relists: int = 0
    resumes: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._list()
            try:
                await self._watch(stop)
            except Gone:
                self.relists += 1

    @property
    def selector(self) -> str:
        return SELECTOR + (",few=true" if self.few else "")

    def wants(self, name: str) -> bool:
        return not self.few or name in FEW

    async def _list(self) -> None:
        listed = await retrying(lambda: self.client.list(CONFIGMAPS, self.ns,
                                                         label_selector=self.selector))
        self.rv = int(listed["metadata"]["resourceVersion"])
        self.cache = {o["metadata"]["name"]: (int(o["metadata"]["resourceVersion"]),
                                              o.get("data") or {}) for o in listed["items"]}
        self.stretches.append(Stretch(self.rv, self.rv))

    async def _watch(self, stop: asyncio.Event) -> None:
        """Watch from self.rv, resuming after every stream end or broken connection."""
        while not stop.is_set():
            try:
                async for ev in self.client.watch(CONFIGMAPS, self.ns,
                                                  label_selector=self.selector,
                                                  resource_version=str(self.rv),
                                                  allow_bookmarks=not self.few,
                                                  timeout_s=random.randint(20, 40)):
                    self._receive(ev.type, ev.object)
                    if stop.is_set():
                        return
            except Gone:
                raise
            except Exception as e:
                if not ambiguous(e):
                    raise
                await asyncio.sleep(0.3)
            self.resumes += 1

    def _receive(self, typ: str, obj: Obj) -> None:
        rv = int(obj["metadata"]["resourceVersion"])
        self.rv = max(self.rv, rv) if typ == "BOOKMARK" else rv
        self.stretches[-1].end_rv = self.rv
        if typ == "BOOKMARK":
            return
        name = obj["metadata"]["name"]
        data = None if typ == "DELETED" else dict(obj.get("data") or {})
        self.stretches[-1].events.append((typ, name, rv, data))
        if typ == "DELETED":
            self.cache.pop(name, None)
        else:
            self.cache[name] = (rv, data)


def check_stretch(stretch: Stretch, writes: list[Write]) -> list[str]:
    """Within one stretch: strictly increasing revisions, and exactly the writer's writes."""
    problems = []
    rvs = [e[2] for e in stretch.events]
    for a, b in zip([stretch.start_rv] + rvs, rvs):
        if b <= a:
            problems.append(f"event rv {b} after {a}: duplicated or out of order")
    start, end = stretch.start_rv, stretch.end_rv
    seen = {(e[0], e[1], e[2]): e[3] for e in stretch.events if e[0] != "DELETED"}
    deleted = [(e[1], e[2]) for e in stretch.events if e[0] == "DELETED"]
    expected = {(w.type, w.name, w.rv): w.data for w in writes
                if w.rv is not None and start < w.rv <= end}
    for key, data in expected.items():
        if key not in seen:
            problems.append(f"missed {key}")
        elif seen[key] != data:
            problems.append(f"{key} carried {seen[key]}, the write was {data}")
    for key in seen.keys() - expected.keys():
        problems.append(f"unexpected event {key}")
    for w in writes:
        if w.type != "DELETED" or w.before_rv is None or not (start <= w.after_rv and
                                                               w.before_rv <= end):
            continue
        if not any(n == w.name and w.after_rv < rv < w.before_rv for n, rv in deleted):
            problems.append(f"missed the deletion of {w.name} (after rv {w.after_rv})")
    return problems


# --- the Deployment ---------------------------------------------------------------------------


def deployment(ns: str) -> Obj:
    labels = {"app": "roll"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "roll", "namespace": ns},
        "spec": {
            "replicas": 3, "selector": {"matchLabels": labels},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": MAX_SURGE, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": labels}, "spec": {
                "terminationGracePeriodSeconds": 2,
                "containers": [{"name": "pause", "image": IMAGE,
                                "imagePullPolicy": "IfNotPresent"}]}}}}


async def drive_deployment(client: ApiClient, ns: str, stop: asyncio.Event) -> None:
    """Alternately scale (2..4) and roll (a new template annotation) the Deployment."""
    rng, turn = random.Random(3), 0
    while not stop.is_set():
        turn += 1
        patch = ({"spec": {"replicas": rng.randint(2, MAX_REPLICAS)}} if turn % 2 else
                 {"spec": {"template": {"metadata": {"annotations": {"turn": str(turn)}}}}})
        try:
            await client.patch(DEPLOYMENTS, "roll", patch, "merge", ns)
        except Exception as e:
            if not ambiguous(e):
                raise
        try:
            await asyncio.wait_for(stop.wait(), 6)
        except asyncio.TimeoutError:
            pass


@dataclass
class PodCounter:
    """Watches the Deployment's pods and remembers the most that were ever live at once."""
    client: ApiClient
    ns: str
    live: dict[str, str] = field(default_factory=dict)       # pod uid -> owner ReplicaSet
    most: int = 0
    samples: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            listed = await retrying(lambda: self.client.list(PODS, self.ns,
                                                             label_selector="app=roll"))
            self.live = {}
            for pod in listed["items"]:
                self._count("ADDED", pod)
            try:
                await self._watch(int(listed["metadata"]["resourceVersion"]), stop)
            except Gone:
                continue

    async def _watch(self, rv: int, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async for ev in self.client.watch(PODS, self.ns, label_selector="app=roll",
                                                  resource_version=str(rv), timeout_s=30):
                    rv = int(ev.resource_version or rv)
                    if ev.type != "BOOKMARK":
                        self._count(ev.type, ev.object)
            except Gone:
                raise
            except Exception as e:
                if not ambiguous(e):
                    raise
                await asyncio.sleep(0.3)

    def _count(self, typ: str, pod: Obj) -> None:
        meta = pod["metadata"]
        active = typ != "DELETED" and not meta.get("deletionTimestamp") and \
            (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
        if active:
            owners = [o["name"] for o in meta.get("ownerReferences") or []]
            self.live[meta["uid"]] = owners[0] if owners else ""
        else:
            self.live.pop(meta["uid"], None)
        self.samples += 1
        self.most = max(self.most, len(self.live))


async def converged(client: ApiClient, ns: str) -> bool:
    d = await client.get(DEPLOYMENTS, "roll", ns)
    spec, status = d["spec"], d.get("status") or {}
    want = spec["replicas"]
    if status.get("observedGeneration") != d["metadata"]["generation"] or any(
            status.get(k) != want for k in ("replicas", "updatedReplicas", "readyReplicas",
                                             "availableReplicas")):
        return False
    pods = (await client.list(PODS, ns, label_selector="app=roll"))["items"]
    running = [p for p in pods if not p["metadata"].get("deletionTimestamp")
               and p["status"].get("phase") == "Running"]
    return len(pods) == len(running) == want
