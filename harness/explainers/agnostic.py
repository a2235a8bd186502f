"""Any regressor: partial-dependence terms and Friedman's H, from predictions alone.

The fallback for a model no other explainer reads (a scikit-learn regressor
added by one YAML file). On a background sample of the fitting rows
(``max_rows``, drawn with ``random_state``):

* a feature's main term at value v is its centred partial dependence,
  PD_f(v) − mean prediction (Friedman 2001), evaluated at every value the
  rows hold (a feature with more than ``GRID`` distinct values is snapped
  to ``GRID`` evenly ranked representatives);
* a pair's term is the pure interaction PD_ab(va, vb) − PD_a(va) − PD_b(vb) +
  mean prediction on a ``pair_grid`` × ``pair_grid`` grid, for the pairs
  among the ``pair_features`` features with the largest main terms, and
  ``extras["friedman_h2"]`` holds each pair's H² = Σ pure² / Σ (PD_ab −
  mean)² over the rows (Friedman & Popescu 2008): the share of the pair's
  joint effect that is interaction.

For an additive model these terms are exactly its own terms, so importance
(mean |centred term|) means the same as for every other explainer.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.explainers.base import GRID, REFITS, AdditiveExplainer, Decomposition


class PartialDependence(AdditiveExplainer):
    name = "agnostic"

    def __init__(self, max_rows: int = 200, pair_grid: int = 10, pair_features: int = 6, random_state: int = 0,
                 intervals: bool = True, refits: int = REFITS):
        super().__init__(intervals, refits, random_state, max_rows=max_rows, pair_grid=pair_grid, pair_features=pair_features)

    @classmethod
    def applies_to(cls, model) -> bool:
        return hasattr(model, "predict")

    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        p = self.params
        X = X.reset_index(drop=True)
        rng = np.random.default_rng(p["random_state"])
        rows = np.sort(rng.choice(len(X), size=min(len(X), p["max_rows"]), replace=False))
        background = X.iloc[rows].reset_index(drop=True)
        base = float(np.mean(est.predict(background)))
        main = pd.DataFrame(0.0, index=range(len(X)), columns=schema.names)
        curves = {}
        for f in schema.names:
            grid = _grid(X[f], GRID)
            pd_f = _partial(est, background, {f: grid}) - base
            curves[f] = dict(zip(_keys(grid), pd_f))
            main[f] = [curves[f][k] for k in _keys(_snap_to(X[f], grid))]
        top = main.abs().mean().sort_values(ascending=False, kind="stable").index[: p["pair_features"]]
        ordered = [f for f in schema.names if f in set(top)]
        pairs, h2 = {}, {}
        for a, b in combinations(ordered, 2):
            ga, gb = _grid(X[a], p["pair_grid"]), _grid(X[b], p["pair_grid"])
            va, vb = np.repeat(ga, len(gb)), np.tile(gb, len(ga))
            joint = _partial(est, background, {a: va, b: vb}) - base
            main_a = np.array([_nearest(curves[a], v) for v in va])
            main_b = np.array([_nearest(curves[b], v) for v in vb])
            pure = dict(zip(zip(_keys(va), _keys(vb)), joint - main_a - main_b))
            jointly = dict(zip(zip(_keys(va), _keys(vb)), joint))
            keys = list(zip(_keys(_snap_to(X[a], ga)), _keys(_snap_to(X[b], gb))))
            term = np.array([pure[k] for k in keys])
            whole = np.array([jointly[k] for k in keys])
            pairs[(a, b)] = term
            h2[f"{a} x {b}"] = float(np.sum(term**2) / np.sum(whole**2)) if np.sum(whole**2) > 0 else 0.0
        return Decomposition(
            main=main, pairs=pairs, base=base,
            method=(f"partial dependence on {len(background)} background rows (model-agnostic): main terms PD_f − mean, "
                    f"pair terms the pure interaction PD_ab − PD_a − PD_b + mean for the pairs of the {len(ordered)} "
                    "features with the largest main terms; Friedman's H² per pair in the record's extras"),
            extras={"friedman_h2": h2},
        )


def _grid(values: pd.Series, size: int) -> np.ndarray:
    """The distinct values, or ``size`` evenly ranked representatives of them."""
    distinct = pd.unique(values)
    if values.dtype.kind in "fiu":
        distinct = np.sort(distinct)
    if len(distinct) <= size:
        return np.asarray(distinct, dtype=object if values.dtype.kind not in "fiu" else values.dtype)
    return np.asarray(distinct)[np.round(np.linspace(0, len(distinct) - 1, size)).astype(int)]


def _snap_to(values: pd.Series, grid: np.ndarray) -> np.ndarray:
    """Each value as the nearest grid value (numbers), or itself (a grid holding every distinct value)."""
    if values.dtype.kind not in "fiu" or len(grid) == values.nunique():
        return values.to_numpy()
    g = grid.astype(float)
    v = values.to_numpy(dtype=float)
    idx = np.clip(np.searchsorted(g, v), 1, len(g) - 1)
    lower = v - g[idx - 1] <= g[idx] - v
    return np.where(lower, g[idx - 1], g[idx])


def _keys(values) -> list:
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _nearest(curve: dict, v):
    if v in curve:
        return curve[v]
    keys = np.array(list(curve), dtype=float)
    return list(curve.values())[int(np.argmin(np.abs(keys - float(v))))]


def _partial(est, background: pd.DataFrame, settings: dict[str, np.ndarray]) -> np.ndarray:
    """Mean prediction over the background rows with each feature set to each setting (one predict call)."""
    n = len(next(iter(settings.values())))
    batch = background.loc[np.tile(np.arange(len(background)), n)].reset_index(drop=True)
    for f, values in settings.items():
        col = np.repeat(np.asarray(values, dtype=object), len(background))
        batch[f] = pd.Series(col, dtype=background[f].dtype) if background[f].dtype.kind in "fiu" else col
    pred = np.asarray(est.predict(batch), dtype=float)
    return pred.reshape(n, len(background)).mean(axis=1)
