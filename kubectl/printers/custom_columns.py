"""`-o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image` (and -file).

Each column is a relaxed JSONPath (`.a.b`, `a.b` or `{.a.b}`); several results join with `,`,
no result prints `<none>`, and values print as Go's %v does (`map[k:v]`).
"""
from __future__ import annotations

from typing import Any

from kubectl.errors import CLIError
from kubectl.printers.jsonpath import JSONPath, go_fmt
from kubectl.printers.tabwriter import TabWriter


def relaxed(expr: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `a.b` and `.a.b` become `{.a.b}`."""
    expr = expr.strip()
    if expr.startswith("{") and expr.endswith("}"):
        inner = expr[1:-1]
    else:
        inner = expr
    if not inner.startswith("."):
        inner = "." + inner
    return "{" + inner + "}"


def parse_spec(spec: str) -> list[tuple[str, JSONPath]]:
    columns = []
    for part in spec.split(","):
        if ":" not in part:
            raise CLIError("error: unexpected custom-columns spec: "
                           f"{part}, expected <header>:<json-path-expr>")
        header, expr = part.split(":", 1)
        columns.append((header, JSONPath(relaxed(expr))))
    return columns


def parse_file(text: str) -> list[tuple[str, JSONPath]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise CLIError("error: invalid template, missing header line. Expected format is one "
                       "line of space separated headers, one line of space separated column "
                       "specs.")
    headers, paths = lines[0].split(), lines[1].split()
    if len(headers) != len(paths):
        raise CLIError(f"error: expected {len(headers)} columns, got {len(paths)}")
    return [(h, JSONPath(relaxed(p))) for h, p in zip(headers, paths)]


class CustomColumnsPrinter:
    def __init__(self, columns: list[tuple[str, JSONPath]], no_headers: bool = False):
        self.columns = columns
        self.no_headers = no_headers
        self.printed_header = False

    def print_obj(self, obj: dict[str, Any], w: TabWriter) -> None:
        if not self.no_headers and not self.printed_header:
            w.write("\t".join(h for h, _ in self.columns) + "\n")
            self.printed_header = True
        items = obj.get("items") if obj.get("kind") == "List" or "items" in obj else None
        for item in items if items is not None else [obj]:
            w.write("\t".join(self._cell(jp, item) for _, jp in self.columns) + "\n")

    @staticmethod
    def _cell(jp: JSONPath, obj: dict[str, Any]) -> str:
        groups = jp.find(obj)
        values = [v for group in groups for v in group]
        if not groups or not groups[0]:
            return "<none>" if not values else ",".join(go_fmt(v) for v in values)
        return ",".join(go_fmt(v) for v in values)
