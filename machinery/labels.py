"""Labels: key/value validation, requirements and label selectors (upstream pkg/labels).

A `LabelSelector` is an AND of `Requirement`s, kept sorted by key so that str() is canonical
(`app=web,tier in (a,b),!canary`). Parsing the query syntax lives in `machinery.selectors`;
error texts follow upstream's, since kubectl shows them verbatim.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from machinery.api.errors import BadRequest

# Operators, spelled as upstream's selection.Operator values.
EXISTS, DOES_NOT_EXIST = "exists", "!"
EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "=", "==", "!="
IN, NOT_IN, GREATER_THAN, LESS_THAN = "in", "notin", "gt", "lt"
BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_OPERATOR_SPELLING = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", IN: " in ",
                      NOT_IN: " notin ", GREATER_THAN: ">", LESS_THAN: "<"}

# --- label key and value validation (upstream util/validation) -------------------------------

_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_RE = re.compile(f"^{_QNAME_FMT}$")
_LABEL_VALUE_FMT = f"({_QNAME_FMT})?"
_LABEL_VALUE_RE = re.compile(f"^{_LABEL_VALUE_FMT}$")
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = f"{_DNS1123_LABEL_FMT}(\\.{_DNS1123_LABEL_FMT})*"
_DNS1123_SUBDOMAIN_RE = re.compile(f"^{_DNS1123_SUBDOMAIN_FMT}$")
_QNAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
              "with an alphanumeric character")


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        errs.append(_regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character",
            _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def qualified_name_errors(value: str) -> list[str]:
    """Why `value` is not a valid label key (`[prefix/]name`); empty when it is valid."""
    parts = value.split("/")
    if len(parts) > 2:
        return ["a qualified name " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name",
                                                   "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errs: list[str] = []
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in _dns1123_subdomain_errors(parts[0]))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not _QNAME_RE.match(name):
        errs.append("name part " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name",
                                                "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    """Why `value` is not a valid label value; empty when it is valid (empty is valid)."""
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _LABEL_VALUE_RE.match(value):
        errs.append(_regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character",
            _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def invalid_message(path: str, value: Any, errs: list[str]) -> str:
    """A field.Invalid error rendered as upstream does (a nil path prints as `<nil>`)."""
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    return f"{path}: Invalid value: {shown}: {'; '.join(errs)}"


# --- requirements and label selectors ---------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    @classmethod
    def new(cls, key: str, operator: str, values: Iterable[str] = ()) -> "Requirement":
        """A validated requirement; raises BadRequest as upstream's NewRequirement errors."""
        values = tuple(values)
        errs = requirement_errors(key, operator, values)
        if errs:
            raise BadRequest(errs[0] if len(errs) == 1 else f"[{', '.join(errs)}]")
        return cls(key, operator, values)

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        if self.operator in (IN, EQUALS, DOUBLE_EQUALS):
            return has and labels[self.key] in self.values
        if self.operator in (NOT_IN, NOT_EQUALS):
            return not has or labels[self.key] not in self.values
        if self.operator == EXISTS:
            return has
        if self.operator == DOES_NOT_EXIST:
            return not has
        if self.operator in (GREATER_THAN, LESS_THAN) and has:
            try:
                actual, bound = int(labels[self.key]), int(self.values[0])
            except ValueError:
                return False
            return actual > bound if self.operator == GREATER_THAN else actual < bound
        return False

    def __str__(self) -> str:
        if self.operator == EXISTS:
            return self.key
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values))
        if self.operator in (IN, NOT_IN):
            values = f"({values})"
        return f"{self.key}{_OPERATOR_SPELLING[self.operator]}{values}"


def requirement_errors(key: str, op: str, values: tuple[str, ...]) -> list[str]:
    errs = []
    if key_errs := qualified_name_errors(key):
        errs.append(invalid_message("key", key, key_errs))
    if op in (IN, NOT_IN) and not values:
        errs.append(invalid_message("values", [], ["for 'in', 'notin' operators, values set can't be empty"]))
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) and len(values) != 1:
        errs.append(invalid_message("values", list(values),
                             ["exact-match compatibility requires one single value"]))
    elif op in (EXISTS, DOES_NOT_EXIST) and values:
        errs.append(invalid_message("values", list(values),
                             ["values set must be empty for exists and does not exist"]))
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(invalid_message("values", list(values),
                                 ["for 'Gt', 'Lt' operators, exactly one value is required"]))
        for i, v in enumerate(values):
            if not re.fullmatch(r"[+-]?\d+", v):
                errs.append(invalid_message(f"values[{i}]", v, [
                    "for 'Gt', 'Lt' operators, the value must be an integer"]))
    elif op not in BINARY_OPERATORS + (EXISTS, DOES_NOT_EXIST):
        supported = ", ".join(f'"{o}"' for o in BINARY_OPERATORS + (EXISTS, DOES_NOT_EXIST))
        errs.append(f'operator: Unsupported value: "{op}": supported values: {supported}')
    for i, v in enumerate(values):
        if value_errs := label_value_errors(v):
            errs.append(invalid_message(f"values[{i}][{key}]", v, value_errs))
    return errs


class LabelSelector:
    """An AND of requirements, kept sorted by key (as upstream) so str() is canonical."""

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False):
        self.requirements: tuple[Requirement, ...] = tuple(
            sorted(requirements, key=lambda r: r.key))
        self._nothing = nothing

    @classmethod
    def everything(cls) -> "LabelSelector":
        return cls()

    @classmethod
    def nothing(cls) -> "LabelSelector":
        """Matches no object (upstream's labels.Nothing(), e.g. a nil metav1.LabelSelector)."""
        return cls(nothing=True)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (matches every object)."""
        return not self.requirements and not self._nothing

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self._nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The single value `key` must have, if the selector pins one (`key=v`, `key in (v)`)."""
        for r in self.requirements:
            if r.key == key:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return "LabelSelector.nothing()" if self._nothing else f"LabelSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, LabelSelector) and self.requirements == other.requirements
                and self._nothing == other._nothing)

    def __hash__(self) -> int:
        return hash((self.requirements, self._nothing))


def selector_from_set(labels: Mapping[str, str] | None) -> LabelSelector:
    """`{app: web}` -> `app=web` (a Service or ReplicationController selector); {} matches all."""
    return LabelSelector(Requirement(k, EQUALS, (v,)) for k, v in (labels or {}).items())
