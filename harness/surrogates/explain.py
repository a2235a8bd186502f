"""How each surrogate explains itself, in one currency.

Every fitted surrogate is reduced to per-row additive terms — one main term
per feature and, where the model has them, one term per pair of features —
using the model's own mechanism:

* **EBM** (InterpretML): its terms as fitted, ``eval_terms(X)``; a main
  term's band is ± the standard deviation of that bin's score across the
  outer bags (``standard_deviations_``, interpret's own error bars).
  Pair terms are EBM's pair terms as fitted and as interpret's ``show()``
  draws them (interpret 0.7.8 does not purify them by default).
* **GAM** (pygam): ``partial_dependence`` of each term on the rows; a
  feature's band is ± one standard error of its term (pygam's coefficient
  covariance, the 15.9/84.1 % quantiles) when the feature is one term, none
  for a categorical feature (one term per level). Tensor terms are pairs,
  reported as fitted (pygam does not purify them).
* **linear** (ridge): coefficient × encoded value, one-hot levels summed per
  feature; no pairs, no band.
* **tree** and **XGBoost**: exact path-dependent Shapley values with the
  pairwise Shapley interaction index — the quantities of TreeSHAP's
  ``pred_interactions`` (Lundberg et al. 2018): a feature's main term is its
  Shapley value minus half its interaction indices, a pair's term is the
  interaction index. The players are features, not encoded columns (a
  one-hot categorical is one player). Computed here for both models from
  their trees (``shapley_terms``), because xgboost's own
  ``pred_interactions`` takes ~45 s for the 300-tree model on 767 rows;
  a test checks the two agree on numeric features.

Each term is then centred to mean zero over the rows the model was fitted on
and **importance = mean |centred term| over those rows, in target units**
(the paper's definition and InterpretML's ``term_importances()``, to which
it is identical for EBM). Shapes are the mean centred main term per raw value
present in the rows (with the number of rows holding it); interaction
surfaces the mean centred pair term per pair of raw values present (a
feature with more than ``GRID`` distinct values is snapped to ``GRID``
evenly ranked representatives). Models fed schema-scaled values
(``feed="scaled"``) are still reported in raw values: scaling is one-to-one.
"""
from __future__ import annotations

import copy
import io
import json
import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from harness.cells import features_for
from harness.data.dataset import Dataset
from harness.data.schema import Schema
from harness.interpret import IMPORTANCE_COLUMNS, INTERACTION_COLUMNS, SHAPE_COLUMNS, Interpretation, pair_term

GRID = 32
MAX_PLAYERS = 12  # exact Shapley enumerates 2**p feature subsets
ONE_SIGMA = (0.15865525393145707, 0.8413447460685429)


@dataclass
class Decomposition:
    """A fitted model's per-row additive terms on the rows it was given, before centring.

    ``base + main.sum(1) + sum(pairs)`` is the prediction at every row;
    ``band`` is a per-row half-width of each main term where the model has
    one. Rows are numbered 0..n-1 in the order of the input.
    """

    main: pd.DataFrame
    pairs: dict[tuple[str, str], np.ndarray]
    base: float
    method: str
    band: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)


def explain(est, train: Dataset, spec, feed: str = "raw") -> dict:
    """The cell explainer (``run_cells(explainer=explain)``): the record as a dict, plus EBM's JSON export."""
    dec = decompose(est, *features_for(train, feed))
    return {**record_of(dec, train, spec.name).to_dict(), **dec.extras}


explain.version = "1"  # bump when what explain() returns changes: cached interpretations are keyed by it


def explain_record(est, train: Dataset, surrogate: str, feed: str = "raw") -> Interpretation:
    return record_of(decompose(est, *features_for(train, feed)), train, surrogate)


def decompose(est, X: pd.DataFrame, schema: Schema) -> Decomposition:
    """Dispatch on the fitted model inside the pipeline; ``X``/``schema`` are what ``est`` was fed."""
    from interpret.glassbox import ExplainableBoostingRegressor
    from sklearn.tree import DecisionTreeRegressor
    from xgboost import XGBRegressor

    from harness.surrogates.gam import GAMRegressor

    model, Xm = est, X
    if isinstance(est, Pipeline):
        model, Xm = est.steps[-1][1], est[:-1].transform(X)
    if isinstance(model, ExplainableBoostingRegressor):
        return _ebm(model, Xm)
    if isinstance(model, GAMRegressor):
        return _gam(model, X)
    if isinstance(model, DecisionTreeRegressor):
        return _forest(_sklearn_nodes(model), Xm, schema, model.predict(Xm), "tree")
    if isinstance(model, XGBRegressor):
        return _forest(_xgboost_nodes(model), Xm, schema, model.predict(Xm), "XGBoost")
    if np.ndim(getattr(model, "coef_", None)) == 1 and hasattr(model, "intercept_"):
        return _linear(model, Xm, schema)
    raise TypeError(
        f"no explainer for {type(model).__name__}: supported are EBM, GAMRegressor, DecisionTreeRegressor, "
        "XGBRegressor and linear models"
    )


# ---------------------------------------------------------------- the record


def record_of(dec: Decomposition, train: Dataset, surrogate: str) -> Interpretation:
    """Centre every term over the rows and summarise it per raw value (see the module docstring)."""
    X, schema = train.X.reset_index(drop=True), train.schema
    main = dec.main - dec.main.mean()
    pairs = {k: v - v.mean() for k, v in dec.pairs.items()}
    imp = [(f, "main", f, None, float(np.mean(np.abs(main[f])))) for f in schema.names]
    imp += [(pair_term(a, b), "pair", a, b, float(np.mean(np.abs(v)))) for (a, b), v in pairs.items()]
    shapes = []
    for f in schema.names:
        frame = pd.DataFrame({"value": X[f], "c": main[f], "band": np.nan if dec.band is None else dec.band[f]})
        g = frame.groupby("value", sort=False)
        per = pd.DataFrame({"c": g["c"].mean(), "band": g["band"].mean(), "n": g.size()})
        for v in _ordered(schema[f], per.index):
            c, band, n = per.loc[v]
            shapes.append((f, _plain(v), float(c), float(c - band), float(c + band), int(n)))
    surfaces = []
    for (a, b), v in pairs.items():
        frame = pd.DataFrame({"a": _snap(X[a]), "b": _snap(X[b]), "c": v})
        per = frame.groupby(["a", "b"], sort=False)["c"].mean()
        for va in _ordered(schema[a], per.index.levels[0]):
            for vb in _ordered(schema[b], per.index.levels[1]):
                if (va, vb) in per.index:
                    surfaces.append((a, b, _plain(va), _plain(vb), float(per.loc[(va, vb)])))
    return Interpretation(
        surrogate=surrogate,
        dataset=train.name,
        method=dec.method,
        importances=pd.DataFrame(imp, columns=IMPORTANCE_COLUMNS),
        shapes=pd.DataFrame(shapes, columns=SHAPE_COLUMNS),
        interactions=pd.DataFrame(surfaces, columns=INTERACTION_COLUMNS),
    )


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


# ---------------------------------------------------------------- EBM


def _ebm(model, Xm: pd.DataFrame) -> Decomposition:
    names = list(model.feature_names_in_)
    terms = model.eval_terms(Xm)
    # Which bin each row falls in, by interpret's own binning: evaluate a copy whose scores are bin indices.
    probe = copy.copy(model)
    probe.term_scores_ = [np.arange(s.size, dtype=float).reshape(s.shape) for s in model.term_scores_]
    bins = np.rint(probe.eval_terms(Xm)).astype(int)
    main = pd.DataFrame(0.0, index=range(len(Xm)), columns=names)
    band = pd.DataFrame(np.nan, index=main.index, columns=names)
    pairs = {}
    for t, feats in enumerate(model.term_features_):
        if len(feats) == 1:
            main[names[feats[0]]] = terms[:, t]
            band[names[feats[0]]] = np.asarray(model.standard_deviations_[t]).ravel()[bins[:, t]]
        elif len(feats) == 2:
            pairs[(names[feats[0]], names[feats[1]])] = terms[:, t]
        else:
            raise ValueError(f"EBM term {model.term_names_[t]!r} joins {len(feats)} features; only mains and pairs are recorded")
    buf = io.StringIO()
    with warnings.catch_warnings():  # interpret flags its JSON format as beta on every export
        warnings.filterwarnings("ignore", message="JSON formats are in beta")
        model.to_json(buf, detail="all")
    return Decomposition(
        main=main,
        pairs=pairs,
        base=float(model.intercept_),
        method="EBM terms (interpret eval_terms) centred over the fitting rows; band ± std of the bin score across outer bags",
        band=band,
        extras={"ebm_json": json.loads(buf.getvalue())},
    )


# ---------------------------------------------------------------- GAM


def _gam(model, X: pd.DataFrame) -> Decomposition:
    gam, names = model.gam_, model.schema.names
    Z = model.schema.scaled(X)[model.columns_].to_numpy()
    feature_of = {i: c.split("=", 1)[0] if c not in names else c for i, c in enumerate(model.columns_)}
    main = pd.DataFrame(0.0, index=range(len(X)), columns=names)
    pairs: dict[tuple[str, str], np.ndarray] = {}
    single: dict[str, list[int]] = {}
    for t, term in enumerate(gam.terms):
        if term.isintercept:
            continue
        if term.istensor:
            a, b = sorted({feature_of[i] for i in term.feature}, key=names.index)
            pairs[(a, b)] = pairs.get((a, b), 0.0) + gam.partial_dependence(term=t, X=Z)
        else:
            f = feature_of[term.feature]
            main[f] += gam.partial_dependence(term=t, X=Z)
            single.setdefault(f, []).append(t)
    band = pd.DataFrame(np.nan, index=main.index, columns=names)
    for f, ts in single.items():
        if len(ts) == 1:
            _, ci = gam.partial_dependence(term=ts[0], X=Z, quantiles=list(ONE_SIGMA))
            band[f] = (ci[:, 1] - ci[:, 0]) / 2
    base = float(np.mean(model.predict(X) - main.sum(axis=1) - sum(pairs.values(), np.zeros(len(X)))))
    return Decomposition(
        main=main,
        pairs=pairs,
        base=base,
        method="pygam partial_dependence per term centred over the fitting rows; band ± 1 standard error (single-term features)",
        band=band,
    )


# ---------------------------------------------------------------- linear


def _columns_of(columns, schema: Schema) -> dict[str, list[int]]:
    """Encoded column positions per schema feature (one-hot ``name=level`` columns belong to ``name``)."""
    out: dict[str, list[int]] = {f: [] for f in schema.names}
    for i, c in enumerate(columns):
        f = c if c in out else c.split("=", 1)[0]
        if f not in out:
            raise ValueError(f"encoded column {c!r} belongs to no feature of the schema ({', '.join(schema.names)})")
        out[f].append(i)
    return out


def _linear(model, Xm: pd.DataFrame, schema: Schema) -> Decomposition:
    contrib = Xm.to_numpy(dtype=float) * np.asarray(model.coef_, dtype=float)
    groups = _columns_of(Xm.columns, schema)
    main = pd.DataFrame({f: contrib[:, cols].sum(axis=1) for f, cols in groups.items()})
    return Decomposition(
        main=main, pairs={}, base=float(model.intercept_),
        method="coefficient x encoded value (one-hot levels summed per feature) centred over the fitting rows",
    )


# ---------------------------------------------------------------- trees


@dataclass
class Nodes:
    """Trees as flat node arrays (all trees concatenated): what the Shapley computation needs of a model.

    ``left``/``right`` are global child indices (-1 at leaves), ``roots`` the
    first node of each tree; a row goes left when ``x < threshold`` (strict)
    or ``x <= threshold``, and missing values go left where ``missing_left``.
    """

    left: np.ndarray
    right: np.ndarray
    column: np.ndarray
    threshold: np.ndarray
    cover: np.ndarray
    value: np.ndarray
    missing_left: np.ndarray
    roots: np.ndarray
    strict: bool


def _sklearn_nodes(model) -> Nodes:
    t = model.tree_
    missing = getattr(t, "missing_go_to_left", np.zeros(t.node_count, dtype=np.uint8))
    return Nodes(
        left=t.children_left.astype(np.int64), right=t.children_right.astype(np.int64), column=t.feature.astype(np.int64),
        threshold=t.threshold.astype(float), cover=t.weighted_n_node_samples.astype(float),
        value=t.value.reshape(t.node_count, -1)[:, 0].astype(float), missing_left=missing.astype(bool),
        roots=np.array([0]), strict=False,
    )


def _xgboost_nodes(model) -> Nodes:
    learner = json.loads(model.get_booster().save_raw("json"))["learner"]
    trees = learner["gradient_booster"]["model"]["trees"]
    parts, roots, offset = [], [], 0
    for tree in trees:
        left, right = np.asarray(tree["left_children"]), np.asarray(tree["right_children"])
        if any(tree["split_type"]):
            raise ValueError("XGBoost categorical splits are not supported; one-hot encode the categorical features")
        leaf = left < 0
        parts.append((
            np.where(leaf, -1, left + offset), np.where(leaf, -1, right + offset), np.asarray(tree["split_indices"]),
            np.asarray(tree["split_conditions"], dtype=float), np.asarray(tree["sum_hessian"], dtype=float),
            np.where(leaf, np.asarray(tree["split_conditions"], dtype=float), 0.0), np.asarray(tree["default_left"], dtype=bool),
        ))
        roots.append(offset)
        offset += len(left)
    cat = [np.concatenate(a) for a in zip(*parts)]
    return Nodes(*cat[:5], value=cat[5], missing_left=cat[6], roots=np.asarray(roots), strict=True)


def _leaf_paths(nodes: Nodes):
    """Every step of every leaf's path: (leaf index, node, whether the path goes left there, the child's cover share)."""
    parent = np.full(len(nodes.left), -1)
    is_left = np.zeros(len(nodes.left), dtype=bool)
    frontier = nodes.roots
    while len(frontier):
        inner = frontier[nodes.left[frontier] >= 0]
        for children, flag in ((nodes.left[inner], True), (nodes.right[inner], False)):
            parent[children], is_left[children] = inner, flag
        frontier = np.concatenate([nodes.left[inner], nodes.right[inner]])
    leaves = np.flatnonzero(nodes.left < 0)
    steps = [(np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool), np.zeros(0))]
    cur, which = leaves, np.arange(len(leaves))
    while True:
        keep = parent[cur] >= 0
        cur, which = cur[keep], which[keep]
        if not len(cur):
            break
        node = parent[cur]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(nodes.cover[node] > 0, nodes.cover[cur] / nodes.cover[node], 0.0)
        steps.append((which, node, is_left[cur], share))
        cur = node
    return (leaves, *(np.concatenate(a) for a in zip(*steps)))


def _forest(nodes: Nodes, Xm: pd.DataFrame, schema: Schema, prediction: np.ndarray, what: str) -> Decomposition:
    main, pairs, base = shapley_terms(nodes, Xm, schema)
    base += float(np.mean(prediction - base - main.sum(axis=1) - sum(pairs.values(), np.zeros(len(Xm)))))
    return Decomposition(
        main=main, pairs=pairs, base=base,
        method=f"{what}: exact path-dependent Shapley (TreeSHAP) main effects and pairwise interaction indices per feature, "
        "centred over the fitting rows",
    )


def shapley_terms(nodes: Nodes, Xm: pd.DataFrame, schema: Schema):
    """Exact TreeSHAP interaction values of a tree ensemble, with features (not encoded columns) as players.

    The game is TreeSHAP's path-dependent one: v(S)(x) = E[f(x) | x_S], where
    a split on a feature in S follows x and any other split averages its
    children by cover. A leaf's weight in v(S) is the product, over the
    features on its path, of "x lies in the leaf's range on that feature"
    (feature in S) or the path's cover share (feature not in S); so v(S) is
    computed once per distinct x_S for all leaves at once, for all 2**p
    subsets S of the p features the trees split on. From v: Shapley values
    φ_i and interaction indices Φ_ij; main_i = φ_i − Σ_j Φ_ij / 2 and
    pair_ij = Φ_ij, so base + Σ main + Σ pair = f(x) with base = v(∅).
    Returns ``(main, pairs, base)``, uncentred.
    """
    columns = _columns_of(Xm.columns, schema)
    player_of_column = np.full(Xm.shape[1], -1)
    leaves, step_leaf, step_node, step_left, step_share = _leaf_paths(nodes)
    used = sorted(set(nodes.column[step_node].tolist()))
    players = [f for f in schema.names if any(c in used for c in columns[f])]
    if len(players) > MAX_PLAYERS:
        raise ValueError(f"exact Shapley over {len(players)} features (2**{len(players)} subsets) is too slow; at most {MAX_PLAYERS}")
    for j, f in enumerate(players):
        player_of_column[columns[f]] = j
    p, n_leaves, n = len(players), len(leaves), len(Xm)
    step_player = player_of_column[nodes.column[step_node]]
    share = np.ones((n_leaves, p))
    np.multiply.at(share, (step_leaf, step_player), step_share)
    X = Xm.to_numpy(dtype=float)
    member, codes = [], np.zeros((n, p), dtype=np.int64)
    for j, f in enumerate(players):
        distinct, codes[:, j] = np.unique(X[:, columns[f]], axis=0, return_inverse=True)
        member.append(_membership(nodes, distinct, columns[f], step_leaf, step_node, step_left, step_player == j, n_leaves))
    V = _subset_values(member, codes, nodes.value[leaves], share)
    A, B = _shapley_weights(p)
    phi, index = V @ A, V @ B
    pair_list = list(combinations(range(p), 2))
    main = pd.DataFrame(0.0, index=range(n), columns=schema.names)
    for j, f in enumerate(players):
        main[f] = phi[:, j] - 0.5 * sum(index[:, k] for k, pair in enumerate(pair_list) if j in pair)
    pairs = {(players[a], players[b]): index[:, k] for k, (a, b) in enumerate(pair_list)}
    return main, pairs, float(V[0, 0])


def _subset_values(member, codes, values, share, budget=1_000_000) -> np.ndarray:
    """v(S) at every row for every subset S (rows × 2**p), summed over leaves in chunks.

    A subset's leaf weights are computed once per distinct x_S, from the
    subset without its highest feature (one gather and one product per
    subset); ``budget`` caps the floats held per chunk of leaves.
    """
    n, p = codes.shape
    plan = [(0, 0, np.zeros(1, int), np.zeros(1, int), np.zeros(n, int))]
    for S in range(1, 2**p):
        j = S.bit_length() - 1
        parent_inverse = plan[S ^ 1 << j][4]
        _, first, inverse = np.unique(parent_inverse * (codes[:, j].max() + 1) + codes[:, j], return_index=True, return_inverse=True)
        plan.append((S ^ 1 << j, j, parent_inverse[first], codes[first, j], inverse.ravel()))
    chunk = max(1, budget // sum(len(step[2]) for step in plan))
    V = np.zeros((n, 2**p))
    for lo in range(0, len(values), chunk):
        part = slice(lo, lo + chunk)
        W = [np.ones((1, len(values[part])), dtype=np.float32)]
        for S, (parent, j, parent_key, code, inverse) in enumerate(plan):
            if S:
                W.append(W[parent][parent_key] * member[j][code, part])
            c = values[part] * np.prod(share[part][:, [k for k in range(p) if not S >> k & 1]], axis=1)
            V[:, S] += (W[S] @ c.astype(np.float32))[inverse]
    return V


def _membership(nodes, distinct, cols, step_leaf, step_node, step_left, on_player, n_leaves) -> np.ndarray:
    """(distinct values × leaves): does the value satisfy every split on this feature along the leaf's path."""
    out = np.ones((len(distinct), n_leaves), dtype=np.float32)
    idx = np.flatnonzero(on_player)
    if not len(idx):
        return out
    idx = idx[np.argsort(step_leaf[idx], kind="stable")]
    node = step_node[idx]
    position = np.full(max(nodes.column.max(), max(cols)) + 1, -1)  # a feature's last columns may never be split on
    position[cols] = np.arange(len(cols))
    x = distinct[:, position[nodes.column[node]]]
    thr = nodes.threshold[node]
    goes_left = np.where(np.isnan(x), nodes.missing_left[node], x < thr if nodes.strict else x <= thr)
    ok = goes_left == step_left[idx]
    leaf = step_leaf[idx]
    starts = np.flatnonzero(np.r_[True, leaf[1:] != leaf[:-1]])
    out[:, leaf[starts]] = np.logical_and.reduceat(ok, starts, axis=1)
    return out


@lru_cache(maxsize=None)
def _shapley_weights(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Matrices turning v over all 2**p subsets into Shapley values (A) and pairwise interaction indices (B)."""
    fact = [math.factorial(k) for k in range(p + 1)]
    A = np.zeros((2**p, p))
    pairs = list(combinations(range(p), 2))
    B = np.zeros((2**p, len(pairs)))
    for S in range(2**p):
        s = bin(S).count("1")
        for i in range(p):
            if not S >> i & 1:
                w = fact[s] * fact[p - s - 1] / fact[p]
                A[S | 1 << i, i] += w
                A[S, i] -= w
        for k, (i, j) in enumerate(pairs):
            if not (S >> i & 1 or S >> j & 1):
                w = fact[s] * fact[p - s - 2] / fact[p - 1]
                B[S | 1 << i | 1 << j, k] += w
                B[S | 1 << i, k] -= w
                B[S | 1 << j, k] -= w
                B[S, k] += w
    return A, B
