"""The TPE-like order: the Parzen sums it keeps, the good/bad split, its skew toward good rows, its use as a sampling."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from harness.synthetic import generate
from harness.errors import ConfigError
from harness.hpo import order_pool, sampler
from harness.hpo._pool import initial_points
from harness.hpo.random_order import random_order
from harness.hpo.tpe import ParzenSums, split, tpe_order


def test_kept_sums_match_a_direct_computation():
    rng = np.random.default_rng(0)
    X = rng.random((120, 6))
    X[7] = X[3]  # a duplicate row: its kernel dominates its twin's sum when one of them leaves
    sums = ParzenSums(cdist(X, X, "sqeuclidean"), 6, bandwidth=0.2, prior_weight=1.0, growth=1.1)
    members: set[int] = set()
    for step in range(300):
        join = [int(j) for j in rng.choice(120, size=int(rng.integers(0, 3)), replace=False) if j not in members]
        leave = [j for j in sorted(members) if rng.random() < 0.02] if step % 3 else []
        members |= set(join)
        members -= set(leave)
        sums.update(join, leave)
        assert sums.size == len(members) and set(np.flatnonzero(sums.members)) == members
        np.testing.assert_allclose(sums.log_sum, sums.exact(), rtol=1e-9, atol=1e-9)
    # the bandwidth follows Scott's rule for the size at the last rebuild, at most 10 % ago
    assert sums.built_at <= sums.size <= 1.1 * sums.built_at
    assert sums.h == pytest.approx(0.2 * sums.built_at ** (-1 / 10))


def test_density_is_the_prior_plus_normalised_kernels():
    X = np.array([[0.1, 0.2], [0.8, 0.5], [0.4, 0.4]])
    sums = ParzenSums(cdist(X, X, "sqeuclidean"), 2, bandwidth=0.3, prior_weight=0.5, growth=1.0)
    np.testing.assert_array_equal(sums.log_density(), 0.0)  # empty: the uniform prior on the unit box
    sums.update([0, 1], [])
    h = 0.3 * 2 ** (-1 / 6)
    kernel = np.exp(-cdist(X, X[:2], "sqeuclidean") / (2 * h * h)).sum(axis=1) / (2 * np.pi * h * h)
    np.testing.assert_allclose(np.exp(sums.log_density()), (0.5 + kernel) / 2.5, rtol=1e-12)


def test_split_keeps_the_best_share_and_breaks_ties_by_visit():
    y = np.array([5.0, 1.0, 5.0, 3.0, 9.0, 0.0])
    good, bad = split(np.array([2, 0, 1, 3, 4, 5]), y, 0.25)
    assert good.tolist() == [4, 2] and bad.tolist() == [0, 3, 1, 5]  # ⌈0.25 · 6⌉ = 2; row 2 was visited before row 0
    good, bad = split(np.array([3]), y, 0.25)
    assert good.tolist() == [3] and bad.tolist() == []


def test_starts_from_the_shared_seeded_points_and_uses_the_targets(sw_en_scaled):
    X, y = sw_en_scaled
    rows = np.random.default_rng(5).choice(len(y), 200, replace=False)
    X, y = X[rows], y[rows]
    order = order_pool("tpe", X, y, seed=4, n_init=5)
    np.testing.assert_array_equal(order[:5], initial_points(200, 5, 4))
    np.testing.assert_array_equal(order[:5], order_pool("bo", X, y, seed=4, n_init=5)[:5])
    assert not np.array_equal(order, order_pool("tpe", X, -y, seed=4, n_init=5))
    np.testing.assert_array_equal(order, tpe_order(X, y, 4, n_init=5))


def test_skews_toward_good_rows(sw_en_scaled):
    """On the real sw-en table TPE's first fifth holds the best tenth of the rows far more often than chance."""
    X, y = sw_en_scaled
    first, best = len(y) // 5, y >= np.quantile(y, 0.9)
    for seed in range(3):
        tpe, rand = order_pool("tpe", X, y, seed=seed)[:first], random_order(len(y), seed)[:first]
        assert best[tpe].mean() > 0.25 > best[rand].mean()  # chance: 0.1
        assert np.median(y[tpe]) > np.median(y) + 1.0  # BLEU


def test_finds_the_maximum_of_a_smooth_function_early():
    grid = np.linspace(0, 1, 9)
    X = np.array([(a, b) for a in grid for b in grid])
    y = -((X[:, 0] - 0.7) ** 2) - (X[:, 1] - 0.3) ** 2
    for seed in range(3):
        assert int(np.flatnonzero(order_pool("tpe", X, y, seed=seed) == np.argmax(y))[0]) < 0.25 * len(y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"gamma": 1.0}, r"tpe: gamma must lie in \(0, 1\) \(the share of observed rows counted as good\), got 1\.0"),
        ({"bandwidth": 0}, r"tpe: bandwidth must be > 0, got 0"),
        ({"prior_weight": -1}, r"tpe: prior_weight must be > 0, got -1"),
        ({"rebuild_growth": 0.9}, r"tpe: rebuild_growth must be >= 1, got 0\.9"),
        ({"k": 10}, r"'tpe' has no parameter\(s\) k; allowed: gamma, bandwidth, prior_weight, rebuild_growth"),
    ],
)
def test_errors_are_one_clear_line(params, message):
    X = np.random.default_rng(0).random((20, 2))
    with pytest.raises(ConfigError, match=message):
        order_pool("tpe", X, X.sum(axis=1), seed=0, **params)


def test_a_synthetic_table_sampled_by_tpe_is_what_tpe_visits():
    settings = {"schema": "random", "seed": 2, "sampling": "tpe", "pool_size": 150, "n_rows": 40}
    ds, _ = generate(settings, sampler(cache=False))
    pool = generate({**settings, "sampling": "uniform", "n_rows": 150})[0]  # the same draws
    order = order_pool("tpe", pool.scaled().to_numpy(), pool.y.to_numpy(), 2)
    pd.testing.assert_frame_equal(ds.X, pool.X.iloc[order[:40]].reset_index(drop=True))
    assert ds.y.mean() > pool.y.mean() and ds.name.endswith("-n40-tpe150-s2")
