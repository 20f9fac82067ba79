"""A base for component settings: one dataclass field = one flag = one environment variable.

    @dataclass
    class SchedulerSettings(ComponentSettings):
        scheduler_name: str = "default-scheduler"
        resync_s: float = 0.0

    settings = SchedulerSettings.from_argv()   # only in main(); tests construct it directly

The field `resync_s` is the flag `--resync-s` and the variable `TINYKUBE_RESYNC_S`; a flag wins
over the variable, which wins over the default. Booleans accept true/false/1/0/yes/no.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Callable, get_type_hints

from machinery.client.kubeconfig import ClientConfig, load_kubeconfig

ENV_PREFIX = "TINYKUBE_"


def parse_bool(text: str | bool) -> bool:
    if isinstance(text, bool):
        return text
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise argparse.ArgumentTypeError(f"not a boolean: {text!r}")


@dataclass
class ComponentSettings:
    kubeconfig: str = ""          # empty: $KUBECONFIG, ~/.kube/config, then in-cluster
    context: str = ""
    log_level: str = "INFO"

    @classmethod
    def from_argv(cls, argv: list[str] | None = None, *, prog: str | None = None,
                  environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        parser = argparse.ArgumentParser(prog=prog, description=cls.__doc__)
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            convert = _converter(hints[f.name])
            default = env.get(ENV_PREFIX + f.name.upper())
            parser.add_argument(
                "--" + f.name.replace("_", "-"), type=convert,
                default=convert(default) if default is not None else _default(f),
                help=f"(env {ENV_PREFIX}{f.name.upper()})")
        return cls(**vars(parser.parse_args(argv)))

    def client_config(self) -> ClientConfig:
        return load_kubeconfig(self.kubeconfig or None, self.context or None)


def _converter(hint: Any) -> Callable[[str], Any]:
    if hint is bool:
        return parse_bool
    if hint in (int, float, str):
        return hint
    return str


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None
