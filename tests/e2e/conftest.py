"""The compose stack that end-to-end tests drive with the real kubectl.

One stack per session, started with testcontainers' DockerCompose from the
repository's docker-compose.yml under its own compose project
(`tinykube-e2e`, or $TINYKUBE_E2E_PROJECT), so its volumes are fresh and are
removed at the end. Two clusters cannot share port 6443 (nor, later, the pod
network and the nat table), so a cluster started by `make up` (project
`tinykube`) is taken down first; its volumes are kept and `make up` brings it
back as it was.

TINYKUBE_E2E_KEEP=1 leaves the test stack running afterwards, for debugging
(`docker compose -p tinykube-e2e logs`).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator

import pytest
from testcontainers.compose import DockerCompose

from tests.kubectl import Kubectl

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = "docker-compose.yml"
PROJECT = os.environ.get("TINYKUBE_E2E_PROJECT", "tinykube-e2e")
USER_PROJECT = "tinykube"  # the `name:` in docker-compose.yml, what `make up` runs
ADMIN_KUBECONFIG = "/var/lib/tinykube/pki/admin.kubeconfig"


LOCK_FILE = "/tmp/tinykube-e2e.lock"


def compose_command(project: str) -> list[str]:
    return ["docker", "compose", "--project-name", project, "--file", str(REPO / COMPOSE_FILE)]


class ProjectCompose(DockerCompose):
    """DockerCompose under the test project's name instead of the file's `name:`."""

    @cached_property
    def compose_command_property(self) -> list[str]:
        return compose_command(PROJECT)


@dataclass
class ComposeCluster:
    """A running test stack: kubectl pointed at it, and compose for its services."""

    project: str
    kubeconfig: Path
    _kubectl: Kubectl

    def kubectl(self, *args: str, input: str | None = None, check: bool = False,
                timeout: float = 60) -> subprocess.CompletedProcess:
        """/usr/bin/kubectl with the stack's admin kubeconfig and a private cache dir."""
        return self._kubectl.run(*args, input=input, check=check, timeout=timeout)

    def kubectl_command(self) -> list[str]:
        """The argv prefix of `kubectl(...)`, for commands that must run in the background."""
        return self._kubectl.command()

    def compose(self, *args: str, check: bool = True,
                timeout: float = 180) -> subprocess.CompletedProcess:
        """`docker compose <args>` on the test project, e.g. compose("restart", "apiserver")."""
        return subprocess.run([*compose_command(self.project), *args], cwd=REPO, check=check,
                              capture_output=True, text=True, timeout=timeout)


def _run(*cmd: str, timeout: float = 900) -> None:
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def compose_logs(command: list[str], env: dict[str, str] | None = None) -> str:
    """The last log lines of every service of a compose command (for an error message)."""
    return subprocess.run([*command, "logs", "--no-color", "--tail", "50"], cwd=REPO, env=env,
                          capture_output=True, text=True).stdout


def _start(stack: ProjectCompose) -> None:
    """`up --wait`; on failure, the services' logs go into the error."""
    try:
        stack.start()
    except subprocess.CalledProcessError as err:
        logs = compose_logs(compose_command(PROJECT))
        stack.stop()
        raise RuntimeError(f"the compose stack did not become healthy:\n"
                           f"{err.stderr.decode(errors='replace')}\n{logs}") from err


@contextlib.contextmanager
def _machine_lock():
    """One e2e stack per machine (port 6443, the pods' bridge and the nat table are shared), so
    a second test session waits here for the first instead of tearing its stack down."""
    with open(LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def cluster() -> Iterator[ComposeCluster]:
    with _machine_lock():
        yield from _cluster()


def _cluster() -> Iterator[ComposeCluster]:
    _run(str(REPO / "deploy" / "build-images.sh"))
    # The user's cluster (volumes kept), then whatever a killed earlier run left.
    _run(str(REPO / "deploy" / "down.sh"), USER_PROJECT)
    _run(str(REPO / "deploy" / "down.sh"), PROJECT, "--volumes")

    stack = ProjectCompose(context=REPO, compose_file_name=COMPOSE_FILE, wait=True)
    _start(stack)
    try:
        workdir = Path(tempfile.mkdtemp(prefix="tinykube-e2e-"))
        kubeconfig = workdir / "admin.kubeconfig"
        stdout, stderr, code = stack.exec_in_container(["cat", ADMIN_KUBECONFIG], "apiserver")
        assert code == 0, f"cannot read {ADMIN_KUBECONFIG}: {stderr}"
        kubeconfig.write_text(stdout)
        kubeconfig.chmod(0o600)
        yield ComposeCluster(PROJECT, kubeconfig, Kubectl(str(kubeconfig), str(workdir / "cache")))
    finally:
        if not os.environ.get("TINYKUBE_E2E_KEEP"):
            # --volumes: every volume of this project is the tests'
            _run(str(REPO / "deploy" / "down.sh"), PROJECT, "--volumes")
