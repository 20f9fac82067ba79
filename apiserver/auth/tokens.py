"""Static bearer tokens, in upstream's --token-auth-file CSV format:
`token,user,uid,"group1,group2"`."""
from __future__ import annotations

import csv
import hmac
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class User:
    name: str
    uid: str = ""
    groups: tuple[str, ...] = field(default_factory=tuple)


ANONYMOUS = User("system:anonymous", "", ("system:unauthenticated",))


class TokenAuthenticator:
    def __init__(self, tokens: dict[str, User]):
        self._tokens = tokens

    @classmethod
    def from_file(cls, path: Path) -> "TokenAuthenticator":
        tokens: dict[str, User] = {}
        with open(path, newline="") as f:
            for row in csv.reader(f):
                if len(row) < 2 or row[0].startswith("#"):
                    continue
                groups = tuple(g for g in (row[3].split(",") if len(row) > 3 else []) if g)
                tokens[row[0]] = User(row[1], row[2] if len(row) > 2 else "",
                                      groups + ("system:authenticated",))
        return cls(tokens)

    def authenticate(self, authorization: str | None) -> User | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        presented = authorization[7:].strip()
        for token, user in self._tokens.items():
            if hmac.compare_digest(token.encode(), presented.encode()):
                return user
        return None
