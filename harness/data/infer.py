"""Feature typing shared by the readers (table, Optuna, SMAC3, Ray Tune), so a
hyperparameter gets the same schema whichever way it arrives.

Rules:

* booleans and text are categorical; levels are the distinct values written
  as text (booleans give ``("False", "True")``), numbers sorted numerically,
  text alphabetically. Categorical cells are always ``str`` in ``Dataset.X``.
* numbers are numeric, on a log scale when every value is > 0 and
  max/min >= 100 (``LOG_RATIO``), else linear. A numeric feature with at most
  ``max_levels`` distinct values keeps them as ``levels``; otherwise it is
  continuous with ``low``/``high`` = min/max. Columns whose values are all
  whole numbers within int64 are stored as int64, others as float64 (1e19 and
  1e300 stay what they are). A whole number that float64, the type every
  model is fed, cannot hold exactly (2**53 + 1, 12345678901234567891) is
  refused with its row: two of them would become one value.
* text is read once, by ``from_text``, whoever wrote it (a CSV or TSV cell, a
  DataFrame's or a JSON file's string): true/false words are booleans;
  numbers are numbers, and the spellings of "no value" among them
  (``NA_TOKENS``) are missing; a code with a leading zero (``007``, ``01``)
  makes its column text, since ``001``, ``01`` and ``1`` are three codes, not
  one number. A column of numbers with a few stray words is an error naming
  the first, not a categorical feature.

Conditional parameters (empty cells, parameters a trial did not set):

* a categorical feature gets the level ``ABSENT`` = "absent" (last). A real
  level of that name in a feature that also has unset rows is an error, so
  the two never merge. The name holds none of ``[ ] <``, which XGBoost
  rejects in feature names (the encoder makes ``name=level`` columns).
* a numeric feature is filled with the low end of its domain, so it keeps one
  clean domain (a log scale stays valid; no sentinel outside the range).
* features unset on exactly the same rows share one *condition*, and a
  condition that governs a numeric feature gets one indicator column
  ("False"/"True") after its first numeric feature, so a model can tell "not
  set" from "set to its lowest value" without one identical column per
  child. A condition declared by the tool (SMAC3's configuration space) names
  it: ``active_<parent>_in_{sgd,adam}`` (spaces become ``_``; ``<``/``>``
  become ``lt``/``gt``, ``[ ]`` become ``( )``); otherwise it is
  ``has_<first numeric feature>``, as for a table's single empty column.
* ``Dataset.conditions`` lists each condition (its features,
  indicator, text and active-row count); ``active_masks`` gives the rows
  where each conditional feature is set, so a report can read a conditional
  feature's shape and importance over those rows and give their share.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from harness.data.dataset import Condition
from harness.data.schema import Feature, Schema
from harness.errors import ConfigError, DataError
from harness.text import safe_name

SCALES = ("linear", "log", "categorical")
LOG_RATIO = 100.0
ABSENT = "absent"
INDICATOR_LEVELS = ("False", "True")

# Spellings of "no value" that pandas reads as missing by default; here they are missing only in a column
# of numbers (an R or spreadsheet export), and stay text where they are a level ("None" as an optimizer choice).
NA_TOKENS = {"NA", "N/A", "n/a", "NaN", "nan", "-nan", "NULL", "null", "None", "#N/A", "<NA>", "-NaN", "#NA"}
# The words pandas reads as booleans.
BOOL_TEXT = {"True": True, "TRUE": True, "true": True, "False": False, "FALSE": False, "false": False}
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+")
_CODE = re.compile(r"[+-]?0\d")  # an integer part with a leading zero: 007, 01, 00.5
EXACT = 2 ** 53  # every integer up to this is a float64; above it, not every one
INT64 = 2 ** 63


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


def categorical(name: str, values: pd.Series, levels=None, label: str = "",
                always: bool = False) -> tuple[Feature, pd.Series]:
    """A categorical feature and its text column; ``levels`` (in their order) or the sorted distinct values.

    ``always``: the feature is known to be conditional, so it has the ``ABSENT`` level even where every row
    at hand holds a value (the columns then do not depend on which rows were drawn).
    """
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
        if ABSENT in names:
            raise DataError(f"feature {name!r} has a level {ABSENT!r} and unset values, which get that level; "
                            f"rename the level")
        names.append(ABSENT)
    return Feature(name, scale="categorical", levels=tuple(names), label=label), col


def numeric_column(values: np.ndarray) -> pd.Series:
    """Numbers as int64 when every one is whole and within int64, else as float64 (never cast out of range)."""
    v = np.asarray(values, dtype=float)
    whole = np.isfinite(v).all() and np.equal(np.mod(v, 1), 0).all() and ((v >= -INT64) & (v < INT64)).all()
    return pd.Series(v.astype("int64") if whole else v)


def from_text(cells: pd.Series) -> pd.Series:
    """A column of text cells (empty ones missing) as the values they stand for; see the module docstring.

    Booleans come back as bools (object dtype where some are missing); numbers as int64 (whole, within int64,
    none missing), float64 (correctly rounded; whole ones only up to 2**53, where float64 is exact) or, for
    whole numbers beyond that, Python ints (object dtype) that ``floats`` checks; text as it was written.
    """
    present = cells.notna().to_numpy()
    text = cells[present].astype(str)
    if text.empty:
        return cells
    if text.isin(BOOL_TEXT.keys()).all():
        return pd.Series([BOOL_TEXT[v] if ok else np.nan for v, ok in zip(cells, present)],
                         index=cells.index, name=cells.name, dtype=bool if present.all() else object)
    stripped = text.str.strip()
    number = stripped.str.fullmatch(_NUMBER).to_numpy(dtype=bool)
    missing = stripped.isin(NA_TOKENS).to_numpy()
    if not number.any() or not (number | missing).all() or stripped[number].str.match(_CODE).any():
        return cells
    texts = stripped[number].tolist()  # Python strings: iterating the column itself is slow
    rows = np.flatnonzero(present)[number]
    if not stripped[number].str.fullmatch(_INTEGER).all():
        out = np.full(len(cells), np.nan)
        out[rows] = np.array(texts, dtype=float)  # numpy parses text as float() does: correctly rounded
        return pd.Series(out, index=cells.index, name=cells.name)
    values = [int(v) for v in texts]
    if len(values) == len(cells) and -INT64 <= min(values) and max(values) < INT64:
        return pd.Series(values, index=cells.index, name=cells.name, dtype="int64")
    exact = -EXACT <= min(values) and max(values) <= EXACT
    out = np.full(len(cells), np.nan, dtype=float if exact else object)
    out[rows] = values
    return pd.Series(out, index=cells.index, name=cells.name)


def has_codes(cells: pd.Series) -> bool:
    """Whether a column of text holds a code with a leading zero (``007``): text then, never a number."""
    text = [v.strip() for v in cells.dropna() if isinstance(v, str)]
    return any(_CODE.match(v) and _NUMBER.fullmatch(v) for v in text)


def floats(values: pd.Series, locate: Callable[[int], str], name: str) -> np.ndarray:
    """The column's numbers (NaN where missing) as float64, the type every model is fed; a whole number that
    float64 cannot hold exactly is refused (``locate(i)`` names the i-th value's origin)."""
    raw = values.to_numpy()
    if raw.dtype.kind in "iu":
        big = np.flatnonzero((raw > EXACT) | (raw < -EXACT))
    else:
        big = np.flatnonzero([isinstance(v, (int, np.integer)) and not isinstance(v, bool) and abs(int(v)) > EXACT
                              for v in raw])
    for i in big:
        if float(int(raw[i])) != int(raw[i]):
            raise DataError(f"{locate(i)}, column {name}: {int(raw[i])} is a whole number beyond 2**53 that a "
                            f"double-precision number cannot hold exactly (it would read as {float(int(raw[i])):.17g}); "
                            f"set data.types.{name}=categorical to read the column as codes")
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def observed_numeric(name: str, values: np.ndarray, scale: str, max_levels: int, label: str = "") -> Feature:
    """A numeric feature whose domain is what the column holds (NaNs ignored)."""
    v = values[~np.isnan(values)]
    distinct = np.unique(v)
    if scale == "log" and distinct.size and distinct[0] <= 0:
        raise DataError(f"feature {name!r}: a log scale needs values > 0, found {distinct[0]:g}")
    if distinct.size <= max_levels:
        return Feature(name, scale=scale, levels=tuple(distinct.tolist()), label=label)
    return Feature(name, scale=scale, low=float(distinct[0]), high=float(distinct[-1]), label=label)


def typed(name: str, col: pd.Series, scale: str | None, max_levels: int, source: str,
          locate: Callable[[int], str]) -> tuple[Feature, pd.Series]:
    """The feature of one column of raw values and its column (NaN where a numeric value is unset).

    ``scale`` is the user's type for it (``data.types``), None to infer one; ``source`` names the column's
    origin in messages, ``locate(i)`` the origin of its i-th value.
    """
    if col.isna().all():
        raise DataError(f"{source}, column {name}: the column holds no values; leave it out of data.features")
    if scale is None and is_text_column(col) and all(isinstance(v, str) for v in col.dropna()):
        col = from_text(col)  # a DataFrame's or a JSON file's text, read as a table's cells are
    if scale is None and is_text_column(col):
        if is_bool_column(col) or has_codes(col) or not _mostly_numbers(col):
            return categorical(name, col)
        bad = np.flatnonzero(col.notna().to_numpy() & pd.to_numeric(col, errors="coerce").isna().to_numpy())
        if bad.size:
            raise DataError(
                f"{locate(bad[0])}, column {name}: {col.iloc[bad[0]]!r} is not a number, "
                f"though the column is otherwise numeric; fix the cell, or set data.types.{name}=categorical"
            )
    if scale == "categorical":
        return categorical(name, col)
    values = floats(col, locate, name)
    bad = np.flatnonzero((col.notna().to_numpy() & np.isnan(values)) | np.isinf(values))
    if bad.size:
        raise DataError(
            f"{locate(bad[0])}, column {name}: {_shown(col.iloc[bad[0]])} is not a finite number"
            + (f" (data.types.{name}={scale})" if scale else "")
        )
    scale = scale or log_or_linear(values)
    try:
        feature = observed_numeric(name, values, scale, max_levels)
    except DataError as exc:
        raise DataError(f"{source}, column {name}: {exc}") from None
    return feature, pd.Series(values)


def check_scalars(col: pd.Series, source: str, name: str) -> None:
    """A column holds one value per cell: a list or a struct (a Parquet nested column) is refused by name."""
    nested = next((v for v in col.dropna() if isinstance(v, (list, tuple, dict, set, np.ndarray))), None)
    if nested is not None:
        raise DataError(f"{source}, column {name}: holds nested values ({type(nested).__name__}s such as "
                        f"{_shown(nested)[:60]}), not one value per cell; flatten it into columns, or leave it out "
                        f"with data.features")


def _mostly_numbers(col: pd.Series) -> bool:
    """At least half the distinct values read as numbers: a numeric column with a typo, not a text one."""
    distinct = pd.Series(col.dropna().unique())
    return 2 * int(pd.to_numeric(distinct, errors="coerce").notna().sum()) >= len(distinct)


def _shown(value) -> str:
    """A cell as the file holds it: ``'abc'``, ``inf`` (not ``np.float64(inf)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def assemble(columns: list[tuple[Feature, pd.Series]], where: str,
             declared: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, Schema, list[Condition]]:
    """The feature table, its schema and its conditions, from (feature, column) pairs.

    Numeric columns may hold NaN where a parameter is not set, categorical ones
    ``ABSENT``. Features absent on exactly the same rows share one condition;
    a condition that governs a numeric feature gets one indicator column, put
    after its first numeric feature, and its numeric features are filled with
    their ``low`` there. ``declared`` maps a feature to the text of its declared
    condition (e.g. ``"solver in {sgd,adam}"``): features that share a declared
    condition form one condition (with its indicator even if every row at hand
    is active), named by that text; an undeclared one is named by its first
    numeric feature. The
    conditions come back as records (``features``, ``indicator``, ``condition``,
    ``active_rows``, :class:`~harness.data.dataset.Condition`) for ``Dataset.conditions``; ``active_masks`` turns
    them back into rows.
    """
    declared = declared or {}
    order = {f.name: i for i, (f, _) in enumerate(columns)}
    absent, by_text, by_rows = {}, {}, {}
    for f, col in columns:
        absent[f.name] = (col == ABSENT).to_numpy() if f.is_categorical else col.isna().to_numpy()
        if f.name in declared:  # a declared condition exists whichever rows are at hand
            by_text.setdefault(declared[f.name], []).append(f.name)
        elif absent[f.name].any():
            by_rows.setdefault(absent[f.name].tobytes(), []).append(f.name)
    groups = []  # (declared text or None, members in column order)
    for text, members in by_text.items():  # undeclared features unset on the same rows join the declared condition
        joined = members + by_rows.pop(absent[members[0]].tobytes(), [])
        groups.append((text, sorted(joined, key=order.get)))
    groups += [(None, members) for members in by_rows.values()]
    groups.sort(key=lambda g: order[g[1][0]])
    features = {f.name: f for f, _ in columns}
    conditions, after = [], {}
    for stated, members in groups:
        text = stated or f"{members[0]} is set"
        numeric = [m for m in members if not features[m].is_categorical]
        indicator = None
        if numeric:
            indicator = Feature(indicator_name(numeric[0], stated), scale="categorical",
                                levels=INDICATOR_LEVELS, label=f"{text} ({', '.join(members)})")
            after[numeric[0]] = (indicator, pd.Series(np.where(absent[members[0]], "False", "True"), dtype=object))
        conditions.append(Condition(features=tuple(members), indicator=None if indicator is None else indicator.name,
                                    condition=text, active_rows=int((~absent[members[0]]).sum())))
    out = []
    for f, col in columns:
        if not f.is_categorical:
            col = numeric_column(np.where(absent[f.name], f.low, col.to_numpy(dtype=float)))
        out.append((f, col))
        if f.name in after:
            out.append(after[f.name])
    names = [f.name for f, _ in out]
    for f, _ in after.values():
        if names.count(f.name) > 1:
            raise DataError(f"{where}: the indicator {f.name!r} of the condition {f.display!r} clashes with a "
                            f"column of the same name; rename that column")
    X = pd.DataFrame({f.name: col.reset_index(drop=True) for f, col in out})
    return X, Schema.of(f for f, _ in out), conditions


def indicator_name(feature: str, condition: str | None) -> str:
    """``active_<condition>`` for a declared condition, else ``has_<feature>``; see the module docstring."""
    if condition is None:
        return f"has_{feature}"
    return safe_name("active_" + "_".join(condition.split()))


def active_masks(X: pd.DataFrame, conditions) -> dict[str, np.ndarray]:
    """Per conditional feature, a boolean mask of the rows of ``X`` where it is set.

    ``conditions`` is ``Dataset.conditions``; ``X`` any rows of that
    dataset's table (a subset keeps the columns the masks are read from).
    Features missing from the dict are set on every row.
    """
    masks = {}
    for c in conditions:
        if c.indicator is not None:
            mask = X[c.indicator].to_numpy() == INDICATOR_LEVELS[1]
        else:
            mask = X[c.features[0]].to_numpy() != ABSENT
        masks.update({name: mask for name in c.features})
    return masks


def typed_digest(X: pd.DataFrame, schema: Schema) -> str:
    """The SHA-256 of a typed feature table's values and its features' types and domains: what the models are
    fed, for a fingerprint that changes when the reading of the same file does (a file's hash and the options
    alone would not). Names are left out, as content fingerprints leave them: the cell cache keeps them apart."""
    h = hashlib.sha256(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    domains = [{k: v for k, v in f.describe().items() if k not in ("name", "label")} for f in schema]
    h.update(json.dumps(domains, sort_keys=True, default=str).encode())
    return h.hexdigest()


def check_scores(y, where: str, what: str = "scores") -> None:
    """Scores a model can be fitted to and scored on: their mean and variance finite in double precision. Costs
    of ±1.7e308 are each finite, but their mean, their spread and every squared error of them are not."""
    y = np.asarray(y, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        ok = bool(np.isfinite(np.var(y)))  # the mean too
    if not ok:
        raise DataError(f"{where}: {what} from {y.min():.4g} to {y.max():.4g} overflow double-precision arithmetic "
                        f"(their mean or spread is infinite); rescale them")


def check_rows(n: int, min_rows: int, where: str, after: str = "") -> None:
    if n < min_rows:
        raise DataError(f"{where} has {n} rows{after}; need at least {min_rows} (data.min_rows)")
