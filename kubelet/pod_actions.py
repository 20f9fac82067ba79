"""What to do to a pod now (pure): upstream's computePodActions, for a pod that should run.

Given the pod, its containers as the runtime lists them, the restart back-off and the containers
whose liveness (or startup) probe failed, decide: create the sandbox, kill containers, start
containers (which attempt), which containers wait and why, when to look again, and whether the
pod is finished for good (restartPolicy Never/OnFailure). The pod worker carries the plan out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from kubelet.backoff import Backoff
from kubelet.container_spec import spec_hash
from kubelet.pod_status import latest, running_sandbox
from kubelet.runtime.base import APP, CREATED, EXITED, INIT, RUNNING, SANDBOX, ContainerInfo

Obj = dict[str, Any]


@dataclass
class Start:
    spec: Obj
    kind: str                      # INIT | APP
    restart_count: int
    replaces: ContainerInfo | None = None   # a created-but-never-started leftover to remove


@dataclass
class Kill:
    container: ContainerInfo
    reason: str                    # for the Killing event
    message: str


@dataclass
class PodActions:
    create_sandbox: bool = False
    kill_all: bool = False         # the sandbox died: stop what is left before a new one
    kills: list[Kill] = field(default_factory=list)
    starts: list[Start] = field(default_factory=list)
    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)
    requeue_after_s: float | None = None
    terminal_phase: str | None = None


def backoff_key(pod: Obj, container: Obj) -> str:
    return f"{pod['metadata']['uid']}/{container['name']}/{spec_hash(container)}"


def _finished_epoch(c: ContainerInfo) -> float:
    when = c.finished_at or c.started_at or c.created_at or datetime.now(timezone.utc)
    return when.timestamp()


def _should_restart(policy: str, c: ContainerInfo) -> bool:
    return policy == "Always" or (policy == "OnFailure" and c.exit_code != 0)


class _Planner:
    def __init__(self, pod: Obj, containers: list[ContainerInfo], backoff: Backoff,
                 unhealthy: dict[str, str]):
        self.pod, self.containers, self.backoff = pod, containers, backoff
        self.unhealthy = unhealthy            # container name -> why (probe failure message)
        self.history = containers             # every instance, even of a dead sandbox
        self.policy = pod["spec"].get("restartPolicy", "Always")
        self.actions = PodActions()

    def _attempt(self, spec: Obj) -> int:
        """The attempt number of a container with no instance in the current sandbox."""
        before, _ = latest(self.history, spec["name"])
        return 0 if before is None else before.restart_count + 1

    def _requeue(self, delay_s: float) -> None:
        current = self.actions.requeue_after_s
        self.actions.requeue_after_s = delay_s if current is None else min(current, delay_s)

    def _restart_or_wait(self, spec: Obj, kind: str, c: ContainerInfo) -> None:
        """An exited container that should run again: restart now, or wait out the back-off."""
        key = backoff_key(self.pod, spec)
        wait_s = self.backoff.in_backoff_since(key, _finished_epoch(c))
        if wait_s > 0:
            delay = int(self.backoff.delay_s(key))
            meta = self.pod["metadata"]
            self.actions.waiting[spec["name"]] = (
                "CrashLoopBackOff",
                f"back-off {_duration(delay)} restarting failed container={spec['name']} "
                f"pod={meta['name']}_{meta.get('namespace')}({meta['uid']})")
            self._requeue(wait_s)
            return
        self.actions.starts.append(Start(spec, kind, c.restart_count + 1))

    def plan_init(self) -> bool:
        """Init containers, in order; True once all completed successfully."""
        for spec in self.pod["spec"].get("initContainers") or []:
            current, _ = latest(self.containers, spec["name"])
            if current is None:
                self.actions.starts.append(Start(spec, INIT, self._attempt(spec)))
                return False
            if current.state == CREATED:
                self.actions.starts.append(Start(spec, INIT, current.restart_count, current))
                return False
            if current.state == RUNNING:
                return False
            if current.exit_code == 0:
                continue
            if self.policy == "Never":
                self.actions.terminal_phase = "Failed"
            else:
                self._restart_or_wait(spec, INIT, current)
            return False
        return True

    def plan_app(self) -> None:
        finished, succeeded = 0, 0
        specs = self.pod["spec"].get("containers") or []
        for spec in specs:
            current, _ = latest(self.containers, spec["name"])
            if current is None:
                self.actions.starts.append(Start(spec, APP, self._attempt(spec)))
            elif current.state == CREATED:
                self.actions.starts.append(Start(spec, APP, current.restart_count, current))
            elif current.state == RUNNING:
                self._check_running(spec, current)
            elif current.state == EXITED:
                if _should_restart(self.policy, current):
                    self._restart_or_wait(spec, APP, current)
                else:
                    finished += 1
                    succeeded += current.exit_code == 0
        if specs and finished == len(specs):
            self.actions.terminal_phase = "Succeeded" if succeeded == finished else "Failed"

    def _check_running(self, spec: Obj, current: ContainerInfo) -> None:
        name = spec["name"]
        if current.spec_hash and current.spec_hash != spec_hash(spec):
            self.actions.kills.append(Kill(current, "Killing", f"Container {name} definition "
                                           "changed, will be restarted"))
        elif name in self.unhealthy:
            self.actions.kills.append(Kill(current, "Killing", self.unhealthy[name]))


def compute_pod_actions(pod: Obj, containers: list[ContainerInfo], backoff: Backoff,
                        unhealthy: dict[str, str] | None = None) -> PodActions:
    planner = _Planner(pod, containers, backoff, unhealthy or {})
    actions = planner.actions
    if running_sandbox(containers) is None:
        ran_before = any(c.kind != SANDBOX for c in containers)
        if ran_before and planner.policy == "Never":
            # the pod's network is gone and nothing may restart: it is over
            apps = [latest(containers, c["name"])[0] for c in pod["spec"]["containers"]]
            ok = all(c is not None and c.state == EXITED and c.exit_code == 0 for c in apps)
            actions.kill_all = True
            actions.terminal_phase = "Succeeded" if ok else "Failed"
            return actions
        actions.create_sandbox = True
        actions.kill_all = ran_before
        # everything restarts in the new sandbox, attempt numbers continue
        containers = [c for c in containers if c.state == EXITED and c.kind == INIT]
        planner.containers = containers
    if planner.plan_init():
        planner.plan_app()
    return actions


def _duration(seconds: int) -> str:
    """Go's time.Duration format for whole seconds: 10s, 1m20s, 5m0s."""
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60}s"
