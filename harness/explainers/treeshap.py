"""Trees and tree ensembles: exact path-dependent Shapley values and pairwise interaction indices.

The quantities of TreeSHAP's ``pred_interactions`` (Lundberg et al. 2018): a
feature's main term is its Shapley value minus half its interaction indices,
a pair's term is the interaction index. The players are features, not
encoded columns (a one-hot categorical is one player). Computed here from
the trees themselves (``shapley_terms``) for scikit-learn trees and forests
and for XGBoost, because xgboost's own ``pred_interactions`` takes ~45 s for
the 300-tree model on 767 rows; a test checks the two agree on numeric
features.

**Intervals.** A forest's trees are averaged, so its terms are the mean of
the terms of ``GROUPS`` groups of its trees (each a smaller forest, its
trees fitted on bootstrap resamples of the rows), computed in the same pass
over the leaves: the groups' importances are the replicates. A single tree
or a boosted ensemble, whose trees are not exchangeable, is refitted on
``refits`` bootstrap resamples instead (``AdditiveExplainer``, default 10);
each refit re-explains every tree (XGBoost's 300 on sw-en's 767 rows: 9.8 s
with the default 10 refits against 1.4 s without an interval; ``refits``
sets fewer, ``intervals: false`` none).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.explainers.base import AdditiveExplainer, Decomposition, TermReplicates, columns_of, final_step
from harness.interpretation.intervals import Rule

MAX_PLAYERS = 12  # exact Shapley enumerates 2**p feature subsets
GROUPS = 8  # groups of a forest's trees whose terms are the interval's replicates
GROUP_FLOATS = 16_000_000  # at most this many values of v(S) held for the groups (128 MB): fewer groups on big tables


class TreeSHAP(AdditiveExplainer):
    name = "treeshap"

    @classmethod
    def applies_to(cls, model) -> bool:
        return _reader(model) is not None

    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        model, feed = final_step(est)
        read = _reader(model)
        if read is None:
            raise TypeError(f"TreeSHAP reads scikit-learn trees and forests and XGBoost, not {type(model).__name__}")
        nodes, what = read(model)
        Xm = feed(X)
        return _forest(nodes, Xm, schema, model.predict(Xm), what, GROUPS if self.intervals and _averaged(model) else 0)

    def replicates(self, est, data, feed: str, dec: Decomposition, where=None):
        model = final_step(est)[0]
        if self.intervals and dec.replicates is None and _averaged(model):
            return f"the groups' values of {len(data)} rows × 2**p subsets exceed {GROUP_FLOATS:,} floats"
        return super().replicates(est, data, feed, dec, where)


def _averaged(model) -> bool:
    """Whether the model averages trees fitted alike (a random forest, extra-trees), so groups of them are replicates."""
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

    return isinstance(model, (RandomForestRegressor, ExtraTreesRegressor)) and len(model.estimators_) >= 2


def _reader(model):
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.tree import BaseDecisionTree

    if isinstance(model, BaseDecisionTree):
        return lambda m: (_sklearn_nodes(m), "tree")
    if isinstance(model, (RandomForestRegressor, ExtraTreesRegressor)):
        return lambda m: (_sklearn_forest_nodes(m), type(m).__name__)
    try:
        from xgboost import XGBRegressor
    except ImportError:  # pragma: no cover - xgboost is a dependency
        return None
    if isinstance(model, XGBRegressor):
        return lambda m: (_xgboost_nodes(m), "XGBoost")
    return None


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


def _sklearn_forest_nodes(model) -> Nodes:
    """A forest's trees as one node array; each leaf value divided by the number of trees (the forest averages)."""
    parts = [_sklearn_nodes(tree) for tree in model.estimators_]
    offsets = np.cumsum([0, *[len(p.left) for p in parts[:-1]]])

    def shift(a, off):
        return np.where(a < 0, -1, a + off)

    scale = 1.0 / len(parts)
    return Nodes(
        left=np.concatenate([shift(p.left, o) for p, o in zip(parts, offsets)]),
        right=np.concatenate([shift(p.right, o) for p, o in zip(parts, offsets)]),
        column=np.concatenate([p.column for p in parts]), threshold=np.concatenate([p.threshold for p in parts]),
        cover=np.concatenate([p.cover for p in parts]), value=np.concatenate([p.value * scale for p in parts]),
        missing_left=np.concatenate([p.missing_left for p in parts]), roots=np.asarray(offsets), strict=False,
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


def _forest(nodes: Nodes, Xm: pd.DataFrame, schema: Schema, prediction: np.ndarray, what: str,
            groups: int = 0) -> Decomposition:
    main, pairs, base, grouped = shapley_terms(nodes, Xm, schema, groups)
    base += float(np.mean(prediction - base - main.sum(axis=1) - sum(pairs.values(), np.zeros(len(Xm)))))
    trees = len(nodes.roots)
    return Decomposition(
        main=main, pairs=pairs, base=base,
        method=f"{what}: exact path-dependent Shapley (TreeSHAP) main effects and pairwise interaction indices per feature, "
        "centred over the fitting rows",
        replicates=TermReplicates(np.stack([m.to_numpy() for m, _ in grouped]), list(main.columns),
                                  {k: np.stack([p[k] for _, p in grouped]) for k in pairs}) if grouped else None,
        rule=Rule("spread", scale=float(np.sqrt(trees / max(1, len(grouped))))),
        what=f"{len(grouped)} groups of the forest's {trees} trees (~{trees // max(1, len(grouped))} each; the groups' spread "
             f"× √(trees per group): a tree's, as for fANOVA)",
    )


def shapley_terms(nodes: Nodes, Xm: pd.DataFrame, schema: Schema, groups: int = 0):
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
    Returns ``(main, pairs, base, grouped)``, uncentred; ``grouped``: the (main, pairs) of each of up to ``groups``
    groups of consecutive trees, scaled to a forest of their own (none for ``groups`` < 2, or when the groups'
    values would exceed ``GROUP_FLOATS``).
    """
    columns = columns_of(Xm.columns, schema)
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
    groups = min(groups, len(nodes.roots), GROUP_FLOATS // (n * 2**p))
    tree_of = np.searchsorted(nodes.roots, leaves, side="right") - 1
    group_of = tree_of * groups // len(nodes.roots) if groups >= 2 else None
    V, per_group = _subset_values(member, codes, nodes.value[leaves], share, group_of=group_of, groups=groups)
    terms = _terms(V, players, schema.names)
    sizes = np.bincount(group_of[np.unique(tree_of, return_index=True)[1]], minlength=groups) if groups >= 2 else []
    grouped = [_terms(Vg * len(nodes.roots) / k, players, schema.names) for Vg, k in zip(per_group, sizes)]
    return *terms, float(V[0, 0]), grouped


def _terms(V: np.ndarray, players: list[str], names: list[str]) -> tuple[pd.DataFrame, dict]:
    """Main terms and pair terms of every row from v(S) over all subsets of the players (see ``shapley_terms``)."""
    p = len(players)
    A, B = _shapley_weights(p)
    phi, index = V @ A, V @ B
    pair_list = list(combinations(range(p), 2))
    main = pd.DataFrame(0.0, index=range(len(V)), columns=names)
    for j, f in enumerate(players):
        main[f] = phi[:, j] - 0.5 * sum(index[:, k] for k, pair in enumerate(pair_list) if j in pair)
    return main, {(players[a], players[b]): index[:, k] for k, (a, b) in enumerate(pair_list)}


def _subset_values(member, codes, values, share, budget=32_000_000, group_of=None, groups=0):
    """v(S) at every row for every subset S (rows × 2**p), summed over leaves in chunks; and, with ``group_of`` (each
    leaf's group), each group's share of it (groups × rows × 2**p; empty without).

    A subset's leaf weights are computed once per distinct x_S, from the
    subset without its highest feature (one gather and one product per
    subset); ``budget`` caps the floats held per chunk of leaves (32M float32: 128 MB). Every chunk costs one
    pass over the 2**p subsets in Python, so a small budget is slow: on a 400-row table with 10 players and the
    64-tree forest of ``shap.yaml`` (~25k leaves) 1M floats meant ~2 leaves per chunk and 300 s, 32M 40 s.
    A chunk within one group adds its sum to that group as computed; one across groups sums each group's leaves apart.
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
    per_group = np.zeros((groups if group_of is not None else 0, n, 2**p))
    for lo in range(0, len(values), chunk):
        part = slice(lo, lo + chunk)
        W = [np.ones((1, len(values[part])), dtype=np.float32)]
        held = [] if group_of is None else np.unique(group_of[part])
        for S, (parent, j, parent_key, code, inverse) in enumerate(plan):
            if S:
                W.append(W[parent][parent_key] * member[j][code, part])
            c = values[part] * np.prod(share[part][:, [k for k in range(p) if not S >> k & 1]], axis=1)
            add = (W[S] @ c.astype(np.float32))[inverse]
            V[:, S] += add
            if len(held) == 1:
                per_group[held[0], :, S] += add
            for g in held if len(held) > 1 else ():
                on = group_of[part] == g
                per_group[g, :, S] += (W[S][:, on] @ c[on].astype(np.float32))[inverse]
    return V, per_group


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
