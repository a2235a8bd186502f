"""How numbers and names are written for people: one formatter per kind of text, one escape per format.

Every markdown table, HTML page, figure and CSV file goes through these, so a
value reads the same everywhere (``num``: significant digits) and a hostile name
(a ``|`` that would split a table cell, ``<script>`` or ``**`` that a markdown
viewer would run or set in bold, a ``=`` that a spreadsheet would run as a
formula) is written as plain text. (Figures draw every label as plain text:
``harness.render.figures.pyplot``.) They sit below both ``harness.render`` and
``harness.paper``, which write numbers into the same reports.
"""
from __future__ import annotations

import html
import math
import re

import pandas as pd

from harness.errors import ConfigError

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def fmt_value(v, sig: int = 3) -> str:
    """A hyperparameter value as people write it: 10000 → 10k, 0.0003 → 3e-4, 512 → 512, 0.265389 → 0.265
    (``sig`` significant digits, never fewer than the integer digits); text as is."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(x):
        return str(v)
    if x != 0 and abs(x) < 0.01:
        mantissa, exponent = f"{x:.{sig - 1}e}".split("e")
        return f"{float(mantissa):g}e{int(exponent)}"
    if abs(x) >= 1000 and x % 1000 == 0:
        return f"{x / 1000:g}k"
    return f"{x:.{max(sig, _integer_digits(x))}g}"


def value_labels(values, sig: int = 3) -> list[str]:
    """``fmt_value`` of each value, with as many more significant digits as it takes to tell distinct values apart."""
    return _distinct(values, lambda v, s: fmt_value(v, s), sig)


def num(x, sig: int = 3, sign: bool = False) -> str:
    """A measured number in ``sig`` significant digits: 0.0172, 3.87, 14.5, 1234 (never rounded into its integer
    digits), 1.23e-4 below 0.001; "–" for none; ``sign``: "+" before a positive one (a difference).
    The one formatter of numbers in every table, text and figure."""
    if x is None or pd.isna(x):
        return "–"
    if sign and float(x) > 0:
        return "+" + num(x, sig)
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    rounded = float(f"{x:.{sig - 1}e}")  # rounding first: 9.996 is 10.0, not 10.00
    exponent = math.floor(math.log10(abs(rounded)))
    if exponent < -3:
        mantissa, exp = f"{x:.{sig - 1}e}".split("e")
        return f"{mantissa}e{int(exp)}"
    if exponent >= sig - 1:
        return f"{x:.0f}"
    return f"{rounded:.{max(sig - 1 - exponent, 0)}f}"


def nums(values, sig: int = 3) -> list[str]:
    """``num`` of each value, with as many more significant digits as it takes to tell distinct values apart (a
    ranking reads 0.0172 > 0.0168, never 0.02 > 0.02)."""
    return _distinct(values, num, sig)


def _distinct(values, write, sig: int, most: int = 6) -> list[str]:
    values = list(values)
    wanted = len({_key(v) for v in values})
    for s in range(sig, most + 1):
        labels = [write(v, s) for v in values]
        if len(set(labels)) == wanted:
            break
    return labels


def _key(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _integer_digits(x: float) -> int:
    return len(str(int(abs(x)))) if abs(x) >= 1 else 1


def pm(mean, std=float("nan"), sig: int = 3, failed: int = 0) -> str:
    """``mean ± std`` (mean in ``sig`` significant digits, the std in 2), the ± left out where there is no spread
    (one seed: the std is undefined), "–" for no value, and how many cells failed."""
    if pd.isna(mean):
        return f"failed ({int(failed)})" if failed else "–"
    text = f"{num(mean, sig)} ± {num(std, 2)}" if pd.notna(std) else num(mean, sig)
    return text + (f" ({int(failed)} failed)" if failed else "")


# Characters that make markdown of plain text: each gets a backslash (CommonMark renders a backslash-escaped
# ASCII punctuation character as itself; ``>`` makes markup only at a line's start, as a quote). Some only where
# they would make markup, so that names and numbers stay readable in the raw file: ``]`` where it would close a
# link or an image (``](``, ``][``, ``]:``; 0.81 [0.75–0.88] stays), ``_`` where it could open or close emphasis
# (learning_rate stays), ``#`` where it could make or close a heading (#embed stays), ``&`` before an entity,
# and at the start a list's mark (``- x``, ``1. x``).
_MARKDOWN = re.compile(r"[\\`*<|$~]|\](?=[(\[:])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|#(?=\s|$)|&(?=#?[A-Za-z0-9]+;)"
                       r"|^[-+](?=\s|$)|(?:(?<=^\d)|(?<=^\d\d)|(?<=^\d\d\d))[.)](?=\s|$)")


def md_text(text) -> str:
    """Text (a name, a level, a reason) as markdown that shows it as it is, in a table cell or in running text: its
    markup characters escaped (``2**13`` stays 2**13; ``<script>`` is shown, never run) and a newline, which would
    end a table row, made a space. The one escape of every name that reaches a markdown file."""
    flat = str(text).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return _MARKDOWN.sub(lambda m: "\\" + m.group(0), flat)


def html_text(text) -> str:
    """Text as HTML that shows it as it is (quotes too, so it may stand in an attribute)."""
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
    ``le``, ``ge``, ``lt``, ``gt``. Not one-to-one (``x[1]`` and ``x(1)`` give one spelling): a table's columns are
    spelled by ``safe_names``."""
    name = str(name)
    for bad, good in UNSAFE_NAME.items():
        name = name.replace(bad, good)
    return name


def safe_names(names) -> list[str]:
    """The names of one table's columns spelled for the model libraries, one-to-one: no two columns ever merge.

    A name that is already safe keeps its spelling (the first of equal ones); every other name gets its
    ``safe_name`` if no other column has or wants that spelling, else the first free ``<safe_name>~2``,
    ``~3``, … (``x(1)`` and ``x[1]`` give ``x(1)`` and ``x(1)~2``; ``a<b`` and ``altb`` give ``altb~2`` and
    ``altb``). Deterministic: the same names in the same order give the same spellings.
    """
    names = [str(n) for n in names]
    wanted = [safe_name(n) for n in names]
    out: list[str | None] = [None] * len(names)
    taken: set[str] = set()
    for i, (name, spelled) in enumerate(zip(names, wanted)):
        if name == spelled and spelled not in taken:
            out[i] = spelled
            taken.add(spelled)
    claimed = set(wanted)
    for i, spelled in enumerate(wanted):
        if out[i] is None:
            candidate, k = spelled, 1
            while candidate in taken or (k > 1 and candidate in claimed):
                k += 1
                candidate = f"{spelled}~{k}"
            out[i] = candidate
            taken.add(candidate)
    return out


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
