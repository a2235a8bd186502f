"""The synthetic generator: its table, its truth, its noise, its config and its errors."""
from __future__ import annotations

import json
import re
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from harness.paths import config_root
from harness.data import load_dataset
from harness.synthetic import describe, generate, resolve, true_function, truth_of
from harness.errors import ConfigError
from harness.hpo import order_pool, sampler


def yaml_settings(**overrides) -> dict:
    """The shipped conf/data/synthetic.yaml, so the tests exercise what users get."""
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        cfg = compose("config", overrides=["data=synthetic"])
    return {**OmegaConf.to_container(cfg.data, resolve=True), **overrides}


MIXED = {
    "schema": [
        {"name": "a", "scale": "log", "low": 1e-4, "high": 1e-1},
        {"name": "b", "low": 0, "high": 1},
        {"name": "c", "scale": "categorical", "levels": ["x", "y", "z"]},
        {"name": "d", "scale": "log", "levels": [1, 10, 100]},
    ],
    "effects": {"a": {"shape": "u", "strength": 2}, "c": {"shape": "step"}},
    "interactions": [{"a": "d", "b": "b", "strength": 2}],
    "n_rows": 200,
}


def decomposition_residual(ds, truth) -> np.ndarray:
    """f(X) minus the truth's terms at each row: a constant iff the truth decomposes the oracle exactly."""
    rest = true_function(ds.generator)(ds.X)
    for f in ds.schema.names:
        shape = truth.shapes[truth.shapes.feature == f].set_index("value")["contribution"]
        rest = rest - shape.reindex(ds.X[f]).to_numpy()
    for (a, b), surface in truth.interactions.groupby(["feature_a", "feature_b"]):
        lookup = surface.set_index(["value_a", "value_b"])["contribution"]
        rest = rest - lookup.reindex(pd.MultiIndex.from_arrays([ds.X[a], ds.X[b]])).to_numpy()
    return rest


def test_table_has_declared_shape_and_values():
    ds, truth = generate(yaml_settings())
    assert ds.name == "synthetic-nmt-snr4-n400-uniform-s0" and len(ds) == 400
    assert list(ds.X.columns) == ["bpe", "layers", "embed", "hidden", "heads", "lr"]
    for f in ds.schema:
        assert set(ds.X[f.name]) <= set(f.levels)
    assert ds.X["bpe"].dtype == np.int64 and ds.X["lr"].dtype == np.float64
    assert ds.y.name == "score" and np.isfinite(ds.y).all() and ds.maximize
    assert re.fullmatch(r"[0-9a-f]{64}", ds.fingerprint)
    assert truth.surrogate == "truth" and truth.dataset == ds.name
    gen = ds.generator
    assert json.loads(json.dumps(gen)) == gen == resolve(gen)  # plain JSON, and complete
    assert generate(gen)[0].fingerprint == ds.fingerprint


def test_truth_follows_the_specified_effects():
    ds, truth = generate(yaml_settings())
    shapes = {f: g.set_index("value")["contribution"] for f, g in truth.shapes.groupby("feature")}
    assert np.all(np.diff(shapes["lr"].sort_index().to_numpy()) < 0)  # monotone, direction -1
    assert np.all(np.diff(shapes["layers"].sort_index().to_numpy()) > 0)
    embed = shapes["embed"].sort_index().to_numpy()
    assert embed[1] > max(embed[0], embed[2])  # u, direction -1: a peak at u0 = 0.5 (512)
    assert shapes["bpe"].nunique() == 2  # one step
    assert (truth.shapes.groupby("feature")["density"].sum() == 400).all()
    assert truth.shapes[["lower", "upper"]].isna().all().all()

    imp = truth.importances.set_index("term")["importance"]
    assert imp["hidden"] == 0 and imp["heads"] == 0 and (shapes["hidden"] == 0).all()
    pairs = truth.importances[truth.importances.kind == "pair"]
    assert list(zip(pairs.feature_a, pairs.feature_b)) == list(combinations(ds.schema.names, 2))
    assert pairs.set_index("term")["importance"].drop("embed x lr").eq(0).all() and imp["embed x lr"] > 0.3
    assert set(zip(truth.interactions.feature_a, truth.interactions.feature_b)) == {("embed", "lr")}
    assert len(truth.interactions) == 3 * 3
    np.testing.assert_allclose(decomposition_residual(ds, truth), decomposition_residual(ds, truth)[0], atol=1e-12)


def test_deterministic_by_seed():
    ds1, t1 = generate(yaml_settings())
    ds2, t2 = generate(yaml_settings())
    pd.testing.assert_frame_equal(ds1.X, ds2.X)
    pd.testing.assert_series_equal(ds1.y, ds2.y)
    pd.testing.assert_frame_equal(t1.importances, t2.importances)
    other = generate(yaml_settings(seed=1))[0]
    assert other.name.endswith("-s1") and other.fingerprint != ds1.fingerprint
    assert not ds1.X.equals(other.X) and not np.allclose(ds1.y, other.y)
    noisier = generate(yaml_settings(snr=1.0))[0]
    pd.testing.assert_frame_equal(ds1.X, noisier.X)  # rows and noise come from separate streams


def test_oracle_reproduces_y_and_strengths_rank_importances():
    ds, truth = generate(yaml_settings(snr=1e12, n_rows=2000))
    f = true_function(ds.generator)(ds.X)
    np.testing.assert_allclose(ds.y, f, atol=1e-4 * ds.y.std())
    np.testing.assert_allclose(ds.extras["signal"], f)
    mains = truth.main_importances()
    assert list(mains.sort_values(ascending=False).index[:4]) == ["lr", "embed", "bpe", "layers"]  # strengths 3 > 2 > 1.5 > 1


def test_noise_level_matches_snr():
    ds, _ = generate(yaml_settings(n_rows=2000))
    signal = true_function(ds.generator)(ds.X)
    assert np.var(signal) / np.var(ds.y - signal) == pytest.approx(4.0, rel=0.15)


def test_hydra_config_loads_through_the_registry():
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        cfg = compose("config", overrides=["data=synthetic", "data.n_rows=50", "data.effects.hidden.shape=monotone"])
    ds = load_dataset(cfg.data)
    assert len(ds) == 50 and ds.generator["effects"]["hidden"] == {
        "shape": "monotone", "strength": 1.0, "direction": 1, "power": 1.0
    }
    assert truth_of(ds).main_importances()["hidden"] > 0
    assert load_dataset(ds.generator).fingerprint == ds.fingerprint
    text = describe(ds)
    assert ds.name in text and "lr monotone decreasing (strength 3)" in text and "embed × lr (strength 1.5)" in text


def test_user_schema_with_continuous_and_categorical_features():
    ds, truth = generate(MIXED)
    assert ds.name == "synthetic-4f-snr4-n200-uniform-s0"
    assert ds.X["a"].between(1e-4, 1e-1).all() and ds.X["b"].between(0, 1).all()
    assert set(ds.X["c"]) <= {"x", "y", "z"} and set(ds.X["d"]) <= {1, 10, 100}
    positions = true_function(MIXED).positions["c"]
    assert sorted(positions.values()) == [0.0, 0.5, 1.0]
    assert truth.main_importances()["c"] > 0 and truth.main_importances()["d"] == 0
    assert len(truth.shapes[truth.shapes.feature == "a"]) == 200
    assert ds.generator["interactions"] == [{"a": "b", "b": "d", "strength": 2.0}]  # schema order
    assert truth.interactions.value_a.nunique() == 32  # b continuous: thinned to GRID present values
    assert set(truth.interactions.value_a) <= set(ds.X["b"]) and truth.interactions.value_b.nunique() == 3
    half = truth_of(ds.take(range(100)))  # a split has its own truth, centred on its rows
    assert half.shapes.groupby("feature")["density"].sum().eq(100).all()


def test_skewed_sampling_keeps_what_the_hpo_method_visits():
    settings = yaml_settings(sampling="gb", pool_size=150, n_rows=40)
    ds, truth = generate(settings, sampler())
    pool = generate(yaml_settings(n_rows=150, snr=4.0))[0]  # the same draws: rows come from the seed's row stream
    order = order_pool("gb", pool.scaled().to_numpy(), pool.y.to_numpy(), 0)
    pd.testing.assert_frame_equal(ds.X, pool.X.iloc[order[:40]].reset_index(drop=True))
    assert ds.y.mean() > pool.y.mean()  # HPO goes for good configurations: a skewed sample
    assert ds.name == "synthetic-nmt-snr4-n40-gb150-s0"
    rest = decomposition_residual(ds, truth)
    np.testing.assert_allclose(rest, rest[0], atol=1e-12)


def test_skewed_sampling_needs_an_hpo_order():
    with pytest.raises(ConfigError, match="data.sampling=gb needs an HPO order"):
        generate(yaml_settings(sampling="gb", pool_size=150, n_rows=40))


def test_skewed_sampling_caches_its_order_where_told(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "user"))
    settings = yaml_settings(sampling="gb", pool_size=150, n_rows=40)
    first = generate(settings, sampler(cache_dir=tmp_path / "run"))[0]
    assert len(list((tmp_path / "run" / "hpo_orders").glob("gb-*.npy"))) == 1
    again = generate(settings, sampler(cache=False))[0]
    assert not (tmp_path / "user").exists()  # cache=False writes nothing, not even to the user cache
    pd.testing.assert_frame_equal(first.X, again.X)
    generate(settings, sampler())
    assert len(list((tmp_path / "user" / "hpo_orders").glob("gb-*.npy"))) == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"effects": {"depth": {"shape": "monotone"}}}, r"data\.effects: unknown feature 'depth'; schema features: bpe, layers"),
        ({"interactions": [{"a": "lr", "b": "depth"}]}, r"data\.interactions\[0\]\.b: unknown feature 'depth'"),
        ({"effects": {"lr": {"shape": "wiggly"}}}, r"data\.effects\.lr\.shape='wiggly' is unknown; known shapes: monotone, u, step, plateau, levels, none"),
        ({"effects": {"lr": {"shape": "step", "treshold": 0.3}}}, r"data\.effects\.lr has unknown key\(s\) treshold"),
        ({"effects": {"lr": {"shape": "monotone", "direction": 2}}}, r"data\.effects\.lr\.direction must be 1 or -1, got 2"),
        ({"snr": 0}, r"data\.snr must be > 0 \(var\(signal\) / var\(noise\)\), got 0"),
        ({"snr": -1.5}, r"data\.snr must be > 0"),
        ({"n_rows": 1}, r"data\.n_rows=1 must be at least 2$"),
        ({"n_rows": 2.5}, r"data\.n_rows=2\.5 is not a whole number$"),
        ({"sampling": "bo", "n_rows": 500, "pool_size": 100}, r"data\.n_rows=500 exceeds data\.pool_size=100"),
        ({"sampling": "cmaes"}, r"data\.sampling='cmaes' is unknown; known: uniform, random, bo, gb, tpe"),
        ({"schema": [{"name": "a", "scale": "cubic", "low": 0, "high": 1}]}, r"data\.schema\[0\]: feature 'a': scale must be"),
        ({"schema": [{"name": "a", "scale": "log", "low": 0, "high": 1}]}, r"data\.schema\[0\]: feature 'a': log scale needs positive"),
        ({"schema": [{"scale": "linear"}]}, r"data\.schema\[0\] needs a non-empty string name"),
        ({"schema": ["a"]}, r"data\.schema\[0\] must be a mapping"),
        ({"schema": [{"name": "a", "low": 0, "high": 1, "step": 2}]}, r"data\.schema\[0\] has unknown key\(s\) step"),
        ({"schema": "imagenet"}, r"data\.schema must be 'nmt' or a non-empty list"),
        ({"snrr": 4}, r"synthetic data has no option\(s\) snrr"),
        ({"effects": {}, "interactions": []}, r"synthetic data has no signal"),
    ],
)
def test_validation_errors_are_one_line(overrides, message):
    with pytest.raises(ConfigError, match=message) as info:
        generate(yaml_settings(**overrides))
    assert "\n" not in str(info.value)
