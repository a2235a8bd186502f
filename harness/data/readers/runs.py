"""What the readers of HPO tools' run folders (SMAC3, Ray Tune) share: JSON
files read with one-line errors, and the ``data.budget`` option.

A multi-fidelity run evaluates configurations at several budgets (epochs,
subset sizes, training iterations); a surrogate needs one reading of them:

* ``max`` (default): each configuration at its own highest budget;
* a number: only evaluations at that budget; configurations never run at it
  are dropped and counted;
* ``feature``: every budget, with the budget as one more (numeric) feature.

Each reader says what its budget is and how it applies the choice.
"""
from __future__ import annotations

import json
from pathlib import Path

from harness.errors import ConfigError, DataError

MAX = "max"
FEATURE = "feature"


def budget_option(value) -> str | float:
    """``MAX``, ``FEATURE`` or a budget value, from ``data.budget``."""
    if value in (None, "", MAX):
        return MAX
    if value == FEATURE:
        return FEATURE
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"data.budget={value!r}: expected {MAX}, {FEATURE} or a budget value") from None


def read_json(path: Path):
    """The parsed file; a missing, unreadable or malformed file is one DataError naming it."""
    if not path.is_file():
        raise DataError(f"missing file {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
