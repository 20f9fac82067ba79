"""Selectors: parsing the `labelSelector`/`fieldSelector` query syntax and metav1.LabelSelector.

The one import for selector users:

    parse_label_selector("app=web,tier in (a,b),!canary") -> LabelSelector
    parse_field_selector("spec.nodeName=node-1")          -> FieldSelector
    label_selector_from_dict({"matchLabels": {...}, "matchExpressions": [...]}) -> LabelSelector
    label_selector_to_string(same dict)                   -> "app=web,tier in (a,b)"

Parsing errors raise `BadRequest` with the text upstream's parser produces, since kubectl shows
it verbatim. The label grammar is upstream's (k8s.io/apimachinery/pkg/labels), parsed by a small
lexer plus a recursive-descent parser:

    selector    ::= requirement ("," requirement)*
    requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
"""
from __future__ import annotations

from typing import Any, Mapping

from machinery.api.errors import BadRequest
from machinery.field_selector import FieldSelector, parse_field_selector
from machinery.labels import (
    BINARY_OPERATORS, DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, EXISTS, GREATER_THAN, IN, LESS_THAN,
    NOT_EQUALS, NOT_IN, LabelSelector, Requirement, invalid_message, label_value_errors,
    qualified_name_errors, requirement_errors, selector_from_set,
)


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse the `labelSelector` query syntax; raises BadRequest with upstream's messages."""
    return LabelSelector(_Parser(text or "").parse())

# --- the label selector grammar (lexer + recursive descent, as upstream's labels.Parse) -------

_SYMBOL_TOKENS = {")", ",", "!", "==", "=", ">", "<", "!=", "("}
_KEYWORDS = {"in", "notin"}
_SPECIAL = set("=!(),><")
_WHITESPACE = " \t\r\n"
_ID, _EOS = "ID", "EOS"
_OPERATOR_TOKENS = {"in": IN, "notin": NOT_IN, "=": EQUALS, "==": DOUBLE_EQUALS,
                    "!=": NOT_EQUALS, ">": GREATER_THAN, "<": LESS_THAN}


class _ParseError(Exception):
    pass


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens as (kind, literal); kind is the literal itself for symbols and keywords."""
    tokens, i = [], 0
    while True:
        while i < len(text) and text[i] in _WHITESPACE:
            i += 1
        if i >= len(text):
            tokens.append((_EOS, ""))
            return tokens
        start = i
        if text[i] in _SPECIAL:
            # longest run of symbols that still spells a token: "!=" not "!" then "="
            i += 1
            while i < len(text) and text[start:i + 1] in _SYMBOL_TOKENS:
                i += 1
            tokens.append((text[start:i], text[start:i]))
            continue
        while i < len(text) and text[i] not in _SPECIAL and text[i] not in _WHITESPACE:
            i += 1
        word = text[start:i]
        tokens.append((word if word in _KEYWORDS else _ID, word))


class _Parser:
    """In a value position, `in`/`notin` are plain identifiers (`x in (in)`)."""

    def __init__(self, text: str):
        self.tokens = _lex(text)
        self.pos = 0

    def _peek(self, values: bool = True) -> tuple[str, str]:
        kind, lit = self.tokens[self.pos]
        return (_ID if values and kind in _KEYWORDS else kind), lit

    def _next(self, values: bool = True) -> tuple[str, str]:
        tok = self._peek(values)
        self.pos += 1
        return tok

    def parse(self) -> list[Requirement]:
        try:
            return self._selector()
        except _ParseError as e:
            raise BadRequest(str(e)) from None

    def _selector(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            kind, lit = self._peek()
            if kind == _EOS:
                return reqs
            if kind not in (_ID, "!"):
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self._requirement())
            except _ParseError as e:
                raise _ParseError(f"unable to parse requirement: {e}") from None
            kind, lit = self._next()
            if kind == _EOS:
                return reqs
            if kind != ",":
                raise _ParseError(f"found '{lit}', expected: ',' or 'end of string'")
            kind, lit = self._peek()
            if kind not in (_ID, "!"):
                raise _ParseError(f"found '{lit}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        key, op = self._key_and_inferred_operator()
        if op is None:
            op = self._operator()
            values = self._value_set() if op in (IN, NOT_IN) else self._exact_value()
        else:
            values = set()
        reqs_values = tuple(sorted(values))
        errs = requirement_errors(key, op, reqs_values)
        if errs:
            raise _ParseError(errs[0] if len(errs) == 1 else f"[{', '.join(errs)}]")
        return Requirement(key, op, reqs_values)

    def _key_and_inferred_operator(self) -> tuple[str, str | None]:
        op = None
        kind, lit = self._next()
        if kind == "!":
            op = DOES_NOT_EXIST
            kind, lit = self._next()
        if kind != _ID:
            raise _ParseError(f"found '{lit}', expected: identifier")
        if errs := qualified_name_errors(lit):
            raise _ParseError(invalid_message("<nil>", lit, errs))
        if op is None and self._peek()[0] in (_EOS, ","):
            op = EXISTS
        return lit, op

    def _operator(self) -> str:
        kind, lit = self._next(values=False)
        if kind not in _OPERATOR_TOKENS or kind == _ID:
            raise _ParseError(f"found '{lit}', expected: {', '.join(BINARY_OPERATORS)}")
        return _OPERATOR_TOKENS[kind]

    def _value_set(self) -> set[str]:
        kind, lit = self._next()
        if kind != "(":
            raise _ParseError(f"found '{lit}' expected: '('")
        kind, lit = self._peek()
        if kind == ")":          # "()" is the set holding the empty string
            self._next()
            return {""}
        if kind not in (_ID, ","):
            raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self._identifiers()
        self._next()             # the ")" that _identifiers stopped at
        return values

    def _identifiers(self) -> set[str]:
        """Comma-separated, possibly empty identifiers: `a,,b` and `,a` hold the empty string."""
        values: set[str] = set()
        while True:
            kind, lit = self._next()
            if kind == _ID:
                values.add(lit)
                nxt, nlit = self._peek()
                if nxt == ")":
                    return values
                if nxt != ",":
                    raise _ParseError(f"found '{nlit}', expected: ',' or ')'")
            elif kind == ",":
                if not values:
                    values.add("")
                nxt, _ = self._peek()
                if nxt == ")":
                    values.add("")
                    return values
                if nxt == ",":
                    self._next()
                    values.add("")
            else:
                raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        kind, _ = self._peek()
        if kind in (_EOS, ","):
            return {""}
        kind, lit = self._next()
        if kind != _ID:
            raise _ParseError(f"found '{lit}', expected: identifier")
        return {lit}


# --- metav1.LabelSelector (matchLabels + matchExpressions) -----------------------------------

_EXPRESSION_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS,
                         "DoesNotExist": DOES_NOT_EXIST}


def label_selector_from_dict(sel: Mapping[str, Any] | None, *,
                             none_matches_all: bool = True) -> LabelSelector:
    """Convert a metav1.LabelSelector JSON object.

    `{}` matches everything. Upstream maps a *nil* selector to Nothing (e.g. a PodDisruptionBudget
    without selector); here None matches everything unless `none_matches_all=False`.
    """
    if sel is None:
        return LabelSelector.everything() if none_matches_all else LabelSelector.nothing()
    reqs = [Requirement.new(k, EQUALS, [v]) for k, v in (sel.get("matchLabels") or {}).items()]
    for expr in sel.get("matchExpressions") or []:
        op = _EXPRESSION_OPERATORS.get(expr.get("operator"))
        if op is None:
            raise BadRequest(f'"{expr.get("operator")}" is not a valid label selector operator')
        reqs.append(Requirement.new(expr.get("key", ""), op, expr.get("values") or []))
    return LabelSelector(reqs)


def label_selector_to_string(sel: Mapping[str, Any] | None) -> str:
    """`{"matchLabels": {"app": "web"}}` -> `app=web`, as Scale's status.selector shows it.

    Empty for an empty selector; printers show `<none>` for that themselves.
    """
    return str(label_selector_from_dict(sel))


__all__ = [
    "Requirement", "LabelSelector", "FieldSelector", "parse_label_selector",
    "parse_field_selector", "label_selector_from_dict", "label_selector_to_string",
    "selector_from_set", "qualified_name_errors", "label_value_errors",
]
