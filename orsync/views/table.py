"""Plain-text tables that fit the terminal: the widest columns give way first.

A table wider than the terminal wraps into unreadable lines; instead, every column keeps its
natural width up to a common cap, the cap is the largest that makes the table fit, and cells
longer than their column end in an ellipsis. Narrow columns (status, counts) are never cut
while a wide one (a description, a model id) can still give way. A column may be fixed (a
bar) or rank above others (a test's name over its model), giving way only after them.
Cells are shown through orsync.escaping: a name made by hand cannot move the cursor, reverse
the line or start a new one.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from orsync.escaping import visible

ELLIPSIS = "…"
GAP = "  "
MIN_COLUMN_WIDTH = 4


@dataclass(frozen=True)
class Column:
    header: str
    align: Literal["left", "right"] = "left"
    fixed: bool = False  # never cut (a bar, a verdict): the other columns give way
    priority: int = 0    # lower priorities give way first; equal ones give way together


PIPED_WIDTH = 160  # CI logs and pipes: wide enough that model names stay whole


def terminal_width() -> int:
    """Columns of the terminal; COLUMNS wins, as shutil reads it; PIPED_WIDTH when not a terminal."""
    if "COLUMNS" not in os.environ and not sys.stdout.isatty():
        return PIPED_WIDTH
    return shutil.get_terminal_size().columns


def truncate(cell: str, width: int) -> str:
    """The cell cut to `width` characters, ending in an ellipsis when something was cut."""
    if len(cell) <= width:
        return cell
    if width <= 0:
        return ""
    return cell[: width - 1] + ELLIPSIS


def column_widths(columns: Sequence[Column], natural: Sequence[int], available: int) -> list[int]:
    """Widths that fit `available` characters (gaps included), capping the widest columns.

    Columns of the lowest priority give way first, their widest first; fixed columns never
    do. When even MIN_COLUMN_WIDTH per column does not fit, the table overflows at that
    minimum rather than losing columns: a cut column still tells the reader what it holds.
    """
    budget = available - len(GAP) * max(len(natural) - 1, 0)
    widths = list(natural)
    for level in sorted({column.priority for column in columns if not column.fixed}):
        if sum(widths) <= budget:
            break
        group = [i for i, column in enumerate(columns) if not column.fixed and column.priority == level]
        others = sum(width for i, width in enumerate(widths) if i not in group)
        cap = _largest_cap([natural[i] for i in group], budget - others)
        for i in group:
            widths[i] = min(natural[i], cap)
    return widths


def _largest_cap(natural: Sequence[int], budget: int) -> int:
    low, high = MIN_COLUMN_WIDTH, max(natural)
    while low < high:  # the largest cap whose capped widths still fit the budget
        middle = (low + high + 1) // 2
        if sum(min(width, middle) for width in natural) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def render_table(columns: Sequence[Column], rows: Sequence[Sequence[str]],
                 width: int | None = None) -> str:
    """The table as lines of text (header first), fitted to `width` (default: the terminal)."""
    available = terminal_width() if width is None else width
    rows = [[visible(cell) for cell in row] for row in rows]
    natural = [max([len(column.header), *(len(row[index]) for row in rows)])
               for index, column in enumerate(columns)]
    widths = column_widths(columns, natural, available)
    lines = [_line([column.header for column in columns], columns, widths)]
    lines.extend(_line(row, columns, widths) for row in rows)
    return "\n".join(lines) + "\n"


def _line(cells: Sequence[str], columns: Sequence[Column], widths: Sequence[int]) -> str:
    parts = []
    for cell, column, width in zip(cells, columns, widths):
        cut = truncate(cell, width)
        parts.append(cut.rjust(width) if column.align == "right" else cut.ljust(width))
    return GAP.join(parts).rstrip()


def render_fields(pairs: Sequence[tuple[str, str]], width: int | None = None) -> str:
    """One object as `label  value` lines, values cut to the terminal width."""
    available = terminal_width() if width is None else width
    label_width = max((len(label) for label, _ in pairs), default=0)
    value_width = max(available - label_width - len(GAP), MIN_COLUMN_WIDTH)
    return "".join(f"{label.ljust(label_width)}{GAP}{truncate(visible(value), value_width)}".rstrip() + "\n"
                   for label, value in pairs)
