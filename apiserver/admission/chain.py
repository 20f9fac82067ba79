"""The admission chain and what each plugin sees of a request."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from apiserver.auth.tokens import ANONYMOUS, User
from machinery.api.resources import ResourceInfo

Obj = dict[str, Any]


@dataclass
class AdmissionRequest:
    operation: str                  # CREATE, UPDATE, DELETE, CONNECT
    info: ResourceInfo
    namespace: str | None
    name: str | None
    subresource: str | None
    obj: Obj | None                 # the object being written (mutable for admit)
    old: Obj | None = None          # the stored object on UPDATE and DELETE
    user: User = ANONYMOUS
    dry_run: bool = False
    context: Any = None             # the ServerContext, for plugins that read other objects
    warnings: list[str] = field(default_factory=list)


class Plugin(Protocol):
    name: str

    def handles(self, request: AdmissionRequest) -> bool: ...


class AdmissionChain:
    def __init__(self, plugins: list[Any] | None = None):
        self.plugins = list(plugins or [])

    async def admit(self, request: AdmissionRequest) -> None:
        for plugin in self.plugins:
            admit = getattr(plugin, "admit", None)
            if admit is not None and plugin.handles(request):
                await admit(request)

    async def validate(self, request: AdmissionRequest) -> None:
        for plugin in self.plugins:
            validate = getattr(plugin, "validate", None)
            if validate is not None and plugin.handles(request):
                await validate(request)
