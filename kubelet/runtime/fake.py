"""A runtime with no containers at all: the "hollow" node of kubemark and kwok.

Sandboxes and containers live in a dict; a started container is Running until stopped. It
behaves like the Docker runtime where the kubelet can see it (labels, ids, restart attempts,
exit codes, previous instances), so a hundred hollow nodes on one machine exercise the real
scheduler and controllers.

Pod annotations steer a fake container's life, for tests of Jobs and restarts (as kwok's stages):
  fake.tinykube.io/exit-code: "1"      the containers exit with this code ...
  fake.tinykube.io/run-seconds: "2"    ... after running this long (default 0 with exit-code)
Exec runs nothing: exit code 0 with empty output, except the command `false` (exit code 1).
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
from dataclasses import replace
from datetime import datetime, timezone
from typing import AsyncIterator

from kubelet.runtime import base
from kubelet.runtime.base import (CREATED, EXITED, RUNNING, SANDBOX, SANDBOX_NAME,
                                  ContainerConfig, ContainerInfo, ContainerNotFound, ExecHandle,
                                  ImageNotFound, RuntimeVersion, SandboxConfig)

EXIT_CODE_ANNOTATION = "fake.tinykube.io/exit-code"
RUN_SECONDS_ANNOTATION = "fake.tinykube.io/run-seconds"
FAKE_VERSION = "0.1.0"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class FakeRuntime:
    """In-memory runtime. `missing_images` are "not in the local store" (ErrImagePull tests)."""

    def __init__(self, missing_images: set[str] | None = None):
        self.containers: dict[str, ContainerInfo] = {}
        self.missing_images = set(missing_images or ())
        self._exits: dict[str, tuple[int, float]] = {}     # id -> (code, run seconds)
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._ids = itertools.count(1)
        self.calls: list[tuple[str, str]] = []              # (verb, id) for tests

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    async def version(self) -> RuntimeVersion:
        return RuntimeVersion("fake", FAKE_VERSION)

    def _new_id(self) -> str:
        return hashlib.sha256(f"fake-{next(self._ids)}-{id(self)}".encode()).hexdigest()

    # --- pods and containers ---------------------------------------------------------------------

    async def list_pod_containers(self, node: str,
                                  pod_uid: str | None = None) -> list[ContainerInfo]:
        return [replace(c) for c in self.containers.values()
                if c.node == node and (pod_uid is None or c.pod_uid == pod_uid)]

    async def create_sandbox(self, config: SandboxConfig) -> ContainerInfo:
        await self._require_image("fake-pause")
        info = ContainerInfo(
            id=self._new_id(), node=config.node, pod_uid=config.pod_uid,
            pod_namespace=config.pod_namespace, pod_name=config.pod_name, name=SANDBOX_NAME,
            kind=SANDBOX, state=RUNNING, image="fake-pause", image_id=_image_id("fake-pause"),
            created_at=_now(), started_at=_now(), ip=config.ip, labels=dict(config.labels))
        self.containers[info.id] = info
        self.calls.append(("create_sandbox", info.id))
        return replace(info)

    async def create_container(self, sandbox: ContainerInfo, config: ContainerConfig) -> str:
        image_id = await self._require_image(config.image)
        info = ContainerInfo(
            id=self._new_id(), node=sandbox.node, pod_uid=sandbox.pod_uid,
            pod_namespace=sandbox.pod_namespace, pod_name=sandbox.pod_name, name=config.name,
            kind=config.kind, state=CREATED, image=config.image, image_id=image_id,
            restart_count=config.restart_count, spec_hash=config.spec_hash, created_at=_now(),
            labels=dict(config.labels))
        self.containers[info.id] = info
        self._exits[info.id] = _scripted_exit(config.annotations)
        self.calls.append(("create", info.id))
        return info.id

    async def start_container(self, container_id: str) -> None:
        info = self._get(container_id)
        info.state, info.started_at = RUNNING, _now()
        self.calls.append(("start", container_id))
        code, after_s = self._exits.get(container_id, (-1, 0.0))
        if code >= 0:
            loop = asyncio.get_running_loop()
            self._timers[container_id] = loop.call_later(after_s, self._exit, container_id, code)

    def _exit(self, container_id: str, code: int) -> None:
        info = self.containers.get(container_id)
        self._timers.pop(container_id, None)
        if info is None or info.state != RUNNING:
            return
        info.state, info.finished_at, info.exit_code = EXITED, _now(), code
        info.reason = "Completed" if code == 0 else "Error"

    async def stop_container(self, container_id: str, timeout_s: float) -> None:
        self.calls.append(("stop", container_id))
        info = self.containers.get(container_id)
        if info is None:
            return
        if timer := self._timers.pop(container_id, None):
            timer.cancel()
        if info.state == RUNNING:
            self._exit(container_id, 143)        # 128 + SIGTERM, as a shell would report
        elif info.state == CREATED:
            info.state, info.exit_code, info.reason = EXITED, 0, "Completed"

    async def remove_container(self, container_id: str) -> None:
        self.calls.append(("remove", container_id))
        if timer := self._timers.pop(container_id, None):
            timer.cancel()
        self.containers.pop(container_id, None)
        self._exits.pop(container_id, None)

    async def inspect_container(self, container_id: str) -> ContainerInfo:
        return replace(self._get(container_id))

    def _get(self, container_id: str) -> ContainerInfo:
        try:
            return self.containers[container_id]
        except KeyError:
            raise ContainerNotFound(f"no such container: {container_id}") from None

    # --- images ----------------------------------------------------------------------------------

    async def image_id(self, image: str) -> str | None:
        return None if image in self.missing_images else _image_id(image)

    async def pull_image(self, image: str) -> str:
        if image in self.missing_images:
            raise ImageNotFound(f"pull access denied for {image}, repository does not exist")
        return _image_id(image)

    async def _require_image(self, image: str) -> str:
        image_id = await self.image_id(image)
        if image_id is None:
            raise ImageNotFound(f"No such image: {image}")
        return image_id

    # --- networking ------------------------------------------------------------------------------

    def _sandbox(self, pod_uid: str) -> ContainerInfo | None:
        for c in self.containers.values():
            if c.pod_uid == pod_uid and c.kind == SANDBOX and c.state == RUNNING:
                return c
        return None

    async def container_ip(self, pod_uid: str) -> str | None:
        sandbox = self._sandbox(pod_uid)
        return sandbox.ip if sandbox else None

    async def pause_container_id(self, pod_uid: str) -> str | None:
        sandbox = self._sandbox(pod_uid)
        return sandbox.id if sandbox else None

    # --- streams ---------------------------------------------------------------------------------

    async def container_logs(self, container_id: str, *, follow: bool = False,
                             tail: int | None = None, timestamps: bool = False,
                             since_s: float | None = None,
                             previous: bool = False) -> AsyncIterator[bytes]:
        info = self._get(container_id)
        if previous:
            older = base.find_container(list(self.containers.values()), info.pod_uid,
                                        info.name, previous=True)
            if older is None:
                raise ContainerNotFound(f"previous terminated container {info.name!r} not found")
        if tail == 0:
            return
        line = f"fake container {info.name} of {info.pod_namespace}/{info.pod_name}\n"
        stamp = info.started_at.strftime("%Y-%m-%dT%H:%M:%S.%f000Z ") if timestamps and \
            info.started_at else ""
        yield (stamp + line).encode()

    async def exec_create(self, container_id: str, cmd: list[str], *, tty: bool = False,
                          stdin: bool = False) -> ExecHandle:
        self._get(container_id)
        return ExecHandle(self._new_id()[:16], container_id, list(cmd), tty, stdin)

    async def exec_start(self, handle: ExecHandle) -> "FakeSession":
        return FakeSession(_fake_exit_code(handle.cmd))

    async def exec_run(self, container_id: str, cmd: list[str],
                       timeout_s: float) -> tuple[int, bytes]:
        info = self._get(container_id)
        if info.state != RUNNING:
            raise base.RuntimeFailure(f"container {container_id[:12]} is not running")
        return _fake_exit_code(cmd), b""

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> "FakeSession":
        self._get(container_id)
        return FakeSession(0)


class FakeSession:
    """A stream with no output that ends at once (or when stdin is closed, for attach)."""

    def __init__(self, code: int):
        self._code = code

    async def read(self) -> tuple[int, bytes] | None:
        return None

    async def write(self, data: bytes) -> None:
        return None

    async def close_stdin(self) -> None:
        return None

    async def resize(self, width: int, height: int) -> None:
        return None

    async def exit_code(self) -> int | None:
        return self._code

    async def close(self) -> None:
        return None


def _image_id(image: str) -> str:
    return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


def _fake_exit_code(cmd: list[str]) -> int:
    return 1 if cmd and cmd[0] in ("false", "/bin/false") else 0


def _scripted_exit(annotations: dict[str, str]) -> tuple[int, float]:
    """(exit code, after seconds) from the pod's annotations; (-1, 0) = run until stopped."""
    try:
        code = int(annotations.get(EXIT_CODE_ANNOTATION, "-1"))
        after = float(annotations.get(RUN_SECONDS_ANNOTATION, "0"))
    except ValueError:
        return -1, 0.0
    return code, after

