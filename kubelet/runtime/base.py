"""The container runtime interface the kubelet drives (a small CRI): one pod = one sandbox.

Two implementations: `docker.DockerRuntime` (the Docker Engine API; the only code that talks to
Docker) and `fake.FakeRuntime` (a "hollow" node, as kubemark/kwok: containers exist only in
memory). Everything above this interface (pod workers, restart back-off, probes, status) is the
same for both, so a contract test can run the same checks on either.

The runtime is stateless towards the kubelet: every container carries labels (node, pod
namespace/name/uid, container name, kind, restart attempt) and `list_pod_containers(node)`
rebuilds the whole picture from them, so a restarted kubelet adopts what is already running.

Streams (logs, exec, attach) are runtime-neutral: `container_logs` yields raw bytes (stdout and
stderr interleaved, as `kubectl logs` prints them); `exec_start`/`attach` return a `StreamSession`
whose `read()` yields demultiplexed (channel, bytes) chunks. The 10250 server maps those onto
kubectl's channel.k8s.io protocol.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import AsyncIterator, Protocol, runtime_checkable

# --- container labels (the runtime's memory across kubelet restarts) ---------------------------
LABEL_NODE = "io.tinykube.node"
LABEL_POD_NAMESPACE = "io.tinykube.pod.namespace"
LABEL_POD_NAME = "io.tinykube.pod.name"
LABEL_POD_UID = "io.tinykube.pod.uid"
LABEL_CONTAINER_NAME = "io.tinykube.container.name"
LABEL_CONTAINER_KIND = "io.tinykube.container.kind"        # sandbox | init | app
LABEL_RESTART_COUNT = "io.tinykube.container.restart-count"
LABEL_SPEC_HASH = "io.tinykube.container.hash"              # of the container's spec
LABEL_GRACE_S = "io.tinykube.pod.termination-grace-period"

SANDBOX = "sandbox"
INIT = "init"
APP = "app"
SANDBOX_NAME = "POD"          # the container name of the sandbox, as upstream's dockershim

# container states (as CRI's ContainerState)
CREATED = "created"
RUNNING = "running"
EXITED = "exited"
UNKNOWN = "unknown"

# StreamSession channels (the numbering of channel.k8s.io)
STDIN, STDOUT, STDERR = 0, 1, 2


class RuntimeFailure(Exception):
    """A runtime call failed; `reason` is what pod status shows (e.g. CreateContainerError)."""

    def __init__(self, message: str, reason: str = "RuntimeError"):
        super().__init__(message)
        self.reason = reason
        self.message = message


class ImageNotFound(RuntimeFailure):
    """The image is not in the local store (and could not be pulled)."""

    def __init__(self, message: str):
        super().__init__(message, "ErrImagePull")


class ContainerNotFound(RuntimeFailure):
    def __init__(self, message: str):
        super().__init__(message, "ContainerNotFound")


@dataclass
class RuntimeVersion:
    name: str           # "docker" | "fake"
    version: str        # "20.10.24"

    def __str__(self) -> str:             # nodeInfo.containerRuntimeVersion
        return f"{self.name}://{self.version}"


@dataclass
class ContainerInfo:
    """One container (sandbox or not) of this node, as the runtime reports it right now."""
    id: str
    node: str
    pod_uid: str
    pod_namespace: str
    pod_name: str
    name: str                       # container name; SANDBOX_NAME for the sandbox
    kind: str                       # SANDBOX | INIT | APP
    state: str                      # CREATED | RUNNING | EXITED | UNKNOWN
    image: str = ""                 # as the spec named it
    image_id: str = ""              # "sha256:..." (containerStatuses imageID)
    restart_count: int = 0          # the attempt this container is (0 for the first)
    spec_hash: str = ""
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    reason: str = ""                # for EXITED: OOMKilled | Completed | Error
    message: str = ""
    ip: str = ""                    # the sandbox's pod IP (sandbox only)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def is_sandbox(self) -> bool:
        return self.kind == SANDBOX


@dataclass
class SandboxConfig:
    """What a pod sandbox needs: identity, the fixed pod IP, hostname, DNS."""
    node: str
    pod_uid: str
    pod_namespace: str
    pod_name: str
    ip: str                                  # chosen by the kubelet from the node's podCIDR
    hostname: str = ""
    labels: dict[str, str] = field(default_factory=dict)       # extra labels
    annotations: dict[str, str] = field(default_factory=dict)  # the pod's (fake runtime hints)
    termination_grace_s: int = 30
    dns_servers: list[str] = field(default_factory=list)
    dns_searches: list[str] = field(default_factory=list)
    extra_hosts: list[str] = field(default_factory=list)       # "name:ip"


@dataclass
class Mount:
    host_path: str
    container_path: str
    read_only: bool = False


@dataclass
class ContainerConfig:
    """A container of a pod, already resolved by the kubelet (env values, mounts on the host)."""
    name: str
    kind: str                                  # INIT | APP
    image: str
    command: list[str] = field(default_factory=list)     # entrypoint override (spec.command)
    args: list[str] = field(default_factory=list)        # spec.args
    env: dict[str, str] = field(default_factory=dict)
    working_dir: str = ""
    mounts: list[Mount] = field(default_factory=list)
    restart_count: int = 0
    spec_hash: str = ""
    tty: bool = False
    stdin: bool = False
    stdin_once: bool = False
    # resources
    nano_cpus: int = 0                          # limits.cpu in 1e-9 CPUs (0: unlimited)
    cpu_shares: int = 0                         # from requests.cpu (0: default)
    memory_bytes: int = 0                       # limits.memory (0: unlimited)
    # securityContext
    user: str = ""                              # "uid" or "uid:gid"
    group_add: list[str] = field(default_factory=list)
    privileged: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    read_only_rootfs: bool = False
    labels: dict[str, str] = field(default_factory=dict)       # extra labels
    annotations: dict[str, str] = field(default_factory=dict)  # the pod's (fake runtime hints)


class StreamSession(Protocol):
    """An exec or attach stream. `read()` -> (STDOUT|STDERR, data), None at end of stream."""

    async def read(self) -> tuple[int, bytes] | None: ...
    async def write(self, data: bytes) -> None: ...            # to the process's stdin
    async def close_stdin(self) -> None: ...
    async def resize(self, width: int, height: int) -> None: ...
    async def exit_code(self) -> int | None: ...               # after read() returned None
    async def close(self) -> None: ...


@dataclass
class ExecHandle:
    """An exec instance created but not started (Docker's two-step exec)."""
    id: str
    container_id: str
    cmd: list[str]
    tty: bool
    stdin: bool


@runtime_checkable
class Runtime(Protocol):
    """What the kubelet needs from a container runtime. All methods are coroutines."""

    async def start(self) -> None:
        """Prepare the runtime (Docker: check the engine, ensure the pods' network)."""

    async def close(self) -> None: ...

    async def version(self) -> RuntimeVersion: ...

    # --- pods and containers -----------------------------------------------------------------
    async def list_pod_containers(self, node: str,
                                  pod_uid: str | None = None) -> list[ContainerInfo]:
        """Every container (running or exited, sandboxes included) labelled with `node`
        (and with `pod_uid`, if given)."""

    async def create_sandbox(self, config: SandboxConfig) -> ContainerInfo:
        """Create and start the pod's sandbox (pause container) with `config.ip`."""

    async def create_container(self, sandbox: ContainerInfo, config: ContainerConfig) -> str:
        """Create (not start) a container joined to the sandbox's namespaces; its id."""

    async def start_container(self, container_id: str) -> None: ...

    async def stop_container(self, container_id: str, timeout_s: float) -> None:
        """SIGTERM, wait up to `timeout_s`, then SIGKILL. A stopped container is a no-op."""

    async def remove_container(self, container_id: str) -> None:
        """Remove a container (forcefully); a missing one is a no-op."""

    async def inspect_container(self, container_id: str) -> ContainerInfo: ...

    # --- images --------------------------------------------------------------------------------
    async def image_id(self, image: str) -> str | None:
        """The local image's id ("sha256:...") or None if it is not in the local store."""

    async def pull_image(self, image: str) -> str:
        """Pull `image`; its id. Raises ImageNotFound when it cannot be pulled."""

    # --- networking ------------------------------------------------------------------------------
    async def container_ip(self, pod_uid: str) -> str | None:
        """The pod IP of the pod's running sandbox (None if it has none)."""

    async def pause_container_id(self, pod_uid: str) -> str | None: ...

    # --- streams (used by the probes and by the 10250 server) ------------------------------------
    def container_logs(self, container_id: str, *, follow: bool = False, tail: int | None = None,
                       timestamps: bool = False, since_s: float | None = None,
                       previous: bool = False) -> AsyncIterator[bytes]:
        """The container's output. `previous`: the instance before this one (same pod and
        container name, restart count - 1); ContainerNotFound if there is none."""

    async def exec_create(self, container_id: str, cmd: list[str], *, tty: bool = False,
                          stdin: bool = False) -> ExecHandle: ...

    async def exec_start(self, handle: ExecHandle) -> StreamSession: ...

    async def exec_run(self, container_id: str, cmd: list[str],
                       timeout_s: float) -> tuple[int, bytes]:
        """Run to completion (exec probes, preStop hooks): (exit code, stdout+stderr).
        Raises TimeoutError after `timeout_s`."""

    async def attach(self, container_id: str, *, stdin: bool, tty: bool) -> StreamSession: ...


def find_container(infos: list[ContainerInfo], pod_uid: str, name: str,
                   previous: bool = False) -> ContainerInfo | None:
    """The current (newest) instance of a pod's container, or the one before it."""
    mine = sorted((c for c in infos if c.pod_uid == pod_uid and c.name == name
                   and not c.is_sandbox), key=lambda c: c.restart_count, reverse=True)
    index = 1 if previous else 0
    return mine[index] if len(mine) > index else None
