"""Markdown tables: every cell escaped the same way (``harness.text.md_text``), so a name holding ``|`` cannot
split a row, and one holding ``<script>`` or ``**`` is shown as it is written."""
from __future__ import annotations

from typing import Iterable, Sequence

from harness.text import md_text


def table(header: Sequence, rows: Iterable[Sequence], bold: Iterable[tuple[int, int]] = ()) -> str:
    """A markdown table; ``bold`` lists (row, column) positions to set in bold."""
    strong = set(bold)
    lines = ["| " + " | ".join(md_text(h) for h in header) + " |", "|" + "---|" * len(header)]
    for i, row in enumerate(rows):
        cells = [f"**{md_text(c)}**" if (i, j) in strong else md_text(c) for j, c in enumerate(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
