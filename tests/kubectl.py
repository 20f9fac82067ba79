"""Run the real kubectl (/usr/bin/kubectl) against a test api-server, with a fresh cache dir so
discovery and OpenAPI are always fetched from the server under test."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass

KUBECTL = os.environ.get("KUBECTL", "/usr/bin/kubectl")


@dataclass
class Kubectl:
    kubeconfig: str
    cache_dir: str

    @classmethod
    def for_kubeconfig(cls, kubeconfig: str) -> "Kubectl":
        return cls(kubeconfig, tempfile.mkdtemp(prefix="tinykube-kubectl-cache-"))

    def command(self) -> list[str]:
        return [KUBECTL, "--kubeconfig", self.kubeconfig, "--cache-dir", self.cache_dir]

    def run(self, *args: str, input: str | None = None, check: bool = False,
            timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        cmd = [*self.command(), *args]
        proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    def ok(self, *args: str, **kw) -> str:
        return self.run(*args, check=True, **kw).stdout

    def json(self, *args: str) -> dict:
        return json.loads(self.ok(*args, "-o", "json"))
