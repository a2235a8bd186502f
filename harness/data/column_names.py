"""Column names given as options, matched to a table's columns as they were meant.

The command line reads an override's value before a reader sees it: ``data.target=1e3`` arrives as the text
"1000.0", ``data.target=true`` as "True", ``data.target=1_000`` as "1000". A name that is not a column is
matched to the one column whose name the command line reads as that same value (the column ``1e3``); when none
is, the message says what was looked for and how to pass such a name as text (quoted: ``data.target="'1e3'"``).
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from harness.errors import ConfigError

log = logging.getLogger(__name__)

# What the command line may read as something other than text: numbers (with _ and exponents), true/false, null.
_VALUE_LIKE = re.compile(r"[+-]?[\d_.]+(?:[eE][+-]?\d+)?|[+-]?(?:inf|nan)|true|false|null", re.IGNORECASE)


@lru_cache(maxsize=4096)
def as_read(name: str) -> str | None:
    """The text an option holds when ``name`` is given unquoted on the command line (Hydra's reading of it, as
    text; None for null); ``name`` itself when the command line keeps it as text."""
    if not _VALUE_LIKE.fullmatch(name):
        return name
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        value = OverridesParser.create().parse_override(f"key={name}").value()
    except Exception:  # not a value the command line accepts: it would have been refused there
        return name
    return None if value is None else str(value)


def find(given: str, columns, option: str) -> str | None:
    """The column ``given`` names: itself, or the one column the command line reads as ``given``; None if none.

    Several such columns (``1e3`` and ``1000.0``) are a ConfigError naming them.
    """
    columns = [str(c) for c in columns]
    if given in columns:
        return given
    meant = [c for c in columns if as_read(c) == given]
    if len(meant) > 1:
        raise ConfigError(f"{option}={given!r} could mean any of the columns {', '.join(map(repr, meant))} (the "
                          f"command line reads each as {given}); quote the one meant, e.g. {option}=\"'{meant[0]}'\"")
    if meant:
        log.info("%s=%r is the column %r (the command line reads %s as %s)", option, given, meant[0], meant[0], given)
        return meant[0]
    return None


def not_found(given: str) -> str:
    """What to add to "no column ``given``": a hint when the command line may have turned a name into a value."""
    if not _VALUE_LIKE.fullmatch(given) or as_read(given) != given:  # not what the command line makes of a value
        return ""
    return (f" (the command line reads names such as 1e3, 1_000 or true as values, here {given!r}; to name a column "
            f"spelled that way, quote it: \"'1e3'\")")
