"""fANOVA (Hutter, Hoos & Leyton-Brown, ICML 2014) of a scikit-learn random forest, read off its own trees.

A regression tree is a sum of leaf boxes, so its functional-ANOVA
decomposition over a product measure μ = ∏_f μ_f of the features is exact and
closed-form. For one tree with leaves l (value v_l, box B_l) let r_f(l) be the
μ_f-mass of B_l along feature f (its encoded columns). Then

* f₀ = Σ_l v_l ∏_f r_f(l) and V = Σ_l ∏_f r_f(l) (v_l − f₀)² (the tree's variance over μ);
* the marginal of a set S at x_S is a_S(x_S) = Σ_l v_l [x_S ∈ B_l] ∏_{f∉S} r_f(l);
* V_f = Var_μ a_f, and a pair's pure variance V_fg = Var_μ a_fg − V_f − V_g.

Between consecutive split thresholds of the tree a marginal is constant, so
each variance is a finite sum over the tree's cells, and a leaf is a
rectangle of cells: a marginal is painted onto the cells with a difference
array and a leaf's mass read off a summed-area table, so a tree costs time
linear in its leaves and cells (a pair's cells: the product of its two
features'), where Optuna's evaluator walks the tree in Python once per cell.
Importance = V_f / V and V_fg / V per tree, averaged over the trees
with V > 0, as fANOVA and Optuna's ``FanovaImportanceEvaluator`` do: **units
are fractions of variance**, not target units. Shapes are the marginal curves
a_f − f₀ at every value the fitting rows hold, mean over trees with a band of
± their standard deviation across trees (centred over μ, not over the rows);
interactions are the pure pair terms a_fg − a_f − a_g + f₀ on the value pairs
present (thinned to ``GRID`` values per feature like every record).

``domain`` says what μ is:

* ``uniform`` (default): each numeric feature uniform over the schema's
  declared ``[low, high]`` *in the units the model is fed*. The ``fanova``
  surrogate feeds raw values as Optuna does (``transform_log=False``), so a
  log-scale hyperparameter is integrated uniformly in raw units; feed
  ``numeric: unit`` to integrate log-uniformly, as the original fANOVA does
  through ConfigSpace. Categorical features follow ``categorical``:
  ``box`` (default, Optuna's treatment) makes each one-hot column uniform on
  [0, 1], which also weights indicator patterns that are no level; ``levels``
  gives each declared level mass 1/k, as the original fANOVA's categorical
  splits do.
* ``observed``: each feature distributed as in the fitting rows (the product
  of the rows' empirical marginals, so the decomposition stays orthogonal):
  the importance of a hyperparameter over the values actually tried, weighted
  as often as they were tried (``categorical`` plays no part).

On the same forest (same encoded rows, same ``random_state``) the uniform
single-feature fractions equal Optuna's; a test checks both that and the pair
fractions against brute-force integration over every cell of small forests.

**Intervals.** The importance is the mean of the trees' fractions, and each
tree of a random forest is fitted on a bootstrap resample of the rows: the
trees' fractions are bootstrap replicates of a one-tree estimate, whose
spread bounds the forest's (``intervals: false`` turns them off):
estimate ± t × their standard deviation.
A single tree has none: it is refitted on ``refits`` bootstrap resamples.
The sense is global: the uniform domain is the declared search space (the
``observed`` domain, the rows' marginals, stands for it as far as the rows
sample it).
"""
from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.errors import ConfigError
from harness.explainers.base import (REFITS, Explainer, Replicates, _ordered, _plain, _snap, columns_of, final_step, finish,
                                     interval_params, refit_replicates)
from harness.interpretation.intervals import TERM_COLUMNS, Rule
from harness.interpretation.record import INTERACTION_COLUMNS, SHAPE_COLUMNS, Interpretation, pair_term

DOMAINS = ("uniform", "observed")
CATEGORICAL = ("box", "levels")
MAX_CELLS = 1 << 22  # cells of one feature's (or one pair's) grid in one tree: a one-hot box has 2**k


class FANOVA(Explainer):
    name = "fanova"

    def __init__(self, domain: str = "uniform", categorical: str = "box", pairs: bool = True, intervals: bool = True,
                 refits: int = REFITS, random_state: int = 0):
        if domain not in DOMAINS:
            raise ConfigError(f"explainer fanova: domain must be one of {', '.join(DOMAINS)}, got {domain!r}")
        if categorical not in CATEGORICAL:
            raise ConfigError(f"explainer fanova: categorical must be one of {', '.join(CATEGORICAL)}, got {categorical!r}")
        if not isinstance(pairs, bool):
            raise ConfigError(f"explainer fanova: pairs must be true or false, got {pairs!r}")
        super().__init__(domain=domain, categorical=categorical, pairs=pairs,
                         **interval_params(self.name, intervals, refits, random_state))

    @classmethod
    def applies_to(cls, model) -> bool:
        return _trees_of(model) is not None

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        model, encode = final_step(est)
        trees = _trees_of(model)
        if trees is None:
            raise TypeError(f"fANOVA reads scikit-learn random forests, extra-trees and single trees, not {type(model).__name__}")
        X, schema = data.features(feed)
        X = X.reset_index(drop=True)
        Xm = encode(X)
        columns = columns_of(Xm.columns, schema)
        measures = {f: self._measure(schema[f], columns[f], X, Xm, encode) for f in schema.names}
        raw = data.X.reset_index(drop=True)  # records speak in raw values; Xm is row-aligned with them
        values = {f: _present(raw[f], raw[f], Xm, columns[f], data.schema[f]) for f in schema.names}
        snapped = {f: _present(_snap(raw[f]), raw[f], Xm, columns[f], data.schema[f]) for f in schema.names}
        pairs = list(itertools.combinations(schema.names, 2)) if self.params["pairs"] else []
        per_tree = [_decompose(_Tree.of(t, Xm.shape[1]), measures, values, snapped, pairs) for t in trees]
        record = _record(per_tree, data, schema.names, pairs, values, snapped, self._method(type(model).__name__, len(trees)))
        return finish(record, self._replicates(est, data, feed, per_tree, record))

    def _replicates(self, est, data: Dataset, feed: str, per_tree: list, record: Interpretation) -> Replicates | str:
        """The trees' fractions (a forest), or bootstrap refits (a single tree)."""
        if not self.intervals:
            return "intervals: false"
        kept = [t for t in per_tree if t.variance > 0]
        if len(per_tree) >= 2:
            return Replicates(pd.DataFrame([_fractions(t) for t in kept]), Rule("spread"),
                              f"the forest's {len(kept)} trees (each fitted on a bootstrap resample of the rows)")
        explainer = FANOVA(**{**self.params, "intervals": False})
        return refit_replicates(est, data, feed, lambda fitted, sample: dict(zip(
            *explainer.explain(fitted, sample, feed).importances[["term", "importance"]].to_numpy().T)), self.params)

    def _measure(self, feature, cols: list[int], X: pd.DataFrame, Xm: pd.DataFrame, encode) -> "_Measure":
        """μ_f on the feature's encoded columns (see the module docstring)."""
        f = feature.name
        if self.params["domain"] == "observed":
            points, inverse = np.unique(Xm.iloc[:, cols].to_numpy(dtype=float), axis=0, return_inverse=True)
            return _Measure(cols, points=points, weights=np.bincount(inverse.ravel()) / len(Xm))
        if feature.is_categorical:
            if len(cols) != len(feature.levels):
                raise ValueError(f"fANOVA needs categorical feature {f!r} one-hot encoded (one column per level), "
                                 f"the model is fed {len(cols)} column(s) for its {len(feature.levels)} levels")
            if self.params["categorical"] == "box":
                return _Measure(cols, box=np.tile([0.0, 1.0], (len(cols), 1)))
            points = _encoded(encode, X, f, list(feature.levels))[:, cols]
            return _Measure(cols, points=points, weights=np.full(len(points), 1.0 / len(points)))
        ends = _encoded(encode, X, f, [feature.low, feature.high])[:, cols]
        return _Measure(cols, box=np.sort(ends, axis=0).T)

    def _method(self, what: str, n_trees: int) -> str:
        p = self.params
        domain = ("uniform over the declared ranges in the units the model is fed, categoricals "
                  + ("as Optuna does (each one-hot column uniform on [0, 1])" if p["categorical"] == "box" else "uniform over their levels")
                  if p["domain"] == "uniform" else "the fitting rows' empirical marginals (domain: observed)")
        return (f"fANOVA of the {what}'s {n_trees} trees: importance = fraction of each tree's variance explained by the "
                f"feature{' and by each pair (pure interaction)' if p['pairs'] else ''}, mean over trees; the domain is "
                f"{domain}; shapes are marginal curves (mean ± std across trees)")


# ---------------------------------------------------------------- the model


def _trees_of(model):
    """The trees a forest averages (a single tree is a forest of one); None for anything else."""
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.tree import BaseDecisionTree

    if isinstance(model, BaseDecisionTree):
        return [model.tree_] if hasattr(model, "tree_") else []
    if isinstance(model, (RandomForestRegressor, ExtraTreesRegressor)):
        return [e.tree_ for e in getattr(model, "estimators_", [])]
    return None


@dataclass
class _Tree:
    """One tree's leaves as boxes (lo, hi] per encoded column, their values, and the tree's thresholds per column."""

    lo: np.ndarray
    hi: np.ndarray
    value: np.ndarray
    thresholds: dict[int, np.ndarray]

    @classmethod
    def of(cls, t, n_columns: int) -> "_Tree":
        left, right, feature, threshold = t.children_left, t.children_right, t.feature, t.threshold
        lo = np.full((t.node_count, n_columns), -np.inf)
        hi = np.full((t.node_count, n_columns), np.inf)
        frontier = np.array([0])
        while frontier.size:  # a row goes left when x <= threshold (scikit-learn's rule)
            inner = frontier[left[frontier] >= 0]
            lc, rc, col, thr = left[inner], right[inner], feature[inner], threshold[inner]
            lo[lc], hi[lc], lo[rc], hi[rc] = lo[inner], hi[inner], lo[inner], hi[inner]
            hi[lc, col] = thr
            lo[rc, col] = thr
            frontier = np.concatenate([lc, rc])
        leaves = np.flatnonzero(left < 0)
        split = left >= 0
        thresholds = {int(c): np.unique(threshold[split & (feature == c)]) for c in np.unique(feature[split])}
        return cls(lo[leaves], hi[leaves], t.value[leaves].reshape(len(leaves), -1)[:, 0].astype(float), thresholds)


@dataclass
class _Grid:
    """A feature's cells in one tree: the product of the intervals (t_{i-1}, t_i] its split columns' thresholds cut.

    ``mass`` is μ_f per cell (flat, C order); each leaf covers the rectangle of
    cells ``start <= index < stop`` (one column per split column ``split``).
    """

    split: list[int]
    cuts: list[np.ndarray]
    shape: tuple[int, ...]
    mass: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    def index(self, points: np.ndarray) -> np.ndarray:
        """The flat cell of each point (a row of the feature's encoded columns)."""
        return np.ravel_multi_index([np.searchsorted(t, points[:, j]) for j, t in zip(self.split, self.cuts)], self.shape)


@dataclass
class _Measure:
    """μ_f: uniform on a box (``box``: one [low, high] row per encoded column) or atoms ``points`` with ``weights``."""

    cols: list[int]
    box: np.ndarray | None = None
    points: np.ndarray | None = None
    weights: np.ndarray | None = None

    def grid(self, tree: _Tree) -> _Grid | None:
        """The feature's cells in ``tree`` with their mass; None when the tree never splits on the feature."""
        split = [j for j, c in enumerate(self.cols) if c in tree.thresholds]
        if not split:
            return None
        cuts = [tree.thresholds[self.cols[j]] for j in split]
        shape = tuple(len(t) + 1 for t in cuts)
        if math.prod(shape) > MAX_CELLS:
            raise ValueError(f"fANOVA: {math.prod(shape)} cells on one feature in one tree (at most {MAX_CELLS})")
        if self.points is not None:
            cell = np.ravel_multi_index([np.searchsorted(t, self.points[:, j]) for j, t in zip(split, cuts)], shape)
            mass = np.bincount(cell, weights=self.weights, minlength=math.prod(shape))
        else:
            shares = [_shares(*self.box[j], t) for j, t in zip(split, cuts)]
            mass = functools.reduce(np.multiply.outer, shares).ravel()
        start = np.stack([np.searchsorted(t, tree.lo[:, self.cols[j]], side="right") for j, t in zip(split, cuts)], axis=1)
        stop = np.stack([np.searchsorted(t, tree.hi[:, self.cols[j]], side="left") + 1 for j, t in zip(split, cuts)], axis=1)
        return _Grid(split, cuts, shape, mass, start, stop)


def _shares(low: float, high: float, cuts: np.ndarray) -> np.ndarray:
    """Each interval's share of [low, high] (a degenerate range puts everything in the interval holding low)."""
    if high <= low:
        return np.eye(len(cuts) + 1)[np.searchsorted(cuts, low)]
    return np.diff(np.clip(np.concatenate([[low], cuts, [high]]), low, high)) / (high - low)


def _corners(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every corner of every leaf's rectangle (corners × leaves × axes) and each corner's inclusion-exclusion sign.

    A corner takes ``stop`` on some axes and ``start`` on the others; its sign is + when an even number of axes stop.
    """
    at_stop = _corner_axes(start.shape[1])
    return np.where(at_stop[:, None, :], stop[None], start[None]), (-1.0) ** at_stop.sum(axis=1)


@functools.lru_cache(maxsize=None)
def _corner_axes(k: int) -> np.ndarray:
    """(2**k × k): which axes each corner of a k-dimensional rectangle takes at its stop."""
    return np.array(list(itertools.product((False, True), repeat=k)))


def _rectangle_sums(grid: _Grid) -> np.ndarray:
    """μ_f-mass of each leaf's rectangle (summed-area table, inclusion-exclusion over its corners)."""
    table = np.pad(grid.mass.reshape(grid.shape), [(1, 0)] * len(grid.shape))
    for axis in range(len(grid.shape)):
        table = np.cumsum(table, axis=axis)
    idx, sign = _corners(grid.start, grid.stop)
    return (-1) ** len(grid.shape) * (sign @ table[tuple(np.moveaxis(idx, -1, 0))])


def _paint(shape: tuple[int, ...], start: np.ndarray, stop: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Σ_l weight_l · [cell in leaf l's rectangle] over the grid (difference array, then prefix sums)."""
    padded = tuple(n + 1 for n in shape)
    idx, sign = _corners(start, stop)
    flat = np.ravel_multi_index(tuple(np.moveaxis(idx, -1, 0)), padded)
    out = np.bincount(flat.ravel(), weights=np.outer(sign, weight).ravel(), minlength=math.prod(padded)).reshape(padded)
    for axis in range(len(shape)):
        out = np.cumsum(out, axis=axis)
    return out[tuple(slice(0, n) for n in shape)].ravel()


def _encoded(encode, X: pd.DataFrame, f: str, values: list) -> np.ndarray:
    """What the model is fed for each of ``values`` of feature f (the other features as in the first row)."""
    rows = X.iloc[[0] * len(values)].reset_index(drop=True)
    rows[f] = pd.Series(values, dtype=float if X[f].dtype.kind in "fiu" else object)
    return np.asarray(encode(rows), dtype=float)


def _present(shown: pd.Series, raw: pd.Series, Xm: pd.DataFrame, cols: list[int], feature) -> tuple[list, np.ndarray]:
    """The distinct ``shown`` values (in record order; each one present in ``raw``) and their encoded columns."""
    keys = _ordered(feature, pd.unique(shown))
    first = pd.Series(np.arange(len(raw))).groupby(raw.to_numpy(), sort=False).first()
    return keys, Xm.iloc[first.loc[keys].to_numpy(), cols].to_numpy(dtype=float)


# ---------------------------------------------------------------- one tree


@dataclass
class _TreeTerms:
    variance: float
    main: dict[str, float]
    pair: dict[tuple[str, str], float]
    curve: dict[str, np.ndarray]  # a_f − f₀ at the feature's present values
    surface: dict[tuple[str, str], np.ndarray]  # pure pair term at the snapped present values


def _decompose(tree: _Tree, measures: dict, values: dict, snapped: dict, pairs: list) -> _TreeTerms:
    names = list(measures)
    grids = {f: measures[f].grid(tree) for f in names}
    r = np.ones((len(names), len(tree.value)))  # μ_f-mass of each leaf along each feature
    for i, f in enumerate(names):
        if grids[f] is not None:
            r[i] = _rectangle_sums(grids[f])
    mass = r.prod(axis=0)
    f0 = float(mass @ tree.value)
    variance = float(mass @ (tree.value - f0) ** 2)

    def weight(*skip: str) -> np.ndarray:
        return tree.value * r[[g not in skip for g in names]].prod(axis=0)

    main, curve, marginal = {}, {}, {}
    for f in names:
        g = grids[f]
        if g is None:
            main[f], curve[f] = 0.0, np.zeros(len(values[f][0]))
            continue
        marginal[f] = _paint(g.shape, g.start, g.stop, weight(f))
        main[f] = float(g.mass @ (marginal[f] - f0) ** 2)
        curve[f] = marginal[f][g.index(values[f][1])] - f0
    pair, surface = {}, {}
    for a, b in pairs:
        ga, gb = grids[a], grids[b]
        if ga is None or gb is None:
            pair[(a, b)], surface[(a, b)] = 0.0, np.zeros((len(snapped[a][0]), len(snapped[b][0])))
            continue
        joint = _paint(ga.shape + gb.shape, np.hstack([ga.start, gb.start]), np.hstack([ga.stop, gb.stop]), weight(a, b))
        joint = joint.reshape(len(ga.mass), len(gb.mass))
        pair[(a, b)] = max(0.0, float(ga.mass @ (joint - f0) ** 2 @ gb.mass) - main[a] - main[b])
        ia, ib = ga.index(snapped[a][1]), gb.index(snapped[b][1])
        surface[(a, b)] = joint[np.ix_(ia, ib)] - marginal[a][ia][:, None] - marginal[b][ib][None, :] + f0
    return _TreeTerms(variance, main, pair, curve, surface)


# ---------------------------------------------------------------- the record


def _record(per_tree: list[_TreeTerms], data: Dataset, names: list[str], pairs: list, values: dict, snapped: dict,
            method: str) -> Interpretation:
    kept = [t for t in per_tree if t.variance > 0]
    if not kept:
        raise ValueError("fANOVA: every tree of the forest is constant over the domain (zero variance)")
    frac = {f: np.array([t.main[f] / t.variance for t in kept]) for f in names}
    frac.update({p: np.array([t.pair[p] / t.variance for t in kept]) for p in pairs})
    imp = [(f, "main", f, None, float(frac[f].mean())) for f in names]
    imp += [(pair_term(a, b), "pair", a, b, float(frac[(a, b)].mean())) for a, b in pairs]
    X = data.X.reset_index(drop=True)
    shapes = []
    for f in names:
        curves = np.stack([t.curve[f] for t in per_tree])
        mean, std = curves.mean(axis=0), curves.std(axis=0)
        counts = X[f].value_counts(sort=False)
        for v, c, s in zip(values[f][0], mean, std):
            shapes.append((f, _plain(v), float(c), float(c - s), float(c + s), int(counts[v])))
    surfaces = []
    for a, b in pairs:
        mean = np.mean([t.surface[(a, b)] for t in per_tree], axis=0)
        present = set(zip(_snap(X[a]), _snap(X[b])))
        for i, va in enumerate(snapped[a][0]):
            for j, vb in enumerate(snapped[b][0]):
                if (va, vb) in present:
                    surfaces.append((a, b, _plain(va), _plain(vb), float(mean[i, j])))
    std = {(f if isinstance(f, str) else pair_term(*f)): float(v.std()) for f, v in frac.items()}
    return Interpretation(
        surrogate="", dataset=data.name, method=method, measure="fraction of variance",
        importances=pd.DataFrame(imp, columns=TERM_COLUMNS),
        shapes=pd.DataFrame(shapes, columns=SHAPE_COLUMNS),
        interactions=pd.DataFrame(surfaces, columns=INTERACTION_COLUMNS),
        extras={"fraction_std": std, "trees": len(per_tree), "trees_with_variance": len(kept)},
    )


def _fractions(tree: _TreeTerms) -> dict[str, float]:
    """One tree's variance fraction of every term (a replicate of the forest's mean)."""
    out = {f: v / tree.variance for f, v in tree.main.items()}
    out.update({pair_term(a, b): v / tree.variance for (a, b), v in tree.pair.items()})
    return out
