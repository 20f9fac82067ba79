"""Parsing kubectl's JSONPath templates into a small syntax tree (see `jsonpath.py`).

Text outside braces becomes Text; each `{...}` action becomes a Path of steps (Field,
Recursive `..`, Index `[n]`/`[a:b:c]`, Union `[a,b]`, Filter `[?(@.x=="y")]`), a quoted Text,
or a Range whose body runs until its `{end}`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class JSONPathError(ValueError):
    pass


# --- syntax tree ---------------------------------------------------------------------------

@dataclass
class Text:
    text: str


@dataclass
class Field:
    name: str            # "*" for a wildcard


@dataclass
class Recursive:
    pass


@dataclass
class Index:
    start: int | None
    end: int | None
    step: int | None
    single: bool         # [n] rather than a slice


@dataclass
class Union:
    branches: list[list[Any]]


@dataclass
class Filter:
    left: list[Any]
    op: str              # "exists" or a comparison
    right: list[Any]


@dataclass
class Literal:
    value: Any


@dataclass
class Path:
    """One action: a chain of steps from the current value."""
    steps: list[Any]


@dataclass
class Range:
    over: Path
    body: list[Any] = field(default_factory=list)


# --- parser ----------------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def parse(self) -> list[Any]:
        nodes, stack = [], []
        current = nodes
        while self.pos < len(self.text):
            brace = self.text.find("{", self.pos)
            if brace < 0:
                current.append(Text(self.text[self.pos:]))
                break
            if brace > self.pos:
                current.append(Text(self.text[self.pos:brace]))
            self.pos = brace + 1
            for item in self._action():
                if isinstance(item, Range):
                    current.append(item)
                    stack.append(current)
                    current = item.body
                elif item == "end":
                    if not stack:
                        raise JSONPathError("not in range, nothing to end")
                    current = stack.pop()
                else:
                    current.append(item)
        if stack:
            raise JSONPathError(f"unclosed action: range without end in {self.text!r}")
        return nodes

    def _action(self) -> list[Any]:
        out: list[Any] = []
        while True:
            self._skip_space()
            if self.pos >= len(self.text):
                raise JSONPathError(f"unclosed action in {self.text!r}")
            ch = self.text[self.pos]
            if ch == "}":
                self.pos += 1
                return out
            if ch == '"':
                out.append(Text(self._quoted()))
            elif self.text.startswith("range", self.pos) and not self._ident_continues(5):
                self.pos += 5
                self._skip_space()
                out.append(Range(Path(self._steps())))
            elif self.text.startswith("end", self.pos) and not self._ident_continues(3):
                self.pos += 3
                out.append("end")
            else:
                steps = self._steps()
                if not steps:
                    raise JSONPathError(f"unrecognized character in action: {ch!r}")
                out.append(Path(steps))

    def _ident_continues(self, n: int) -> bool:
        nxt = self.text[self.pos + n:self.pos + n + 1]
        return bool(nxt) and (nxt.isalnum() or nxt == "_")

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def _quoted(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"',
                            "'": "'"}.get(nxt, "\\" + nxt))
                self.pos += 2
                continue
            if ch == quote:
                self.pos += 1
                return "".join(out)
            out.append(ch)
            self.pos += 1
        raise JSONPathError("unterminated quoted string")

    def _steps(self, stop: str = "} ") -> list[Any]:
        steps: list[Any] = []
        while self.pos < len(self.text) and self.text[self.pos] not in stop:
            ch = self.text[self.pos]
            if self.text.startswith("..", self.pos):
                self.pos += 1
                steps.append(Recursive())
            elif ch == ".":
                self.pos += 1
                name = self._name()
                if name:
                    steps.append(Field(name))
            elif ch == "[":
                steps.append(self._bracket())
            elif ch == "@" or ch == "$":
                self.pos += 1
            elif ch.isalnum() or ch == "_":
                steps.append(Field(self._name()))  # kubectl tolerates a missing leading dot
            else:
                break
        return steps

    def _name(self) -> str:
        out = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if ch in ".[]{}() \t\n,=!<>\"'":
                break
            out.append(ch)
            self.pos += 1
        return "".join(out)

    def _bracket(self) -> Any:
        end = self._matching_bracket(self.pos)
        inner = self.text[self.pos + 1:end]
        self.pos = end + 1
        inner_stripped = inner.strip()
        if inner_stripped.startswith("?(") and inner_stripped.endswith(")"):
            return _parse_filter(inner_stripped[2:-1])
        if inner_stripped == "*":
            return Field("*")
        parts = _split_top(inner_stripped, ",")
        if len(parts) > 1:
            return Union([_parse_bracket_part(p) for p in parts])
        return _parse_bracket_part(inner_stripped)[0]

    def _matching_bracket(self, start: int) -> int:
        depth, quote = 0, None
        for i in range(start, len(self.text)):
            ch = self.text[i]
            if quote:
                if ch == quote:
                    quote = None
                continue
            if ch in "'\"":
                quote = ch
            elif ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
                if depth == 0:
                    return i
        raise JSONPathError(f"unterminated array in {self.text!r}")


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _parse_bracket_part(part: str) -> list[Any]:
    if len(part) >= 2 and part[0] in "'\"" and part[-1] == part[0]:
        return [Field(part[1:-1])]
    if ":" in part:
        bits = part.split(":")
        if len(bits) > 3:
            raise JSONPathError(f"invalid array index {part}")
        nums = [int(b) if b.strip() else None for b in bits] + [None] * (3 - len(bits))
        return [Index(nums[0], nums[1], nums[2], single=False)]
    try:
        return [Index(int(part), None, None, single=True)]
    except ValueError:
        return [Field(part)]


_OPS = ("==", "!=", "<=", ">=", "<", ">")


def _parse_filter(text: str) -> Filter:
    for op in _OPS:
        idx = _find_op(text, op)
        if idx >= 0:
            return Filter(_parse_operand(text[:idx]), op, _parse_operand(text[idx + len(op):]))
    return Filter(_parse_operand(text), "exists", [])


def _find_op(text: str, op: str) -> int:
    quote = None
    for i in range(len(text)):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif text.startswith(op, i):
            return i
    return -1


def _parse_operand(text: str) -> list[Any]:
    text = text.strip()
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        return [Literal(text[1:-1])]
    if text in ("true", "false"):
        return [Literal(text == "true")]
    for conv in (int, float):
        try:
            return [Literal(conv(text))]
        except ValueError:
            pass
    parser = _Parser(text)
    return parser._steps(stop="")


def parse(template: str) -> list[Any]:
    return _Parser(template).parse()
