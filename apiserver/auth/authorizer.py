"""Authorization: may this user do this verb on this resource (or non-resource path)?

The api-server asks `authorizer.authorize(attributes)` for every request after authentication.
`AllowAll` is the default until RBAC is configured; an RBAC authorizer implements the same
protocol and answers with upstream's reasons.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from apiserver.auth.tokens import User


@dataclass(frozen=True)
class Attributes:
    user: User
    verb: str                       # get, list, watch, create, update, patch, delete, ...
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""                  # for non-resource requests (/version, /api, /healthz)

    @property
    def is_resource(self) -> bool:
        return bool(self.resource)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


class Authorizer(Protocol):
    async def authorize(self, attributes: Attributes) -> Decision: ...


class AllowAll:
    async def authorize(self, attributes: Attributes) -> Decision:
        return Decision(True)


def forbidden_message(a: Attributes) -> str:
    """Upstream's wording, e.g. `pods is forbidden: User "jane" cannot list resource "pods" in
    API group "" in the namespace "default"`."""
    if not a.is_resource:
        return f'forbidden: User "{a.user.name}" cannot {a.verb} path "{a.path}"'
    resource = a.resource + (f"/{a.subresource}" if a.subresource else "")
    what = f'{a.resource}.{a.api_group}' if a.api_group else a.resource
    target = f'{what} "{a.name}"' if a.name else what
    scope = f' in the namespace "{a.namespace}"' if a.namespace else " at the cluster scope"
    return (f'{target} is forbidden: User "{a.user.name}" cannot {a.verb} resource '
            f'"{resource}" in API group "{a.api_group}"{scope}')
