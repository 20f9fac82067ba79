"""What every command shares: the global flags, the kubeconfig, the client, discovery.

Global flags (`--kubeconfig`, `--context`, `-n`, ...) are accepted before or after the command,
as kubectl's persistent flags are. `Invocation` builds the client and discovery lazily, so
`tkctl config view` never needs a reachable server.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from kubectl.client import RestClient
from kubectl.errors import CLIError
from kubectl.resources import Discovery
from machinery.client import ClientConfig, ConfigError, load_kubeconfig

TRUE_WORDS = ("true", "1", "t", "yes")


def add_bool(parser: argparse.ArgumentParser, *names: str, default: bool = False,
             help: str | None = None, dest: str | None = None) -> None:
    """A kubectl boolean flag: `--x`, `--x=true` and `--x=false` all work."""
    long = next(n for n in names if n.startswith("--"))
    dest = dest or long[2:].replace("-", "_")
    parser.add_argument(*names, dest=dest, action="store_true", default=default, help=help)
    parser.add_argument(f"{long}=true", f"{long}=True", dest=dest, action="store_true",
                        help=argparse.SUPPRESS)
    parser.add_argument(f"{long}=false", f"{long}=False", dest=dest, action="store_false",
                        help=argparse.SUPPRESS)


def add_global_flags(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("global flags")
    g.add_argument("--kubeconfig", default=None)
    g.add_argument("--context", default=None)
    g.add_argument("--cluster", default=None)
    g.add_argument("--user", default=None)
    g.add_argument("-n", "--namespace", default=None)
    g.add_argument("--cache-dir", default=None)
    g.add_argument("--request-timeout", default=None)
    g.add_argument("-v", "--v", dest="verbosity", default=None)
    g.add_argument("--server", "-s", default=None)
    g.add_argument("--token", default=None)
    add_bool(g, "--insecure-skip-tls-verify")
    g.add_argument("--warnings-as-errors", action="store_true", help=argparse.SUPPRESS)


class Invocation:
    """One run of the CLI: its global options, output streams and lazily built client."""

    def __init__(self, options: argparse.Namespace, command: str,
                 out: TextIO | None = None, err: TextIO | None = None):
        self.options = options
        self.command = command
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._config: ClientConfig | None = None
        self._client: RestClient | None = None
        self._discovery: Discovery | None = None

    @property
    def config(self) -> ClientConfig:
        if self._config is None:
            try:
                cfg = load_kubeconfig(self.options.kubeconfig, self.options.context)
            except ConfigError as e:
                raise CLIError(_config_error_text(str(e))) from e
            if self.options.server:
                cfg.server = self.options.server.rstrip("/")
            if self.options.token:
                cfg.token = self.options.token
            if self.options.insecure_skip_tls_verify:
                cfg.insecure_skip_tls_verify = True
            self._config = cfg
        return self._config

    @property
    def client(self) -> RestClient:
        if self._client is None:
            self._client = RestClient(self.config, self.command,
                                      _timeout_s(self.options.request_timeout))
        return self._client

    @property
    def discovery(self) -> Discovery:
        if self._discovery is None:
            self._discovery = Discovery(self.client)
        return self._discovery

    @property
    def namespace(self) -> str:
        return self.options.namespace or self.config.namespace or "default"

    @property
    def explicit_namespace(self) -> bool:
        return bool(self.options.namespace)

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _config_error_text(message: str) -> str:
    if message.startswith("invalid configuration") or message.startswith("context"):
        return f"error: {message}" if not message.startswith("context") else \
            f"error: {message}"
    return f"error: {message}"


def _timeout_s(value: Any) -> float | None:
    if not value or value == "0":
        return None
    text = str(value)
    for suffix, factor in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if text.endswith(suffix) and text[:-len(suffix)].replace(".", "").isdigit():
            return float(text[:-len(suffix)]) * factor
    return float(text)


def parse_duration_s(value: str) -> float:
    """Go durations as kubectl flags take them: `30s`, `1m30s`, `500ms`, `2h`; a bare number = s."""
    text = value.strip()
    if not text:
        raise ValueError("empty duration")
    if text.replace(".", "").lstrip("-").isdigit():
        return float(text)
    total, number = 0.0, ""
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch in ".-":
            number += ch
            i += 1
            continue
        unit = text[i:i + 2] if text[i:i + 2] in units else ch
        if unit not in units or not number:
            raise ValueError(f'time: invalid duration "{value}"')
        total += float(number) * units[unit]
        number = ""
        i += len(unit)
    if number:
        raise ValueError(f'time: missing unit in duration "{value}"')
    return total
