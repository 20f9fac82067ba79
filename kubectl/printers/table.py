"""Printing the server's `Table` objects as kubectl's HumanReadablePrinter does.

The api-server formats every cell (kubectl asks for `as=Table`); the client only decorates:
upper-case headers, `priority > 0` columns only with `-o wide`, a NAMESPACE column first with
`-A`, `kind.group/` before names when several kinds are printed, `-L` label columns and a
LABELS column last. A header is printed once per run of identical column definitions, so rows
streamed by `get -w` line up under the first table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubectl.printers.jsonpath import go_scalar
from kubectl.printers.tabwriter import TabWriter

_BREAK_CHARS = "\f\n\r"
_EVENT_TYPES = {"ADDED": "ADDED   ", "MODIFIED": "MODIFIED", "DELETED": "DELETED ",
                "ERROR": "ERROR   "}


@dataclass
class TableOptions:
    wide: bool = False
    no_headers: bool = False
    with_namespace: bool = False
    kind: str = ""                    # `deployment.apps` when names get a kind prefix
    show_labels: bool = False
    label_columns: list[str] = field(default_factory=list)


def format_labels(labels: dict[str, str] | None) -> str:
    """labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    text = cell if isinstance(cell, str) else go_scalar(cell)
    for i, ch in enumerate(text):
        if ch in _BREAK_CHARS:
            return text[:i] + "..."
    return text


class TablePrinter:
    def __init__(self, options: TableOptions):
        self.options = options
        self.last_columns: list[dict[str, Any]] | None = None
        self.printed_headers = False

    def print_table(self, table: dict[str, Any], w: TabWriter, event_type: str = "") -> None:
        columns = table.get("columnDefinitions") or []
        no_headers = self.options.no_headers
        if self.printed_headers and (not columns or columns == self.last_columns):
            no_headers = True
        if not columns:
            columns = self.last_columns or []
        elif columns != self.last_columns:
            self.last_columns = columns
            self.printed_headers = False
        rows = table.get("rows") or []
        if rows:
            self.printed_headers = True
        headers, cell_rows = self._decorate(columns, rows)
        if event_type:
            headers = ["EVENT"] + headers
            cell_rows = [[_EVENT_TYPES.get(event_type, event_type)] + r for r in cell_rows]
        if not rows:
            return
        if not no_headers:
            w.write("\t".join(headers) + "\n")
        for cells in cell_rows:
            w.write("\t".join(cells) + "\n")

    def _decorate(self, columns: list[dict[str, Any]], rows: list[dict[str, Any]]
                  ) -> tuple[list[str], list[list[str]]]:
        opts = self.options
        visible = [i for i, c in enumerate(columns) if opts.wide or not c.get("priority")]
        name_col = next((i for i, c in enumerate(columns)
                         if c.get("format") == "name" and c.get("type") == "string"), -1) \
            if opts.kind else -1
        headers = [columns[i]["name"].upper() for i in visible]
        headers += [label.split("/")[-1].upper() for label in opts.label_columns]
        if opts.show_labels:
            headers.append("LABELS")
        if opts.with_namespace:
            headers.insert(0, "NAMESPACE")
        out = []
        for row in rows:
            raw = list(row.get("cells") or [])
            if name_col >= 0 and name_col < len(raw):
                raw[name_col] = f"{opts.kind}/{_cell_text(raw[name_col])}"
            cells = [_cell_text(raw[i]) if i < len(raw) else "" for i in visible]
            meta = (row.get("object") or {}).get("metadata") or {}
            labels = meta.get("labels") or {}
            cells += [labels.get(key, "") for key in opts.label_columns]
            if opts.show_labels:
                cells.append(format_labels(labels))
            if opts.with_namespace:
                cells.insert(0, meta.get("namespace", ""))
            out.append(cells)
        return headers, out
