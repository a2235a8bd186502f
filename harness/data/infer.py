"""Feature typing shared by the table and Optuna loaders, so a hyperparameter
gets the same schema whichever way it arrives.

Rules:

* booleans and text are categorical; levels are the distinct values written
  as text (booleans give ``("False", "True")``), numbers sorted numerically,
  text alphabetically. Categorical cells are always ``str`` in ``Dataset.X``.
* numbers are numeric, on a log scale when every value is > 0 and
  max/min >= 100 (``LOG_RATIO``), else linear. A numeric feature with at most
  ``max_levels`` distinct values keeps them as ``levels``; otherwise it is
  continuous with ``low``/``high`` = min/max. Columns whose values are all
  whole numbers are stored as int64.
* absent values (empty cells, conditional hyperparameters): a categorical
  feature gets the level ``"<absent>"`` (last); a numeric feature is filled
  with the low end of its domain and an indicator ``has_<name>``
  (categorical ``"False"``/``"True"``) follows it, so a model can tell
  "not set" from "set to its lowest value" while the numeric feature keeps
  one clean domain (a log scale stays valid; no sentinel outside the range).
  Read the two terms together. A caller that knows a hyperparameter is
  conditional passes ``always=True``: the absent level / indicator then
  exists even when every row at hand holds a value, so the columns do not
  depend on which rows were drawn.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from harness.data.schema import Feature, Schema
from harness.errors import ConfigError, DataError

SCALES = ("linear", "log", "categorical")
LOG_RATIO = 100.0
ABSENT = "<absent>"
INDICATOR_LEVELS = ("False", "True")


def check_scale(scale: str, option: str) -> str:
    if scale not in SCALES:
        raise ConfigError(f"{option}={scale!r} is not a feature type; use one of: {', '.join(SCALES)}")
    return scale


def is_bool_column(values: pd.Series) -> bool:
    present = values.dropna()
    return pdt.is_bool_dtype(values) or (len(present) > 0 and all(isinstance(v, (bool, np.bool_)) for v in present))


def is_text_column(values: pd.Series) -> bool:
    """Booleans and strings: what becomes categorical unless a type says otherwise."""
    return is_bool_column(values) or not pdt.is_numeric_dtype(values)


def log_or_linear(values: np.ndarray) -> str:
    v = values[np.isfinite(values)]
    return "log" if v.size and v.min() > 0 and v.max() / v.min() >= LOG_RATIO else "linear"


def text(value) -> str:
    """A category as text; whole floats lose their ``.0`` (an int column with gaps is read as float)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def categorical(name: str, values: pd.Series, levels=None, label: str = "", always: bool = False) -> tuple[Feature, pd.Series]:
    """A categorical feature and its text column; ``levels`` (in their order) or the sorted distinct values."""
    present = values.dropna()
    if levels is None:
        distinct = present.unique().tolist()
        numeric = all(isinstance(v, (int, float, np.integer, np.floating)) for v in distinct)
        levels = sorted(distinct) if numeric else sorted(distinct, key=text)
    names = [text(v) for v in levels]
    if len(set(names)) < len(names):
        raise DataError(f"feature {name!r}: levels {list(levels)} are not distinct once written as text")
    col = values.map(lambda v: ABSENT if pd.isna(v) else text(v)).astype(object)
    if always or len(present) < len(values):
        names.append(ABSENT)
    return Feature(name, scale="categorical", levels=tuple(names), label=label), col


def numeric_column(values: np.ndarray) -> pd.Series:
    v = np.asarray(values, dtype=float)
    whole = np.isfinite(v).all() and np.equal(np.mod(v, 1), 0).all()
    return pd.Series(v.astype("int64") if whole else v)


def observed_numeric(name: str, values: np.ndarray, scale: str, max_levels: int, label: str = "") -> Feature:
    """A numeric feature whose domain is what the column holds (NaNs ignored)."""
    v = values[~np.isnan(values)]
    distinct = np.unique(v)
    if scale == "log" and distinct.size and distinct[0] <= 0:
        raise DataError(f"feature {name!r}: a log scale needs values > 0, found {distinct[0]:g}")
    if distinct.size <= max_levels:
        return Feature(name, scale=scale, levels=tuple(distinct.tolist()), label=label)
    return Feature(name, scale=scale, low=float(distinct[0]), high=float(distinct[-1]), label=label)


def numeric(feature: Feature, values: np.ndarray, always: bool = False) -> list[tuple[Feature, pd.Series]]:
    """The numeric column, filled at ``feature.low`` where absent and followed by its ``has_`` indicator."""
    v = np.asarray(values, dtype=float)
    absent = np.isnan(v)
    if not (always or absent.any()):
        return [(feature, numeric_column(v))]
    indicator = Feature(f"has_{feature.name}", scale="categorical", levels=INDICATOR_LEVELS,
                        label=f"has {feature.display}")
    flags = pd.Series(np.where(absent, "False", "True"), dtype=object)
    return [(feature, numeric_column(np.where(absent, feature.low, v))), (indicator, flags)]


def assemble(columns: list[tuple[Feature, pd.Series]], where: str) -> tuple[pd.DataFrame, Schema]:
    names = [f.name for f, _ in columns]
    for f, _ in columns:
        if f.name.startswith("has_") and names.count(f.name) > 1:
            raise DataError(
                f"{where}: the indicator {f.name!r} for absent values of {f.name[4:]!r} clashes with a column "
                f"of the same name; rename that column"
            )
    X = pd.DataFrame({f.name: col.reset_index(drop=True) for f, col in columns})
    return X, Schema.of(f for f, _ in columns)


def check_rows(n: int, min_rows: int, where: str, after: str = "") -> None:
    if n < min_rows:
        raise DataError(f"{where} has {n} rows{after}; need at least {min_rows} (data.min_rows)")
