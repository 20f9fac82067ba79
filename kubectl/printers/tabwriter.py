"""Go's text/tabwriter as kubectl configures it: cells are tab-terminated, each column is as wide
as its widest cell plus 3 spaces of padding (at least 6), and the last cell of a line is not part
of any column, so it is never padded. With remembered widths (kubectl's `get -w`), later flushes
keep the columns at least as wide as before, so streamed rows line up under the header.
"""
from __future__ import annotations

from typing import TextIO

MIN_WIDTH = 6
PADDING = 3


class TabWriter:
    def __init__(self, out: TextIO, min_width: int = MIN_WIDTH, padding: int = PADDING,
                 remember_widths: bool = True):
        self.out = out
        self.min_width = min_width
        self.padding = padding
        self.remember_widths = remember_widths
        self.widths: list[int] = []
        self._buffer = ""

    def write(self, text: str) -> None:
        self._buffer += text

    def forget_widths(self) -> None:
        self.widths = []

    def flush(self) -> None:
        if not self._buffer:
            return
        text, self._buffer = self._buffer, ""
        self.out.write(format_cells(text, self.min_width, self.padding, self.widths
                                    if self.remember_widths else None))
        self.out.flush()


def format_cells(text: str, min_width: int = MIN_WIDTH, padding: int = PADDING,
                 remembered: list[int] | None = None) -> str:
    """Align tab-terminated cells as Go's tabwriter does; `remembered` widths (RememberWidths)
    are read and updated in place."""
    lines = text.split("\n")
    trailing_newline = bool(lines) and lines[-1] == ""
    if trailing_newline:
        lines.pop()
    rows = [line.split("\t") for line in lines]
    out: list[str] = []
    _Formatter(rows, min_width, padding, remembered, out).format(0, len(rows), [])
    return "\n".join(out) + ("\n" if trailing_newline else "")


class _Formatter:
    """Go's column-block algorithm: a column's width is taken over the consecutive lines that
    have a cell in it, so lines with fewer cells split a table into independent blocks."""

    def __init__(self, rows: list[list[str]], min_width: int, padding: int,
                 remembered: list[int] | None, out: list[str]):
        self.rows, self.min_width, self.padding = rows, min_width, padding
        self.remembered, self.out = remembered, out
        self.printed = 0

    def format(self, line0: int, line1: int, widths: list[int]) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(self.rows[this]) - 1:
                this += 1
                continue
            self._write_lines(line0, this, widths)
            line0 = this
            width = self.min_width
            while this < line1 and column < len(self.rows[this]) - 1:
                width = max(width, len(self.rows[this][column]) + self.padding)
                this += 1
            width = self._remember(column, width)
            self.format(line0, this, widths + [width])
            line0 = this
        self._write_lines(line0, line1, widths)

    def _remember(self, column: int, width: int) -> int:
        if self.remembered is None:
            return width
        if column >= len(self.remembered):
            self.remembered.append(width)
            return width
        width = max(width, self.remembered[column])
        self.remembered[column] = width
        return width

    def _write_lines(self, line0: int, line1: int, widths: list[int]) -> None:
        for row in self.rows[max(line0, self.printed):line1]:
            cells = [cell.ljust(widths[j]) if j < len(widths) and j < len(row) - 1 else cell
                     for j, cell in enumerate(row)]
            self.out.append("".join(cells))
        self.printed = max(self.printed, line1)
