"""`--authorization-mode`: the authorizers a request goes through, as upstream's union.

Members of `system:masters` are always allowed before any mode is asked (upstream's privileged
group authorizer); then each mode in order: the first to allow wins, and the reasons of those
that did not are joined into the 403's message.
"""
from __future__ import annotations

from apiserver.auth.authorizer import AllowAll, Attributes, Authorizer, Decision

PRIVILEGED_GROUP = "system:masters"
MODES = ("AlwaysAllow", "AlwaysDeny", "RBAC", "Node")


class AlwaysDeny:
    async def authorize(self, attributes: Attributes) -> Decision:
        return Decision(False)


class UnionAuthorizer:
    def __init__(self, members: list[Authorizer], privileged_group: str = PRIVILEGED_GROUP):
        self.members = members
        self.privileged_group = privileged_group

    async def authorize(self, attributes: Attributes) -> Decision:
        if self.privileged_group in attributes.user.groups:
            return Decision(True)
        reasons: list[str] = []
        for member in self.members:
            decision = await member.authorize(attributes)
            if decision.allowed:
                return decision
            if decision.reason:
                reasons.append(decision.reason)
        return Decision(False, ", ".join(reasons))


def parse_modes(mode: str) -> list[str]:
    modes = [m.strip() for m in mode.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise ValueError(f"unknown authorization mode(s) {unknown or mode!r}; "
                         f"valid modes: {', '.join(MODES)}")
    return modes


def build_authorizer(mode: str, ctx) -> Authorizer:
    """The authorizer for a comma-separated `--authorization-mode` value."""
    from apiserver.auth.node_authorizer import NodeAuthorizer
    from apiserver.auth.rbac import RBACAuthorizer
    members: list[Authorizer] = []
    for m in parse_modes(mode):
        if m == "AlwaysAllow":
            members.append(AllowAll())
        elif m == "AlwaysDeny":
            members.append(AlwaysDeny())
        elif m == "RBAC":
            members.append(RBACAuthorizer(ctx))
        elif m == "Node":
            members.append(NodeAuthorizer(ctx))
    if members and isinstance(members[0], AllowAll):
        return members[0]
    return UnionAuthorizer(members)
