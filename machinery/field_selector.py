"""Field selectors (`spec.nodeName=node-1,status.phase!=Running`), as upstream's fields package.

Only `=`, `==` and `!=` exist. Terms are split on unescaped commas; inside a value `\\`, `\\,`
and `\\=` escape a backslash, comma and equals sign. A field the object does not have compares
as the empty string. Which fields a kind supports is the api-server's business
(`check_supported`), since each kind extracts its own set.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from machinery.api.errors import BadRequest

_TERM_OPERATORS = ("!=", "==", "=")   # tried in this order at each position, as upstream


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    operator: str          # "=" (also for "==") or "!="
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        equal = fields.get(self.field, "") == self.value
        return equal if self.operator == "=" else not equal

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{escape_value(self.value)}"


class FieldSelector:
    """An AND of field requirements; str() renders the canonical, escaped form."""

    def __init__(self, requirements: Iterable[FieldRequirement] = ()):
        self._reqs = tuple(requirements)

    @property
    def requirements(self) -> list[tuple[str, str, str]]:
        """(field, operator, value) triples, operator "=" or "!="."""
        return [(r.field, r.operator, r.value) for r in self._reqs]

    @property
    def empty(self) -> bool:
        return not self._reqs

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(r.matches(fields) for r in self._reqs)

    def requires_exact_match(self, field: str) -> str | None:
        """The value `field` must equal, if the selector pins it (`metadata.name=web`)."""
        return next((r.value for r in self._reqs if r.field == field and r.operator == "="),
                    None)

    def check_supported(self, supported: Iterable[str]) -> None:
        """Raise BadRequest as upstream does for a field the kind cannot select on."""
        allowed = set(supported)
        for r in self._reqs:
            if r.field not in allowed:
                raise BadRequest(f'field label not supported: {r.field}')

    def __str__(self) -> str:
        return ",".join(str(r) for r in self._reqs)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSelector) and self._reqs == other._reqs

    def __hash__(self) -> int:
        return hash(self._reqs)


def parse_field_selector(text: str | None) -> FieldSelector:
    """Parse the `fieldSelector` query syntax; raises BadRequest with upstream's messages."""
    reqs = []
    for part in sorted(_split_terms(text or "")):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        reqs.append(FieldRequirement(lhs, "!=" if op == "!=" else "=", unescape_value(rhs)))
    return FieldSelector(reqs)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not escaped by a backslash."""
    if not text:
        return []
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in _TERM_OPERATORS:
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


def escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(value: str) -> str:
    if not any(c in value for c in "\\,="):
        return value
    out, escaped = [], False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise BadRequest(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            raise BadRequest(f"invalid field selector: unescaped character in value: {ch}")
        else:
            out.append(ch)
    if escaped:
        raise BadRequest("invalid field selector: invalid escape sequence: \\")
    return "".join(out)
