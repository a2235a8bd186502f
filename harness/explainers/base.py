"""The explainer contract, and the one currency every additive explanation is written in.

An explainer turns a fitted model and the rows it was fitted on into an
:class:`~harness.interpretation.Interpretation` (``Explainer.explain``).
Most reduce the model to per-row additive terms first (a
:class:`Decomposition`: one main term per feature and, where the model has
them, one term per pair of features); ``record_of`` then centres each term
over the rows and summarises it, so every such explainer measures the same
thing: **importance = mean |centred term| over the fitting rows, in target
units** (the paper's definition and InterpretML's ``term_importances()``).
Shapes are the mean centred main term per raw value present in the rows
(with the number of rows holding it); interaction surfaces the mean centred
pair term per pair of raw values present (a feature with more than ``GRID``
distinct values is snapped to ``GRID`` evenly ranked representatives). A
conditional hyperparameter is read over the rows where it is set, here and
only here, so every additive explainer reports it the same way.
Models fed schema-scaled values (``feed="scaled"``) are still reported in
raw values: scaling is one-to-one.

Cached explanations are keyed by ``Explainer.version()``: a digest of the
explainer's code and parameters, so a change to either recomputes them.
"""
from __future__ import annotations

import abc
import hashlib
import inspect
import json
import sys
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.infer import active_masks
from harness.data.schema import Schema
from harness.interpretation.record import IMPORTANCE_COLUMNS, INTERACTION_COLUMNS, SHAPE_COLUMNS, Interpretation, pair_term

GRID = 32


@dataclass
class Decomposition:
    """A fitted model's per-row additive terms on the rows it was given, before centring.

    ``base + main.sum(1) + sum(pairs)`` is the prediction at every row;
    ``band`` is a per-row half-width of each main term where the model has
    one. Rows are numbered 0..n-1 in the order of the input. ``extras``
    travel with the record (EBM's own JSON export).
    """

    main: pd.DataFrame
    pairs: dict[tuple[str, str], np.ndarray]
    base: float
    method: str
    band: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)


class Explainer(abc.ABC):
    """Fitted model + the rows it was fitted on → Interpretation.

    Constructor parameters are stored verbatim in ``params`` and are part of
    ``version()``. ``applies_to(model)`` says whether the explainer can read
    this kind of fitted model (the final step of a pipeline); the registry
    uses it to pick an explainer for a surrogate that names none.
    """

    name: ClassVar[str]

    def __init__(self, **params):
        self.params = params

    @abc.abstractmethod
    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        """The record of ``est`` (fitted on ``data`` as ``feed`` presents it), labelled with ``data.name``."""

    @classmethod
    def applies_to(cls, model) -> bool:
        return False

    def version(self) -> str:
        """Digest of this explainer's code (its module and this one) and its parameters."""
        modules = {sys.modules[c.__module__] for c in type(self).__mro__ if c.__module__ not in ("builtins", "abc")}
        h = hashlib.sha256()
        for module in sorted(modules, key=lambda m: m.__name__):
            h.update(module.__name__.encode())
            h.update(inspect.getsource(module).encode())
        h.update(json.dumps(self.params, sort_keys=True, default=str).encode())
        return f"{self.name}:{h.hexdigest()[:16]}"


class AdditiveExplainer(Explainer):
    """An explainer that reads the model as additive terms; the record follows from them."""

    @abc.abstractmethod
    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        """Per-row terms of ``est`` on ``X`` (what it was fed), features as ``schema`` names them."""

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        dec = self.decompose(est, *data.features(feed))
        record = record_of(dec, data, surrogate="")
        record.extras = dec.extras
        return record


def columns_of(columns, schema: Schema) -> dict[str, list[int]]:
    """Encoded column positions per schema feature, by the schema's column map (``Schema.column``: the encoder's
    names, a one-hot column with its feature), never by parsing a name."""
    out: dict[str, list[int]] = {f: [] for f in schema.names}
    for i, c in enumerate(columns):
        column = schema.column(c)
        if column is None:
            raise ValueError(f"encoded column {c!r} belongs to no feature of the schema ({', '.join(schema.names)})")
        out[column.feature].append(i)
    return out


def final_step(est):
    """The fitted model inside a pipeline, and a function giving what it is fed from the pipeline's input."""
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        return est.steps[-1][1], est[:-1].transform
    return est, lambda X: X


# ---------------------------------------------------------------- the record


def record_of(dec: Decomposition, train: Dataset, surrogate: str) -> Interpretation:
    """Centre every term over the rows and summarise it per raw value (see the module docstring).

    A conditional hyperparameter's term (and a pair term holding one) is centred and summarised over the rows
    where it is set (``harness.data.infer.active_masks``): the filler its unset rows hold is no value of it.
    """
    X, schema = train.X.reset_index(drop=True), train.schema
    active = active_masks(X, train.conditions)
    everywhere = np.ones(len(X), dtype=bool)
    rows = {f: active.get(f, everywhere) for f in schema.names}
    rows.update({(a, b): rows[a] & rows[b] for a, b in dec.pairs})
    main = dec.main - dec.main.mean()
    pairs = {k: v - v.mean() for k, v in dec.pairs.items()}
    for f in active:  # conditional: centred over its own rows (NaN elsewhere, where it is never read)
        main[f] = _centred_on(dec.main[f].to_numpy(dtype=float), rows[f])
    for k in pairs:
        if not rows[k].all():
            pairs[k] = _centred_on(np.asarray(dec.pairs[k], dtype=float), rows[k])
    imp = [(f, "main", f, None, _mean_abs(main[f][rows[f]])) for f in schema.names]
    imp += [(pair_term(a, b), "pair", a, b, _mean_abs(v[rows[a, b]])) for (a, b), v in pairs.items()]
    shapes = []
    for f in schema.names:
        frame = pd.DataFrame({"value": X[f], "c": main[f], "band": np.nan if dec.band is None else dec.band[f]})[rows[f]]
        g = frame.groupby("value", sort=False)
        per = pd.DataFrame({"c": g["c"].mean(), "band": g["band"].mean(), "n": g.size()})
        per = per.loc[_ordered(schema[f], per.index)]  # one look-up: a continuous feature has a value per row
        shapes += [(f, _plain(v), float(c), float(c - band), float(c + band), int(n)) for v, c, band, n in per.itertuples()]
    surfaces = []
    for (a, b), v in pairs.items():
        on = rows[a, b]
        frame = pd.DataFrame({"a": _snap(X[a][on]), "b": _snap(X[b][on]), "c": v[on]})
        per = frame.groupby(["a", "b"], sort=False)["c"].mean()
        if not len(per):
            continue
        rank_a = {va: i for i, va in enumerate(_ordered(schema[a], per.index.levels[0]))}
        rank_b = {vb: i for i, vb in enumerate(_ordered(schema[b], per.index.levels[1]))}
        cells = sorted(per.index, key=lambda ab: (rank_a[ab[0]], rank_b[ab[1]]))
        surfaces += [(a, b, _plain(va), _plain(vb), float(c)) for (va, vb), c in per.loc[cells].items()]
    terms = {**{f: f for f in schema.names}, **{(a, b): pair_term(a, b) for a, b in pairs}}
    return Interpretation(
        surrogate=surrogate,
        dataset=train.name,
        method=dec.method,
        importances=pd.DataFrame(imp, columns=IMPORTANCE_COLUMNS),
        shapes=pd.DataFrame(shapes, columns=SHAPE_COLUMNS),
        interactions=pd.DataFrame(surfaces, columns=INTERACTION_COLUMNS),
        active={terms[k]: float(on.mean()) for k, on in rows.items() if not on.all()},
    )


def _centred_on(values: np.ndarray, on: np.ndarray) -> np.ndarray:
    """``values`` centred to mean 0 over the rows ``on``; NaN on the others."""
    out = np.full(len(values), np.nan)
    if on.any():
        out[on] = values[on] - values[on].mean()
    return out


def _mean_abs(values) -> float:
    """Mean |term| over the rows given; 0 where there are none (a term that never acts on the data moves nothing)."""
    return float(np.mean(np.abs(values))) if len(values) else 0.0


def _ordered(feature, values) -> list:
    """Declared level order for categorical features, ascending otherwise."""
    values = list(values)
    if feature.is_categorical:
        return [v for v in feature.levels if v in values] + [v for v in values if v not in feature.levels]
    return sorted(values)


def _snap(values: pd.Series) -> pd.Series:
    """Each value replaced by the nearest of GRID evenly ranked representatives, when it has more distinct values."""
    distinct = np.sort(values.unique()) if values.dtype.kind in "fiu" else None
    if distinct is None or len(distinct) <= GRID:
        return values
    grid = distinct[np.round(np.linspace(0, len(distinct) - 1, GRID)).astype(int)]
    idx = np.clip(np.searchsorted(grid, values.to_numpy()), 1, GRID - 1)
    lower_closer = values.to_numpy() - grid[idx - 1] <= grid[idx] - values.to_numpy()
    return pd.Series(np.where(lower_closer, grid[idx - 1], grid[idx]), index=values.index)


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v
