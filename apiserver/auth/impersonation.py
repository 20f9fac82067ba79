"""Impersonation: `Impersonate-User`, `-Group`, `-Uid` and `-Extra-<key>` headers
(`kubectl --as`, `--as-group`, `--as-uid`), as upstream's WithImpersonation filter.

The requester must be allowed the `impersonate` verb on each thing it asks for: `users`,
`groups` or `serviceaccounts` (core group), `uids` and `userextras/<key>`
(authentication.k8s.io). The request then runs as the impersonated user.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable
from urllib.parse import unquote

from apiserver.auth.authorizer import Attributes, Authorizer, forbidden_message
from apiserver.auth.tokens import User
from machinery.api.errors import BadRequest, Forbidden

USER, GROUP, UID = b"impersonate-user", b"impersonate-group", b"impersonate-uid"
EXTRA_PREFIX = b"impersonate-extra-"
SA_PREFIX = "system:serviceaccount:"
AUTHN_GROUP = "authentication.k8s.io"


def wants_impersonation(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(k.lower().startswith(b"impersonate-") for k, _ in headers)


def _requests(headers: Iterable[tuple[bytes, bytes]]):
    user, uid, groups, extra = None, None, [], {}
    for key, value in headers:
        k, v = key.lower(), value.decode("latin-1").strip()
        if k == USER:
            user = v
        elif k == UID:
            uid = v
        elif k == GROUP:
            groups.append(v)
        elif k.startswith(EXTRA_PREFIX):
            name = unquote(k[len(EXTRA_PREFIX):].decode("latin-1"))
            extra.setdefault(name, []).append(v)
    return user, uid, groups, extra


def _attributes(requester: User, name: str) -> tuple[Attributes, str]:
    """What impersonating a user name needs, and the name it becomes."""
    if name.startswith(SA_PREFIX):
        ns, _, sa = name[len(SA_PREFIX):].partition(":")
        if ns and sa:
            return Attributes(requester, "impersonate", "", "serviceaccounts", "", ns, sa), name
    return Attributes(requester, "impersonate", "", "users", name=name), name


async def impersonate(authorizer: Authorizer, requester: User,
                      headers: Iterable[tuple[bytes, bytes]]) -> User:
    """The user to act as; raises Forbidden (not allowed) or BadRequest (malformed)."""
    name, uid, groups, extra = _requests(list(headers))
    if not name:
        raise BadRequest("requested impersonation of groups, uid or extra without "
                         "impersonating a user")
    checks = [_attributes(requester, name)[0]]
    checks += [Attributes(requester, "impersonate", "", "groups", name=g) for g in groups]
    if uid:
        checks.append(Attributes(requester, "impersonate", AUTHN_GROUP, "uids", name=uid))
    for key, values in extra.items():
        checks += [Attributes(requester, "impersonate", AUTHN_GROUP, "userextras", key, name=v)
                   for v in values]
    for attrs in checks:
        decision = await authorizer.authorize(attrs)
        if not decision.allowed:
            message = forbidden_message(attrs)
            raise Forbidden(message + (f": {decision.reason}" if decision.reason else ""),
                            details={"name": attrs.name, "kind": attrs.resource,
                                     **({"group": attrs.api_group} if attrs.api_group else {})})
    return _acting_as(name, uid, groups, extra)


def _acting_as(name: str, uid: str | None, groups: list[str], extra: dict) -> User:
    if name.startswith(SA_PREFIX) and not groups:
        ns = name[len(SA_PREFIX):].partition(":")[0]
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{ns}"]
    marker = "system:unauthenticated" if name == "system:anonymous" else "system:authenticated"
    if not {"system:authenticated", "system:unauthenticated"} & set(groups):
        groups = groups + [marker]
    user = User(name, uid or "", tuple(groups))
    if extra and any(f.name == "extra" for f in dataclasses.fields(User)):
        user = dataclasses.replace(user, extra={k: tuple(v) for k, v in extra.items()})
    return user
