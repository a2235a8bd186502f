"""The declared search space of a table: seeded configurations drawn from it, and a hyperparameter's values on a grid.

A model-based importance in the *global* or *local* sense is a property of
the search space the user declared, not of the rows the search happened to
visit: an HPO method's rows crowd the good region. Each hyperparameter is
drawn on its own from its declared domain — uniform over ``[low, high]``
(log-uniform on a log scale), each level equally likely for one with levels —
as the synthetic generator draws its pools (``harness.synthetic.oracle``).

A conditional hyperparameter (``Dataset.conditions``) is not drawn:
its condition's columns (the features it governs and its indicator) are
copied together from a random row of the table, so every configuration is
one a trial could hold; it is set to a grid value only where it is active.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.infer import active_masks


def conditional_columns(data: Dataset) -> list[str]:
    """The columns of the table's conditions: the features they govern and their indicators."""
    out = []
    for c in data.conditions:
        out += [*c.features, *([c.indicator] if c.indicator else [])]
    return list(dict.fromkeys(out))


def draw(data: Dataset, n: int, gen: np.random.Generator) -> pd.DataFrame:
    """``n`` configurations of the table's columns drawn from the declared space (see the module docstring)."""
    copied = conditional_columns(data)
    rows = data.X.iloc[gen.integers(0, len(data), size=n)].reset_index(drop=True)
    out = {}
    for f in data.schema:
        column = data.X[f.name]
        if f.name in copied:
            out[f.name] = rows[f.name]
        elif f.levels:
            out[f.name] = pd.Series(np.asarray(f.levels, dtype=object if f.is_categorical else float)[
                gen.integers(0, len(f.levels), size=n)]).astype(column.dtype)
        else:
            out[f.name] = _typed(from_unit(f, gen.uniform(size=n)), column)
    return pd.DataFrame(out, columns=data.schema.names)


def grid(data: Dataset, name: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Values to set ``name`` to and their weights under its declared distribution: every level of a feature with
    levels, else ``size`` equal-mass values of its range (the midpoints of ``size`` equal slices, on its scale)."""
    f = data.schema[name]
    if f.levels:
        values = np.asarray(f.levels, dtype=object if f.is_categorical else float)
        return pd.Series(values).astype(data.X[name].dtype).to_numpy(), np.full(len(values), 1.0 / len(values))
    values = _typed(from_unit(f, (np.arange(size) + 0.5) / size), data.X[name]).to_numpy()
    return values, np.full(size, 1.0 / size)


def active(data: Dataset, X: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per conditional feature, the configurations of ``X`` where it is set."""
    return active_masks(X, data.conditions)


def from_unit(f, u: np.ndarray) -> np.ndarray:
    """The values at ``u`` ∈ [0, 1] of a continuous feature's range, on its scale (the inverse of ``to_unit``)."""
    lo, hi = float(f.low), float(f.high)
    if f.scale == "log":
        return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    return lo + u * (hi - lo)


def _typed(values: np.ndarray, column: pd.Series) -> pd.Series:
    """Values as the table's column holds them (whole numbers for an integer column)."""
    if column.dtype.kind in "iu":
        return pd.Series(np.rint(values).astype(column.dtype))
    return pd.Series(values, dtype=float)
