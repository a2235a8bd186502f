"""A synthetic truth that varies: random draws, conditional features, new shapes, and both truths against brute force.

The two truths are checked against numerical integration of the oracle itself
(never against the closed forms they are computed with): the mean |term|
truth against the functional-ANOVA projection under the product of the
rows' marginals, computed by evaluating f on rows with values swapped in;
the variance truth against a tensor grid of the sampling distribution
(Gauss–Legendre on each polynomial piece, levels with their weights: exact
for these shapes) and, for random draws, against Monte-Carlo pick-freeze estimates.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from itertools import combinations, product

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from harness.data import infer
from harness.synthetic import describe, generate, resolve, sample_rows, table_grid, true_function, truth_of
from harness.synthetic import shapes
from harness.synthetic.oracle import indicator_of
from harness.errors import ConfigError
from harness.hpo import sampler

# --- existing settings keep their tables and truths, bit for bit --------------------------------

NMT = {"n_rows": 300, "seed": 3, "snr": 8.0,
       "effects": {"lr": {"shape": "monotone", "strength": 3.0, "direction": -1}, "embed": {"shape": "u", "strength": 2.0},
                   "bpe": {"shape": "step", "strength": 1.5}, "layers": {"shape": "monotone", "strength": 1.0}},
       "interactions": [{"a": "embed", "b": "lr", "strength": 1.5}]}
MIXED = {"schema": [{"name": "a", "scale": "log", "low": 0.0001, "high": 0.1}, {"name": "b", "low": 0, "high": 1},
                    {"name": "c", "scale": "categorical", "levels": ["x", "y", "z"]},
                    {"name": "d", "scale": "log", "levels": [1, 10, 100]}],
         "effects": {"a": {"shape": "u", "strength": 2}, "c": {"shape": "step"}},
         "interactions": [{"a": "d", "b": "b", "strength": 2}], "n_rows": 200}
# Fingerprints and truth digests of the generator before random draws existed (synthetic-1), bit for bit. The
# truth digests were retaken with empty cells as None (pandas 2 and 3 differ there) at a commit where the raw ones
# still matched. The generator computes exp, log and powers through harness.libm, so these hold on every CPU: with
# numpy's own kernels they held only where numpy has no AVX-512 paths.
PINNED = {
    ("nmt", "uniform"): ("12cdf7b81bb87b454ec2bc6fe0a03019ec0cd91e5b5ff9022fc56be581d8fcdb",
                         "702844b485d9d0b362bddda428b1ce62720abaa625037df3c94bebb7cd7ac2a9"),
    ("nmt", "random"): ("043048886cf1122b3974ce59d0962260eb963291a17692d120db3c45420ccf5b",
                        "94085d262aa9ddb61f853238502652daabe60c2c7285bc03455f790739da571c"),
    ("mixed", "uniform"): ("d4ffabdb9adf0109b7a8d51ba7630bebe89fc31e7ae13f382457be2eeab387c0",
                           "f1bbd34a2484bf600dc173d12248905048d47565510691964f24a0bd0cb5bbbe"),
    ("mixed", "random"): ("7beb3f1f89c7eeadb242311ca3054fb38ae5378a9a87828643b994341a44f751",
                          "b3d6ac391edc8f628c0cb7b4f4086a7b01c2b53506acc53cad441ba42072aaea"),
}


def _missing_as_none(obj):
    """An empty cell as None whatever pandas made of it (pandas 3 gives NaN where pandas 2 gave None)."""
    if isinstance(obj, dict):
        return {k: _missing_as_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_missing_as_none(v) for v in obj]
    return None if isinstance(obj, float) and math.isnan(obj) else obj


@pytest.mark.parametrize("name, sampling", list(PINNED))
def test_existing_settings_keep_their_tables_and_truths(name, sampling):
    settings = {"nmt": NMT, "mixed": MIXED}[name]
    if sampling != "uniform":
        settings = {**settings, "sampling": sampling, "pool_size": 300, "n_rows": 80}
    ds, truth = generate(settings, sampler(cache=False))
    record = {k: v for k, v in truth.to_dict().items() if k not in ("measure", "sense")}  # the fields the digests were taken of
    terms = truth.importances[truth.importances["kind"] != "total"]  # the rows and columns the records had then
    record["importances"] = terms[["term", "kind", "feature_a", "feature_b", "importance"]].to_dict(orient="list")
    digest = hashlib.sha256(json.dumps(_missing_as_none(record), sort_keys=True, default=str).encode()).hexdigest()
    assert (ds.fingerprint, digest) == PINNED[(name, sampling)]
    assert "drawn" not in ds.generator and all("parent" not in f for f in ds.generator["schema"])


# --- a generator with every new piece: conditional features, plateau/levels shapes, a pure pair ---

COND = {
    "schema": [
        {"name": "a", "scale": "log", "low": 1e-4, "high": 1e-1},
        {"name": "b", "low": 0, "high": 2},
        {"name": "c", "scale": "log", "levels": [1, 2, 4, 8]},
        {"name": "p", "scale": "categorical", "levels": ["x", "y", "z"]},
        {"name": "k", "low": 0, "high": 1, "parent": "p", "active": ["y", "x"]},
        {"name": "q", "scale": "categorical", "levels": ["m", "n"], "parent": "p", "active": ["z"]},
        {"name": "e", "low": -1, "high": 1},
        {"name": "f", "levels": [0, 1, 2]},
    ],
    "effects": {
        "a": {"shape": "u", "strength": 2, "u0": 0.3},
        "b": {"shape": "plateau", "strength": 1.5, "start": 0.2, "end": 0.7, "direction": -1},
        "c": {"shape": "step", "threshold": 0.4},
        "p": {"shape": "levels", "values": [0, 1, 0.3], "strength": 1.2},
        "k": {"shape": "monotone", "power": 2, "strength": 2.5},
        "q": {"shape": "step", "threshold": 1.0},
    },
    "interactions": [{"a": "e", "b": "a", "strength": 1.0}, {"a": "b", "b": "p", "strength": -0.8},
                     {"a": "e", "b": "f", "strength": 1.5}],
    "n_rows": 40,
    "seed": 4,
}
K = "active_p_in_{x,y}_for_k"  # the indicator of k's activity
BREAKS = {"b": (0.2, 0.7)}  # where a shape has a kink or jump in u (Gauss–Legendre is exact on each piece)


def test_conditional_features_get_the_data_layers_columns():
    ds, truth = generate({**COND, "n_rows": 200})
    assert list(ds.X.columns) == ["a", "b", "c", "p", "k", K, "q", "e", "f"]
    assert ds.schema[K].levels == infer.INDICATOR_LEVELS and ds.schema["q"].levels == ("m", "n", infer.ABSENT)
    k_active, q_active = ds.X.p.isin(["x", "y"]), ds.X.p == "z"
    assert (ds.X[K] == np.where(k_active, "True", "False")).all() and (ds.X.k[~k_active] == 0).all()
    assert (ds.X.q[~q_active] == infer.ABSENT).all() and set(ds.X.q[q_active]) == {"m", "n"}
    gen = ds.generator
    assert gen["schema"][4]["active"] == ["x", "y"]  # in the parent's level order
    assert json.loads(json.dumps(gen)) == gen == resolve(gen) and generate(gen)[0].fingerprint == ds.fingerprint
    # the truth speaks of hyperparameters: no term for the indicator, the child's shape on its active rows only
    assert K not in set(truth.importances.feature_a) and K not in set(truth.shapes.feature)
    k_shape = truth.shapes[truth.shapes.feature == "k"]
    assert len(k_shape) == k_active.sum() and k_shape.density.sum() == k_active.sum()
    assert set(truth.shapes[truth.shapes.feature == "q"].value) == {"m", "n"}
    text = describe(ds)
    assert "k (linear, continuous 0–1, active only when p ∈ {x, y})" in text and "b plateau, ramp down from u=0.2 to u=0.7" in text
    assert "p one value per level (0, 1, 0.3; strength 1.2, direction +1)" in text


def _hoeffding_on_rows(ds) -> tuple[dict, dict]:
    """Main and pair terms under the product of the rows' marginals, by evaluating f with values swapped into rows.

    A conditional feature's main term: the same over its active rows (0 elsewhere). The parent's term is left to
    the residual check (swapping the parent would switch its children on without values).
    """
    f = true_function(ds.generator)
    X = ds.X

    def swapped_means(rows: pd.DataFrame, assign: dict[str, list]) -> np.ndarray:
        k = len(next(iter(assign.values())))
        big = pd.concat([rows] * k, ignore_index=True)
        for col, values in assign.items():
            big[col] = np.repeat(np.array(values, dtype=object if isinstance(values[0], str) else float), len(rows))
        return f(big).reshape(k, len(rows)).mean(axis=1)

    mains = {}
    for name in ["a", "b", "c", "k", "q", "e", "f"]:
        held = X[X[K] == "True"] if name == "k" else X[X.q != infer.ABSENT] if name == "q" else X
        values = held[name].unique().tolist()
        m = pd.Series(swapped_means(held, {name: values}), index=values)
        mains[name] = m - m.reindex(held[name]).mean()  # centred over the rows that hold the feature
    pairs = {}
    for a, b in [("a", "e"), ("b", "p"), ("e", "f")]:
        va, vb = X[a].unique().tolist(), X[b].unique().tolist()
        grid = list(product(va, vb))
        F = swapped_means(X, {a: [g[0] for g in grid], b: [g[1] for g in grid]}).reshape(len(va), len(vb))
        wa = X[a].value_counts(normalize=True).reindex(va).to_numpy()
        wb = X[b].value_counts(normalize=True).reindex(vb).to_numpy()
        P = F - (F @ wb)[:, None] - (wa @ F)[None, :] + wa @ F @ wb
        P = pd.DataFrame(P, index=va, columns=vb)
        on_rows = np.array([P.at[x, z] for x, z in zip(X[a], X[b])])
        pairs[(a, b)] = P - on_rows.mean()  # centred over the rows, as every term of a record
    return mains, pairs


@pytest.mark.parametrize("sampling", ["uniform", "random"])
def test_mean_truth_is_the_decomposition_on_the_rows(sampling):
    settings = {**COND, "sampling": sampling, "pool_size": 150} if sampling != "uniform" else COND
    ds, truth = generate(settings, sampler(cache=False))
    for table, record in ((ds, truth), (ds.take(range(25)), truth_of(ds.take(range(25))))):  # a split: its own truth
        mains, pairs = _hoeffding_on_rows(table)
        X = table.X
        imp = record.importances.set_index("term")["importance"]
        for name, brute in mains.items():
            shape = record.shape(name)
            np.testing.assert_allclose(shape.reindex(brute.index).to_numpy(), brute.to_numpy(), atol=1e-10)
            held = X[K] == "True" if name == "k" else X.q != infer.ABSENT if name == "q" else np.ones(len(X), bool)
            assert imp[name] == pytest.approx(np.abs(brute.reindex(X[name][held])).sum() / len(X), abs=1e-10)
        for (a, b), brute in pairs.items():
            surface = record.surface(a, b)
            np.testing.assert_allclose(surface.to_numpy(), brute.loc[surface.index, surface.columns].to_numpy(), atol=1e-10)
            on_rows = np.array([brute.at[x, z] for x, z in zip(X[a], X[b])])
            assert imp[f"{a} x {b}"] == pytest.approx(np.abs(on_rows).mean(), abs=1e-10)
        assert (record.importances.set_index("term").drop([f"{a} x {b}" for a, b in pairs]).query("kind == 'pair'").importance == 0).all()
        # f − Σ terms is constant on the rows: the parent's shape (its own effect plus its children's
        # activity) is the only term not brute-forced above, so this pins it too.
        rest = true_function(table.generator)(X) - record.shape("p").reindex(X.p).to_numpy()
        for name, brute in mains.items():
            held = X[K] == "True" if name == "k" else X.q != infer.ABSENT if name == "q" else np.ones(len(X), bool)
            rest = rest - np.where(held, brute.reindex(X[name]).fillna(0).to_numpy(), 0.0)
        for (a, b), brute in pairs.items():
            rest = rest - np.array([brute.at[x, z] for x, z in zip(X[a], X[b])])
        np.testing.assert_allclose(rest, rest[0], atol=1e-10)
        assert record.shape("p").to_numpy() @ X.p.value_counts().reindex(record.shape("p").index).to_numpy() == pytest.approx(0, abs=1e-10)


def _states(oracle, name: str) -> list[tuple[dict, float]]:
    """The sampling distribution of one feature as weighted states of the table's columns (exact quadrature)."""
    feat = oracle.schema[name]
    if feat.is_discrete:
        states = [({name: v}, 1 / len(feat.levels)) for v in feat.levels]
    else:
        x, w = np.polynomial.legendre.leggauss(3)
        cuts = [0.0, *BREAKS.get(name, ()), 1.0]
        states = []
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            for u, wu in zip(lo + (x + 1) * (hi - lo) / 2, w * (hi - lo) / 2):
                if feat.scale == "log":
                    v = math.exp(math.log(feat.low) + u * (math.log(feat.high) - math.log(feat.low)))
                else:
                    v = feat.low + u * (feat.high - feat.low)
                states.append(({name: v}, wu))
    if name not in oracle.conditions:
        return states
    parent, levels = oracle.conditions[name]
    pi = len(levels) / len(oracle.schema[parent].levels)
    if feat.is_categorical:
        return [({name: infer.ABSENT}, 1 - pi)] + [(s, pi * w) for s, w in states]
    flag = indicator_of(oracle.conditions, name)
    return [({name: feat.low, flag: "False"}, 1 - pi)] + [({**s, flag: "True"}, pi * w) for s, w in states]


def _tensor(oracle, columns, states: dict) -> tuple[np.ndarray, list[np.ndarray]]:
    names = list(states)
    rows = [dict(kv for s, _ in combo for kv in s.items()) for combo in product(*(states[n] for n in names))]
    F = oracle(pd.DataFrame(rows, columns=columns)).reshape([len(states[n]) for n in names])
    return F, [np.array([w for _, w in states[n]]) for n in names]


def _expect(F: np.ndarray, weights: list[np.ndarray], keep=()) -> np.ndarray:
    for ax in reversed(range(F.ndim)):
        if ax not in keep:
            F = np.tensordot(F, weights[ax], axes=([ax], [0]))
    return F


@pytest.mark.parametrize("sampling", ["uniform", "random"])
def test_variance_truth_is_exact_under_the_sampling_distribution(sampling):
    settings = {**COND, "sampling": sampling, "pool_size": 150} if sampling != "uniform" else COND
    ds, _ = generate(settings, sampler(cache=False))
    record = truth_of(ds, sense="fanova")
    assert record.method.startswith("functional-ANOVA variance fraction")
    oracle = true_function(ds.generator)
    names = oracle.schema.names
    states = {n: _states(oracle, n) for n in names}
    F, W = _tensor(oracle, ds.X.columns, states)
    mu = _expect(F, W)
    total = _expect((F - mu) ** 2, W)
    main = {n: _expect(F, W, keep=(i,)) - mu for i, n in enumerate(names)}
    var = {n: float(W[i] @ main[n] ** 2) for i, n in enumerate(names)}
    for (i, a), (j, b) in combinations(enumerate(names), 2):
        P = _expect(F, W, keep=(i, j)) - main[a][:, None] - main[b][None, :] - mu
        var[f"{a} x {b}"] = float(W[i] @ P**2 @ W[j])
    assert sum(var.values()) == pytest.approx(total, rel=1e-12)  # f has no terms of higher order
    imp = record.importances[record.importances.kind != "total"].set_index("term")["importance"]
    assert imp.sum() == pytest.approx(1, abs=1e-12)
    totals = record.importances[record.importances.kind == "total"].set_index("feature_a")["importance"]
    for n in names:  # the total Sobol index: the main fraction and every pair fraction holding the feature
        assert totals[n] == pytest.approx(sum(v for k, v in var.items() if n in k.split(" x ")) / total, abs=1e-12)
    np.testing.assert_allclose(imp.reindex(list(var)).to_numpy(), np.array(list(var.values())) / total, atol=1e-12)
    # a pure pair: its features have no main effect, only the pairs' leak (centred on the pool's ū, not on E u)
    assert imp["e x f"] > 0.2 and 0 < imp["e"] < 0.05 and 0 < imp["f"] < 0.05
    # shapes are the Hoeffding main terms at the table's values (a child's: at its active values)
    for name in ["a", "b", "c", "p", "k", "q"]:
        feat = oracle.schema[name]
        for value, contribution in record.shape(name).iloc[:4].items():
            fixed = {name: value, **({K: "True"} if name == "k" else {})}
            G, Wg = _tensor(oracle, ds.X.columns, {**states, name: [(fixed, 1.0)]})
            assert contribution == pytest.approx(float(_expect(G, Wg)) - mu, abs=1e-12), (name, value, feat)
    surface = record.surface("e", "f")
    e, f = surface.index[0], surface.columns[1]
    G, Wg = _tensor(oracle, ds.X.columns, {**states, "e": [({"e": e}, 1.0)], "f": [({"f": f}, 1.0)]})
    me = _tensor(oracle, ds.X.columns, {**states, "e": [({"e": e}, 1.0)]})
    mf = _tensor(oracle, ds.X.columns, {**states, "f": [({"f": f}, 1.0)]})
    pure = float(_expect(G, Wg)) - float(_expect(*me)) - float(_expect(*mf)) + mu
    assert surface.at[e, f] == pytest.approx(pure, abs=1e-12)


def test_variance_truth_depends_on_the_generator_not_on_the_rows():
    skewed, _ = generate({**COND, "sampling": "random", "pool_size": 150}, sampler(cache=False))
    pool, _ = generate({**COND, "n_rows": 150})  # the same draws: the pool is the uniform table of pool_size rows
    a, b = truth_of(skewed, sense="fanova").importances, truth_of(pool, sense="fanova").importances
    pd.testing.assert_series_equal(a.importance, b.importance)
    assert not truth_of(skewed).importances.importance.equals(truth_of(pool).importances.importance)
    with pytest.raises(ConfigError, match=r"truth sense 'shap' is unknown; known: mean, fanova"):
        truth_of(skewed, sense="shap")


@pytest.mark.parametrize(
    "effect",
    [{"shape": "monotone", "power": 0.37}, {"shape": "monotone", "power": 2.5}, {"shape": "u", "u0": 0.2},
     {"shape": "u", "u0": 0.8}, {"shape": "step", "threshold": 0.35}, {"shape": "plateau", "start": 0.0, "end": 0.5},
     {"shape": "plateau", "start": 0.3, "end": 1.0}, {"shape": "plateau", "start": 0.2, "end": 0.6}],
)
def test_continuous_moments_are_exact(effect):
    effect = {"strength": 1.7, "direction": -1, **effect}
    points = [p for k in ("threshold", "start", "end", "u0") if (p := effect.get(k)) is not None]

    def quad(fn):
        return integrate.quad(lambda u: fn(u) * shapes.value(effect, np.array([u]))[0], 0, 1, points=points or None,
                              epsabs=1e-13, epsrel=1e-13, limit=200)[0]

    e1, e2, eu = shapes.moments(effect)
    assert e1 == pytest.approx(quad(lambda u: 1.0), abs=1e-10)
    assert e2 == pytest.approx(integrate.quad(lambda u: shapes.value(effect, np.array([u]))[0] ** 2, 0, 1,
                                              points=points or None, epsabs=1e-13, limit=200)[0], abs=1e-10)
    assert eu == pytest.approx(quad(lambda u: u), abs=1e-10)


# --- random draws ------------------------------------------------------------------------------------

DRAW = {"kind": "synthetic", "schema": "random", "n_rows": 30}


def test_random_draws_span_what_the_issue_asks_for():
    drawn = [resolve({**DRAW, "seed": s}) for s in range(200)]
    sizes = Counter(len(g["schema"]) for g in drawn)
    assert min(sizes) == 3 and max(sizes) == 12
    features = [f for g in drawn for f in g["schema"]]
    kinds = Counter(("integer" if f["levels"] else "continuous") if f["scale"] != "categorical" else "categorical"
                    for f in features)
    assert set(kinds) == {"integer", "continuous", "categorical"} and {f["scale"] for f in features} == {"log", "linear", "categorical"}
    children = [f for f in features if "parent" in f]
    assert 0.05 < len(children) / len(features) < 0.3 and {f["scale"] for f in children} >= {"categorical", "log", "linear"}
    assert set(Counter(e["shape"] for g in drawn for e in g["effects"].values())) == {"monotone", "u", "step", "plateau", "levels", "none"}
    assert set(Counter(len(g["interactions"]) for g in drawn)) == {0, 1, 2, 3}
    pure = [p for g in drawn for p in g["interactions"] if g["effects"][p["a"]]["shape"] == g["effects"][p["b"]]["shape"] == "none"]
    assert len(pure) >= 10
    assert all(g["name"] == f"synthetic-random{len(g['schema'])}f-snr4-n30-uniform-s{g['seed']}" for g in drawn)
    assert all(g["drawn"] == drawn[0]["drawn"] for g in drawn)


def test_random_truths_vary_and_follow_the_concentration():
    tops = set()
    for s in range(30):
        mains = truth_of(generate({**DRAW, "seed": s})[0], sense="fanova").main_importances()
        tops.add(frozenset(mains.sort_values(ascending=False).index[:3]))
    assert len(tops) >= 18  # no shared true top-3 (features are named x1, x2, … in every draw)

    def dominance(concentration):
        shares = []
        for s in range(20):
            g = {**DRAW, "seed": s, "random": {"concentration": concentration, "interactions": 0, "conditional": 0}}
            mains = truth_of(generate(g)[0], sense="fanova").main_importances()
            shares.append(mains.max() / mains.sum())
        return np.mean(shares)

    assert dominance(0.05) > 0.85 > 0.5 > dominance(50.0)


def test_a_draw_is_deterministic_and_kept_across_rows_noise_and_sampling():
    base = resolve({**DRAW, "seed": 7})
    assert resolve({**DRAW, "seed": 7}) == base
    other = resolve({**DRAW, "seed": 7, "n_rows": 80, "snr": [1, 16], "sampling": "random", "pool_size": 100})
    for key in ("schema", "effects", "interactions", "drawn"):
        assert other[key] == base[key]
    assert other["snr"] != base["snr"] and 1 <= other["snr"] <= 16
    assert other["snr"] == resolve({**DRAW, "seed": 7, "snr": [1, 16]})["snr"]  # drawn from the seed
    assert resolve({**DRAW, "seed": 8})["schema"] != base["schema"]
    ds = generate({**DRAW, "seed": 7})[0]
    assert generate(ds.generator)[0].fingerprint == ds.fingerprint  # rebuilt without drawing again


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_draws_variance_truth_matches_monte_carlo(seed):
    """Pick-freeze (Saltelli 2010) estimates of every main and pair share, on fresh rows of the drawn function."""
    settings = {**DRAW, "seed": seed, "random": {"n_features": [5, 7], "conditional": 0.5, "interactions": [2, 3],
                                                 "pure_pairs": 0.5}}
    ds, _ = generate(settings)
    f = true_function(ds.generator)
    imp = truth_of(ds, sense="fanova").importances.set_index("term")["importance"]
    n = 40_000
    A, B = sample_rows(ds.generator, n, 2 * seed), sample_rows(ds.generator, n, 2 * seed + 1)
    fA, fB = f(A), f(B)
    var = np.var(np.r_[fA, fB])

    def closed(names):
        flags = [indicator_of(f.conditions, n) for n in names if n in f.conditions and not f.schema[n].is_categorical]
        cols = [c for c in [*names, *flags] if c in A.columns]
        mixed = A.copy()
        mixed[cols] = B[cols]
        return float(np.mean(fB * (f(mixed) - fA))) / var

    first = {name: closed([name]) for name in f.schema.names}
    for name, share in first.items():
        assert share == pytest.approx(imp[name], abs=0.02), name
    for p in ds.generator["interactions"]:
        a, b = p["a"], p["b"]
        assert closed([a, b]) - first[a] - first[b] == pytest.approx(imp[f"{a} x {b}"], abs=0.02), (a, b)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"schema": [{"name": "a", "low": 0, "high": 1, "parent": "z", "active": ["x"]}]},
         r"data\.schema\[0\] \(a\): parent must name another feature of the schema, got 'z'"),
        ({"schema": [{"name": "a", "low": 0, "high": 1}, {"name": "b", "low": 0, "high": 1, "parent": "a", "active": [0]}]},
         r"data\.schema\[1\] \(b\): parent 'a' must be a categorical feature"),
        ({"schema": [{"name": "p", "scale": "categorical", "levels": ["x", "y"]},
                     {"name": "b", "low": 0, "high": 1, "parent": "p", "active": ["w"]}]},
         r"active must be a non-empty list of p's levels \['x', 'y'\], got \['w'\]"),
        ({"schema": [{"name": "p", "scale": "categorical", "levels": ["x", "y"]},
                     {"name": "b", "low": 0, "high": 1, "parent": "p", "active": ["x", "y"]}]},
         r"active lists every level of p"),
        ({"schema": [{"name": "p", "scale": "categorical", "levels": ["x", "y"]},
                     {"name": "q", "scale": "categorical", "levels": ["m", "n"], "parent": "p", "active": ["x"]},
                     {"name": "b", "low": 0, "high": 1, "parent": "q", "active": ["m"]}]},
         r"'b' depends on 'q', which is conditional itself"),
        ({"interactions": [{"a": "k", "b": "a"}]}, r"data\.interactions\[0\]: 'k' is conditional; a conditional feature takes part in no interaction"),
        ({"effects": {"a": {"shape": "levels", "values": [0, 1]}}}, r"data\.effects\.a\.shape=levels needs a feature with declared levels"),
        ({"effects": {"c": {"shape": "levels", "values": [0, 1]}}}, r"data\.effects\.c\.values must list one number in \[0, 1\] per level \(4\)"),
        ({"effects": {"f": {"shape": "levels", "values": [0, 1, 2]}}}, r"data\.effects\.f\.values must lie in \[0, 1\]"),
        ({"effects": {"b": {"shape": "plateau", "start": 0.6, "end": 0.4}}}, r"data\.effects\.b: plateau needs 0 <= start < end <= 1"),
        ({"random": {"n_features": 4}}, r"data\.random \(the options of a random draw\) applies only with data\.schema: random"),
        ({"snr": [4, 1]}, r"data\.snr range needs 0 < low <= high, got \[4, 1\]"),
        ({"snr": [1, 2, 3]}, r"data\.snr must be a number or a range \[low, high\]"),
        ({"sampling": "cmaes"}, r"data\.sampling='cmaes' is unknown; known: uniform, random, bo, gb, tpe"),
    ],
)
def test_new_options_fail_in_one_line(overrides, message):
    with pytest.raises(ConfigError, match=message) as info:
        resolve({**COND, **overrides})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "random, message",
    [
        ({"n_feature": 4}, r"data\.random has unknown option\(s\) n_feature; known: n_features, conditional"),
        ({"n_features": 1}, r"data\.random\.n_features must be at least 2, got \[1, 1\]"),
        ({"n_features": [8, 4]}, r"data\.random\.n_features range needs low <= high, got \[8, 4\]"),
        ({"interactions": [0, 2.5]}, r"data\.random\.interactions must be a number or a range \[low, high\] of integers"),
        ({"concentration": 0}, r"data\.random\.concentration must be > 0"),
        ({"conditional": 1.5}, r"data\.random\.conditional must be a share in \[0, 1\], got 1\.5"),
        ("many", r"data\.random must be a mapping of draw options"),
    ],
)
def test_draw_options_fail_in_one_line(random, message):
    with pytest.raises(ConfigError, match=message):
        resolve({**DRAW, "random": random})
    with pytest.raises(ConfigError, match=r"data\.effects cannot be given with data\.schema: random"):
        resolve({**DRAW, "effects": {"x1": {"shape": "step"}}})


# --- the grid of tables for a leaderboard ---------------------------------------------------------------


def test_table_grid_is_deterministic_balanced_and_valid():
    grid = table_grid(0)
    assert grid == table_grid(0) and grid != table_grid(1) and len(grid) == 24
    for key, values in (("n_rows", {50, 100, 200, 400}), ("snr", {1.0, 4.0, 16.0}),
                        ("sampling", {"uniform", "random", "bo", "gb", "tpe"})):
        counts = Counter(t[key] for t in grid)
        assert set(counts) == values and max(counts.values()) - min(counts.values()) <= 1, key
    assert len({t["seed"] for t in grid}) == 24
    resolved = [resolve(t) for t in grid]
    assert len({r["name"] for r in resolved}) == 24 and len({json.dumps(r["effects"]) for r in resolved}) == 24
    assert all(r["pool_size"] is None or r["n_rows"] <= r["pool_size"] <= 600 for r in resolved)
    full = table_grid(0, "full")
    assert len(full) == 120 and max(t["n_rows"] for t in full) == 800 and max(t.get("pool_size", 0) for t in full) == 1600
    few = table_grid(3, n_tables=5, random={"n_features": [3, 4]})
    assert len(few) == 5 and all(len(resolve(t)["schema"]) <= 4 for t in few)
    with pytest.raises(ConfigError, match=r"synthetic grid 'huge' is unknown; known: default, full"):
        table_grid(0, "huge")
    with pytest.raises(ConfigError, match=r"^synthetic grid: n_tables=0 must be at least 1$"):
        table_grid(0, n_tables=0)


def test_the_random_preset_loads_through_hydra_and_the_registry():
    from hydra import compose, initialize_config_dir

    from harness.data import load_dataset
    from harness.paths import config_root

    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        cfg = compose("config", overrides=["data=synthetic_random", "data.seed=5", "data.n_rows=40",
                                           "data.sampling=tpe", "data.pool_size=120", "data.random.n_features=[4,6]"])
    ds = load_dataset(cfg.data, sampler(cache=False))
    gen = ds.generator
    assert len(ds) == 40 and 4 <= len(gen["schema"]) <= 6 and gen["drawn"]["n_features"] == [4, 6]
    assert 1 <= gen["snr"] <= 16 and ds.name == f"synthetic-random{len(gen['schema'])}f-snr{gen['snr']:g}-n40-tpe120-s5"
    assert "drawn at random from seed 5" in describe(ds) and "a TPE-like sampler" in describe(ds)
    assert load_dataset(gen, sampler(cache=False)).fingerprint == ds.fingerprint
