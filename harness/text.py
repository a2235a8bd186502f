"""How numbers and names are written for people: one formatter per kind of text, one escape per format.

Every markdown table, HTML page and CSV file goes through these, so a value
reads the same everywhere and a hostile name (a ``|`` that would split a table
cell, a ``=`` that a spreadsheet would run as a formula) is written as plain
text. (Figures draw every label as plain text: ``harness.render.figures.pyplot``.)
"""
from __future__ import annotations

import html
import math

import pandas as pd

from harness.errors import ConfigError

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def fmt_value(v) -> str:
    """A hyperparameter value as people write it: 10000 → 10k, 0.0003 → 3e-4, 512 → 512; text as is."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(x):
        return str(v)
    if x != 0 and abs(x) < 0.01:
        mantissa, exponent = f"{x:.2e}".split("e")
        return f"{float(mantissa):g}e{int(exponent)}"
    if abs(x) >= 1000 and x % 1000 == 0:
        return f"{x / 1000:g}k"
    return f"{x:g}"


def pm(mean, std=float("nan"), digits: int = 2, failed: int = 0) -> str:
    """``mean ± std`` (the std left out where undefined), "–" for no value, and how many cells failed."""
    if pd.isna(mean):
        return f"failed ({int(failed)})" if failed else "–"
    text = f"{mean:.{digits}f} ± {std:.{digits}f}" if pd.notna(std) else f"{mean:.{digits}f}"
    return text + (f" ({int(failed)} failed)" if failed else "")


def md_cell(text) -> str:
    """Text for one markdown table cell: a ``|`` would end the cell, a newline the row."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def html_text(text) -> str:
    return html.escape(str(text), quote=True)


def csv_safe(value):
    """Text a spreadsheet will not run as a formula: a leading =, +, -, @, tab or return gets a ``'`` in front.

    A text that already starts with ``'`` gets one too, so ``csv_unsafe`` restores every text exactly.
    Numbers written as text ("-1.5") are left alone.
    """
    if isinstance(value, str) and value.startswith(FORMULA_LEADS + ("'",)) and not _is_number(value):
        return "'" + value
    return value


def csv_unsafe(value):
    """The text ``csv_safe`` was given."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Characters XGBoost refuses in feature names (and a model's column names come from feature names and levels).
UNSAFE_NAME = {"<=": "le", ">=": "ge", "<": "lt", ">": "gt", "[": "(", "]": ")"}


def safe_name(name) -> str:
    """A column name every model library accepts: ``[ ]`` become ``( )``; ``<=``, ``>=``, ``<``, ``>`` become
    ``le``, ``ge``, ``lt``, ``gt``."""
    name = str(name)
    for bad, good in UNSAFE_NAME.items():
        name = name.replace(bad, good)
    return name


# Characters that cannot stand in a file name on some system (a path separator, Windows' reserved ones, control
# characters) or that a link to the file would read as something else (``%``, ``#``), and the escape ``~`` itself.
FILE_UNSAFE = frozenset('/\\:*?"<>|%#~\x7f') | {chr(c) for c in range(32)}
# How long a name may be in a file name (UTF-8 bytes, escaped): the longest file the harness makes from names,
# <surrogate>_<table>_seed<k>.json, holds two, and its temp file adds 14 bytes; most file systems allow 255.
NAME_BYTES = 100


def file_part(name, what: str = "name", hint: str = "") -> str:
    """``name`` as part of a file name: each character a file name or a link cannot hold written ``~XX`` (its code
    in hex; ``~`` itself too, so two names never share a file), and a name of dots alone (``.``, ``..``) likewise.
    Every path the harness makes from a table's, task's or surrogate's name goes through it; a name longer than
    ``NAME_BYTES`` once escaped is refused with a ConfigError naming ``what`` it is and ``hint``: where to change it
    (``harness.cells`` checks every name of a run's cells so before any fit)."""
    text = str(name)
    part = "".join(f"~{ord(c):02X}" if c in FILE_UNSAFE else c for c in text)
    if not part.strip("."):
        part = part.replace(".", "~2E")
    size = len(part.encode("utf-8"))
    if size > NAME_BYTES:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ConfigError(f"{what} {shown!r} is too long to name files ({size} bytes as a file name, at most "
                          f"{NAME_BYTES}); give it a shorter name{hint}")
    return part
