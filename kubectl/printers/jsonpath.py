"""kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath), on plain JSON values.

    {.metadata.name}  {.items[*].metadata.name}  {.items[0:2]}  {.items[-1]}  {..image}
    {range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}
    {.items[?(@.status.phase=="Running")].metadata.name}  {.spec.containers[?(@.ports)]}
    {.metadata.labels['app\\.kubernetes\\.io/name']}  {.items[0,2].metadata.name}

Text outside braces is copied. The results of one action are joined with spaces; maps and lists
print as compact JSON, scalars as Go prints them. Missing keys give no result (kubectl's
--allow-missing-template-keys=true), unless `allow_missing` is False.
"""
from __future__ import annotations

from typing import Any

from kubectl.printers.jsonpath_parse import (Field, Filter, Index, JSONPathError, Literal,
                                            Path, Range, Recursive, Text, Union, parse)
from kubectl.printers.serialize import go_float, to_json

__all__ = ["JSONPath", "JSONPathError", "format_value", "go_scalar", "go_fmt", "parse"]


# --- evaluation ------------------------------------------------------------------------------

_MISSING = object()


class JSONPath:
    def __init__(self, template: str, allow_missing: bool = True):
        self.template = template
        self.nodes = parse(template)
        self.allow_missing = allow_missing

    def find(self, data: Any) -> list[list[Any]]:
        """The result groups, one per action (and per range iteration)."""
        return self._run(self.nodes, data)

    def _run(self, nodes: list[Any], data: Any) -> list[list[Any]]:
        groups: list[list[Any]] = []
        for node in nodes:
            if isinstance(node, Text):
                groups.append([node.text])
            elif isinstance(node, Path):
                groups.append(self._walk([data], node.steps))
            elif isinstance(node, Range):
                for value in self._walk([data], node.over.steps):
                    groups.extend(self._run(node.body, value))
        return groups

    def render(self, data: Any) -> str:
        return "".join(" ".join(format_value(v) for v in group) for group in self.find(data))

    def _walk(self, values: list[Any], steps: list[Any]) -> list[Any]:
        for step in steps:
            values = self._step(values, step)
        return values

    def _step(self, values: list[Any], step: Any) -> list[Any]:
        if isinstance(step, Field):
            return self._field(values, step.name)
        if isinstance(step, Index):
            return [v for value in values for v in _index(value, step)]
        if isinstance(step, Recursive):
            return [v for value in values for v in _recurse(value)]
        if isinstance(step, Union):
            return [v for branch in step.branches for v in self._walk(values, branch)]
        if isinstance(step, Filter):
            return [v for value in values for v in self._filter(value, step)]
        if isinstance(step, Literal):
            return [step.value for _ in values]
        raise JSONPathError(f"unexpected node {step!r}")

    def _field(self, values: list[Any], name: str) -> list[Any]:
        out = []
        for value in values:
            if name == "*":
                if isinstance(value, dict):
                    out.extend(value[k] for k in sorted(value))
                elif isinstance(value, (list, str)):
                    out.extend(value)
            elif isinstance(value, dict) and name in value:
                out.append(value[name])
        if not out and name != "*" and values and not self.allow_missing:
            raise JSONPathError(f"{name} is not found")
        return out

    def _filter(self, value: Any, f: Filter) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise JSONPathError(f"{format_value(value)} is not array or slice and cannot be "
                                "filtered")
        out = []
        for item in value:
            lefts = _quiet_walk(self, item, f.left)
            if f.op == "exists":
                if lefts:
                    out.append(item)
                continue
            rights = _quiet_walk(self, item, f.right)
            if len(lefts) != 1 or len(rights) != 1:
                continue
            if _compare(lefts[0], f.op, rights[0]):
                out.append(item)
        return out


def _quiet_walk(jp: JSONPath, item: Any, steps: list[Any]) -> list[Any]:
    saved, jp.allow_missing = jp.allow_missing, True
    try:
        return jp._walk([item], steps)
    finally:
        jp.allow_missing = saved


def _compare(left: Any, op: str, right: Any) -> bool:
    if isinstance(left, bool) != isinstance(right, bool) or \
            isinstance(left, str) != isinstance(right, str):
        return op == "!="
    try:
        return {"==": left == right, "!=": left != right, "<": left < right,
                ">": left > right, "<=": left <= right, ">=": left >= right}[op]
    except TypeError:
        return False


def _index(value: Any, step: Index) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise JSONPathError(f"{type(value).__name__} is not array or slice")
    n = len(value)
    start = 0 if step.start is None else step.start
    if start < 0:
        start += n
    end = (start + 1 if step.single else n) if step.end is None else step.end
    if end < 0:
        end += n
    if end != start:
        if start >= n or start < 0:
            raise JSONPathError(f"array index out of bounds: index {start}, length {n}")
        if end > n:
            raise JSONPathError(f"array index out of bounds: index {end - 1}, length {n}")
    return value[start:end:step.step or None]


def _recurse(value: Any) -> list[Any]:
    children: list[Any] = []
    if isinstance(value, dict):
        children = [value[k] for k in sorted(value)]
    elif isinstance(value, list):
        children = list(value)
    if not children:
        return []
    out = [value]
    for child in children:
        out.extend(_recurse(child))
    return out


def format_value(value: Any) -> str:
    """How kubectl prints one JSONPath result."""
    if isinstance(value, (dict, list)):
        return to_json(value, indent=None)
    return go_scalar(value)


def go_scalar(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_fmt(value: Any) -> str:
    """Go's fmt %v of a decoded JSON value (custom-columns cells): map[k:v], [a b]."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_fmt(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_fmt(v) for v in value) + "]"
    return go_scalar(value)
