"""Per-feature schema: the declared domain and scale of each hyperparameter.

Surrogates and HPO methods that need numbers on a common footing (ridge,
GP kernels, graph distances) ask the schema to scale raw values; everything
that talks to people (tables, plots) keeps the raw values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from harness.text import safe_names

Scale = Literal["linear", "log", "categorical"]


@dataclass(frozen=True)
class Feature:
    """One hyperparameter: its name, the values it may take and its scale.

    ``levels`` is the declared domain (sorted for numeric features, in the
    given order for categorical ones); an empty tuple means a continuous
    numeric feature whose range is ``(low, high)``.
    """

    name: str
    scale: Scale = "linear"
    levels: tuple = ()
    low: float | None = None
    high: float | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.scale not in ("linear", "log", "categorical"):
            raise ValueError(f"feature {self.name!r}: scale must be linear, log or categorical, got {self.scale!r}")
        if self.scale == "categorical":
            if not self.levels:
                raise ValueError(f"feature {self.name!r}: a categorical feature needs its levels")
            return
        if self.levels:
            levels = tuple(sorted(float(v) for v in self.levels))
            object.__setattr__(self, "levels", levels)
            object.__setattr__(self, "low", levels[0] if self.low is None else float(self.low))
            object.__setattr__(self, "high", levels[-1] if self.high is None else float(self.high))
        if self.low is None or self.high is None:
            raise ValueError(f"feature {self.name!r}: a numeric feature needs levels or low/high")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"feature {self.name!r}: log scale needs positive values, low={self.low}")

    @property
    def display(self) -> str:
        return self.label or self.name

    @property
    def is_categorical(self) -> bool:
        return self.scale == "categorical"

    @property
    def is_discrete(self) -> bool:
        return bool(self.levels)

    def to_unit(self, values, log=np.log) -> np.ndarray:
        """Map numeric values onto [0, 1] of the declared range (log-aware).

        Values outside the declared range map outside [0, 1]; that is what a
        model sees of an unseen value, and it is left for the caller to see.
        ``log`` is the logarithm of a log scale (the synthetic generator's is
        ``harness.libm.log``: the same whichever kernels numpy picks).
        """
        if self.is_categorical:
            raise TypeError(f"feature {self.name!r} is categorical; use Schema.scaled for one-hot columns")
        v = np.asarray(values, dtype=float)
        lo, hi = float(self.low), float(self.high)
        if self.scale == "log":
            v, lo, hi = log(v), log(lo), log(hi)
        if hi == lo:
            return np.zeros_like(v)
        return (v - lo) / (hi - lo)

    def outside(self, values) -> np.ndarray:
        """Boolean mask of values outside the declared domain."""
        s = pd.Series(values)
        if self.levels:
            if self.is_categorical:
                return ~s.isin(self.levels).to_numpy()
            return ~np.isclose(
                s.to_numpy(dtype=float)[:, None], np.asarray(self.levels, dtype=float)[None, :], rtol=1e-9
            ).any(axis=1)
        v = s.to_numpy(dtype=float)
        return (v < self.low) | (v > self.high)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "scale": self.scale,
            "levels": list(self.levels),
            "low": self.low,
            "high": self.high,
            "label": self.display,
        }


@dataclass(frozen=True)
class Column:
    """One column a model is fed: its ``name``, the ``feature`` it encodes and, for a one-hot column, the ``level``
    it indicates (None for a column holding the feature itself)."""

    name: str
    feature: str
    level: object = None


@dataclass(frozen=True)
class Schema:
    """The features of one table, in column order.

    ``columns()`` is the table's one map between features and the columns models are fed: each feature as one
    column, and each level of a categorical feature as one one-hot column (``name=level``), every column named
    by ``harness.text.safe_names`` over all of them: accepted by every model library and distinct, so no two
    columns merge, and read back through the map, never by parsing a name.
    """

    features: tuple[Feature, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            raise ValueError(f"schema has duplicate feature names: {names}")

    @classmethod
    def of(cls, features: Iterable[Feature]) -> "Schema":
        return cls(tuple(features))

    @classmethod
    def observed(cls, X: pd.DataFrame) -> "Schema":
        """The plainest schema of a frame: numbers linear over their observed range, anything else categorical.

        For an estimator used outside the harness, where no declared schema comes with the data.
        """
        features = []
        for name in X.columns:
            col = X[name]
            if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                v = col.to_numpy(dtype=float)
                low, high = (float(np.nanmin(v)), float(np.nanmax(v))) if np.isfinite(v).any() else (0.0, 1.0)
                features.append(Feature(str(name), low=low, high=high if high > low else low + 1.0))
            else:
                levels = tuple(sorted({str(x) for x in col.dropna()})) or ("",)
                features.append(Feature(str(name), scale="categorical", levels=levels))
        return cls(tuple(features))

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def __getitem__(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(f"no feature {name!r} in schema; known: {', '.join(self.names)}")

    def __iter__(self):
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def label(self, name: str) -> str:
        return self[name].display

    @cached_property
    def _spelled(self) -> dict[tuple[str, object], str]:
        """(feature, level or None) -> column name, over every column any encoding makes (see the class docstring)."""
        keys = [(f.name, None) for f in self.features]
        keys += [(f.name, level) for f in self.features if f.is_categorical for level in f.levels]
        return dict(zip(keys, safe_names(name if level is None else f"{name}={level}" for name, level in keys)))

    def columns(self, onehot: bool = True) -> tuple[Column, ...]:
        """The columns a model is fed, in schema order: a numeric feature as one column; a categorical one as its
        one-hot columns in declared level order (``onehot``) or as one column."""
        out = []
        for f in self.features:
            levels = f.levels if onehot and f.is_categorical else (None,)
            out += [Column(self._spelled[f.name, level], f.name, level) for level in levels]
        return tuple(out)

    def column(self, name: str) -> Column | None:
        """The column a model was fed under ``name`` (in either encoding), or a feature's own name as the raw frame
        holds it; None if no column of this table has that name."""
        found = self._by_name.get(name)
        if found is None and name in self.names:
            return Column(name, name)
        return found

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {name: Column(name, feature, level) for (feature, level), name in self._spelled.items()}

    def scaled(self, X: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Numeric matrix of the features on a common footing, under the names of ``columns(onehot=True)``.

        Numeric features go to [0, 1] of their declared range (log-scaled
        where declared); categorical features become one-hot columns
        ``name=level`` in the declared level order. ``columns``: these
        features only.
        """
        out = {}
        for f in self.features:
            if columns is not None and f.name not in columns:
                continue
            if f.is_categorical:
                col = X[f.name].astype(object)
                for level in f.levels:
                    out[self._spelled[f.name, level]] = (col == level).to_numpy(dtype=float)
            else:
                out[self._spelled[f.name, None]] = f.to_unit(X[f.name].to_numpy(dtype=float))
        return pd.DataFrame(out, index=X.index)

    def unit(self) -> "Schema":
        """The schema of ``scaled()`` output: the same features, each on a linear [0, 1] range."""
        feats = []
        for f in self.features:
            if f.is_categorical:
                raise TypeError(f"feature {f.name!r} is categorical: scaled values exist for numeric features only")
            levels = tuple(float(v) for v in f.to_unit(f.levels)) if f.levels else ()
            feats.append(Feature(f.name, scale="linear", levels=levels, low=0.0, high=1.0, label=f.label))
        return Schema(tuple(feats))

    def outside_mask(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per cell: is the value outside this schema's declared domain?"""
        return pd.DataFrame({f.name: f.outside(X[f.name]) for f in self.features}, index=X.index)

    def describe(self) -> list[dict]:
        return [f.describe() for f in self.features]
