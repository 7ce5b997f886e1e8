"""Tables at the desk, fitted to the width they are shown at.

What a clerk must type next (a case number) and what tells cases apart (a
state) are never cut: when a table is wider than the terminal, the least
important columns are wrapped or left out first, and the caption names what
was left out. The width is ``$COLUMNS`` when set, else the terminal's; a pipe
or a file without ``$COLUMNS`` gets whole rows at their natural width.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

#: Width of a console when output is not limited (a pipe or a file without $COLUMNS).
UNLIMITED = 10_000
#: Narrowest a wrapped column gets (cells): four Chinese characters.
WRAP_WIDTH = 8


@dataclass(frozen=True)
class Column:
    """A table column. ``give`` ranks what gives way when the table is too wide: 0 never
    (shown whole), then the highest first; ``wrap`` columns give way by wrapping, the others
    by being left out; a ``keep`` column (a holiday's name) wraps in its turn but is never
    left out."""

    heading: str
    give: int = 0
    wrap: bool = False
    keep: bool = False


def output_width(stream: TextIO | None = None) -> int | None:
    """Columns available on ``stream`` (stdout): ``$COLUMNS``, else the terminal's; None for a pipe."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = stream or sys.stdout
    try:
        if stream.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError):
        pass
    return None


def _cell_len(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.splitlines()), default=0)


def fit(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int | None
        ) -> tuple[list[int], dict[int, int], int]:
    """(indexes of the columns shown, {index: width} of those wrapped, the table's width) so
    that a boxed table of ``rows`` is at most ``width`` cells wide if it can be, giving way in
    the order of ``Column.give``: wrapping first where a column wraps, then leaving out."""
    natural = [_natural(c, rows, i) for i, c in enumerate(columns)]
    shown = list(range(len(columns)))
    wrapped: dict[int, int] = {}

    def total() -> int:  # a cell's padding is 2, and each column adds a border
        return sum(wrapped.get(i, natural[i]) + 3 for i in shown) + 1

    if width is None:
        return shown, wrapped, total()
    giving = sorted((i for i, c in enumerate(columns) if c.give), key=lambda i: -columns[i].give)
    for i in giving:
        if total() <= width:
            break
        if columns[i].wrap and natural[i] > WRAP_WIDTH:  # just as narrow as it must be
            wrapped[i] = max(WRAP_WIDTH, _cell_len(columns[i].heading), natural[i] - (total() - width))
        elif not columns[i].wrap:
            shown.remove(i)
    for i in giving:  # still too wide: a wrapped column goes too
        if total() <= width:
            break
        if i in shown and not columns[i].keep:
            shown.remove(i)
            wrapped.pop(i, None)
    for i in reversed(giving):  # what leaving out freed goes back to the wrapped columns
        if i in wrapped and total() < width:
            wrapped[i] = min(natural[i], wrapped[i] + width - total())
    return shown, wrapped, total()


def print_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], *, title: str | None = None,
                caption: str | None = None, stream: TextIO | None = None) -> None:
    """Print ``rows`` as a table fitted to the output's width (see the module's doc)."""
    from rich.console import Console
    from rich.table import Table

    stream = stream or sys.stdout
    width = output_width(stream)
    shown, wrapped, needed = fit(columns, rows, width)
    left_out = [columns[i].heading for i in range(len(columns)) if i not in shown]
    if left_out:
        note = f"（略去 {'、'.join(left_out)}：加宽终端或用 --json 可见）"
        caption = (caption or "") + note
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    for i in shown:
        if i in wrapped:
            table.add_column(columns[i].heading, width=wrapped[i], overflow="fold")
        else:
            table.add_column(columns[i].heading, no_wrap=True, min_width=_natural(columns[i], rows, i))
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    # Below the width the columns that never give way need, the terminal wraps the lines
    # rather than rich cutting a case number.
    width = max(width, needed) if width else UNLIMITED
    Console(file=stream, width=width, highlight=False, soft_wrap=False).print(table)


def joined(parts: Sequence[str], sep: str, stream: TextIO | None = None) -> str:
    """``parts`` joined by ``sep`` (a ``，``), in lines as wide as the output, broken only after a
    ``sep``: a sentence of counts reads whole, never with a number torn from its 件."""
    width = output_width(stream)
    lines = [""]
    for n, part in enumerate(parts):
        piece = part + (sep if n < len(parts) - 1 else "")
        if lines[-1] and width and _cell_len(lines[-1] + piece) > width:
            lines.append("")
        lines[-1] += piece
    return "\n".join(lines)


def _natural(column: Column, rows: Sequence[Sequence[str]], i: int) -> int:
    return max([_cell_len(column.heading), *(_cell_len(r[i]) for r in rows)])
