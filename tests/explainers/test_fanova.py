"""fANOVA on scikit-learn forests: fractions, marginal curves and pair surfaces against brute-force integration."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor

from harness.data.dataset import Dataset
from harness.data.schema import Feature, Schema
from harness.errors import ConfigError
from harness.explainers import make
from harness.surrogates import build, load_spec
from harness.surrogates.encoding import encoded



def _table(n=60, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    schema = Schema((Feature("u", low=0.0, high=4.0), Feature("v", scale="log", low=1.0, high=100.0),
                     Feature("w", levels=(1, 2, 3, 5)), Feature("k", "categorical", levels=("p", "q", "r"))))
    X = pd.DataFrame({"u": rng.uniform(0, 4, n), "v": 10 ** rng.uniform(0, 2, n), "w": rng.choice([1, 2, 3, 5], n),
                      "k": rng.choice(["p", "q", "r"], n)})
    y = X.u * np.log10(X.v) + 2 * (X.k == "q") * X.w + rng.normal(0, 0.3, n)
    return Dataset("brute", X, pd.Series(y, name="y"), schema)


def _atoms(ds: Dataset, Xm: pd.DataFrame, forest, f: str, domain: str, categorical: str) -> tuple[np.ndarray, np.ndarray]:
    """Points of feature f's encoded columns and their weights, fine enough that every tree is constant between them."""
    cols = [c for c in Xm.columns if c == f or c.startswith(f"{f}=")]
    if domain == "observed":
        points, inverse = np.unique(Xm[cols].to_numpy(), axis=0, return_inverse=True)
        return points, np.bincount(inverse.ravel()) / len(Xm)
    feature = ds.schema[f]
    if feature.is_categorical and categorical == "levels":
        return np.eye(len(cols)), np.full(len(cols), 1 / len(cols))
    per_col = []
    for c in cols:
        j = list(Xm.columns).index(c)
        low, high = (0.0, 1.0) if feature.is_categorical else (feature.low, feature.high)
        cuts = sorted({t for e in forest.estimators_ for t, g in zip(e.tree_.threshold, e.tree_.feature) if g == j})
        edges = np.array([low, *[t for t in cuts if low < t < high], high])
        per_col.append(((edges[1:] + edges[:-1]) / 2, np.diff(edges) / (high - low)))
    points = np.array(list(itertools.product(*[m for m, _ in per_col])))
    weights = np.prod(np.array(list(itertools.product(*[w for _, w in per_col]))), axis=1)
    return points, weights


def _brute_force(ds, est, domain="uniform", categorical="box", fixed: dict | None = None):
    """Per tree: predictions on the full product grid of every feature's atoms (``fixed`` features at given points)."""
    forest = est[-1]
    Xm = est[:-1].transform(ds.X)
    atoms = {f: _atoms(ds, Xm, forest, f, domain, categorical) for f in ds.schema.names}
    for f, points in (fixed or {}).items():
        atoms[f] = (points, np.ones(len(points)))
    grid = np.array([np.concatenate(p) for p in itertools.product(*[atoms[f][0] for f in ds.schema.names])])
    shape = tuple(len(atoms[f][1]) for f in ds.schema.names)
    return [e.predict(grid).reshape(shape) for e in forest.estimators_], [atoms[f][1] for f in ds.schema.names]


def _mean_over(table: np.ndarray, weights: list, keep: tuple[int, ...]) -> np.ndarray:
    """The table integrated over every axis not in ``keep`` (weights sum to 1 on integrated axes)."""
    for axis in reversed(range(table.ndim)):
        if axis not in keep:
            table = np.tensordot(table, weights[axis], axes=([axis], [0]))
    return table


def _marginal(ds, est, fixed: dict) -> list[np.ndarray]:
    """Per tree, the marginal over the ``fixed`` features' points (f₀ when none is fixed)."""
    preds, weights = _brute_force(ds, est, fixed=fixed)
    keep = tuple(ds.schema.names.index(f) for f in fixed)
    return [_mean_over(t, weights, keep) for t in preds]


@pytest.mark.parametrize("domain,categorical", [("uniform", "box"), ("uniform", "levels"), ("observed", "box")])
def test_fractions_match_brute_force_integration(domain, categorical):
    ds = _table()
    est = encoded(RandomForestRegressor(n_estimators=4, max_depth=4, random_state=0), numeric="raw", categorical="onehot")
    est.set_params(encode__schema=ds.schema).fit(ds.X, ds.y)
    rec = make({"name": "fanova", "domain": domain, "categorical": categorical}).explain(est, ds)
    preds, weights = _brute_force(ds, est, domain, categorical)
    names = ds.schema.names
    fractions: dict[str, list] = {}
    for table in preds:
        f0 = float(_mean_over(table, weights, ()))
        total = float(_mean_over((table - f0) ** 2, weights, ()))
        single = [float(weights[i] @ (_mean_over(table, weights, (i,)) - f0) ** 2) for i in range(len(names))]
        for i, name in enumerate(names):
            fractions.setdefault(name, []).append(single[i] / total)
        for i, j in itertools.combinations(range(len(names)), 2):
            joint = _mean_over(table, weights, (i, j))
            pure = float(weights[i] @ (joint - f0) ** 2 @ weights[j]) - single[i] - single[j]
            fractions.setdefault(f"{names[i]} x {names[j]}", []).append(pure / total)
    expected = pd.Series({k: np.mean(v) for k, v in fractions.items()})
    got = rec.importances.set_index("term")["importance"].loc[expected.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)
    assert (expected.filter(like=" x ") > 1e-3).any()  # the forest has interactions to find


def test_marginal_curves_and_surfaces_match_brute_force():
    ds = _table(seed=1)
    est = encoded(RandomForestRegressor(n_estimators=3, max_depth=4, random_state=2), numeric="raw", categorical="onehot")
    est.set_params(encode__schema=ds.schema).fit(ds.X, ds.y)
    rec = make("fanova").explain(est, ds)
    Xm = est[:-1].transform(ds.X)

    def points(f: str, values) -> np.ndarray:
        cols = [c for c in Xm.columns if c == f or c.startswith(f"{f}=")]
        return np.array([Xm.loc[ds.X[f] == v, cols].iloc[0].to_numpy() for v in values])

    f0 = _marginal(ds, est, {})
    for f in ("u", "w", "k"):
        shape = rec.shape(f)
        curves = [a - c for a, c in zip(_marginal(ds, est, {f: points(f, shape.index)}), f0)]
        np.testing.assert_allclose(shape.to_numpy(), np.mean(curves, axis=0), rtol=0, atol=1e-9)
    k = rec.shapes[rec.shapes.feature == "k"]
    assert list(k.value) == ["p", "q", "r"] and k.density.sum() == len(ds)
    assert (k.upper >= k.contribution).all() and (k.upper > k.lower).any()  # ± the spread across trees

    surface = rec.surface("w", "k")
    pw, pk = points("w", surface.index), points("k", surface.columns)
    joint = _marginal(ds, est, {"w": pw, "k": pk})
    along_w, along_k = _marginal(ds, est, {"w": pw}), _marginal(ds, est, {"k": pk})
    pure = np.mean([j - a[:, None] - b[None, :] + c for j, a, b, c in zip(joint, along_w, along_k, f0)], axis=0)
    present = surface.notna().to_numpy()
    assert present.any() and np.abs(pure[present]).max() > 1e-3
    np.testing.assert_allclose(surface.to_numpy()[present], pure[present], rtol=0, atol=1e-9)


def test_options_are_checked():
    with pytest.raises(ConfigError, match="domain must be one of uniform, observed"):
        make({"name": "fanova", "domain": "everywhere"})
    with pytest.raises(ConfigError, match="categorical must be one of box, levels"):
        make({"name": "fanova", "categorical": "onehot"})
    with pytest.raises(ConfigError, match="unexpected keyword argument 'grid'"):
        make({"name": "fanova", "grid": 3})


def test_refuses_models_without_trees():
    ds = _table()
    est = build(load_spec("linear"), ds.schema, seed=0).fit(ds.X, ds.y)
    with pytest.raises(TypeError, match="fANOVA reads scikit-learn random forests"):
        make("fanova").explain(est, ds)
