"""HPO sampling orders: permutations, seeding, the BO/GB linear algebra, the disk cache."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components
from scipy.stats import norm

from harness.errors import ConfigError
from harness.hpo import METHODS, order_pool, orders
from harness.hpo._pool import initial_points
from harness.hpo.bo import (
    IncrementalGP,
    KernelParams,
    log_expected_improvement,
    neg_log_marginal_likelihood,
    refit_sizes,
)
from harness.hpo.gb_dense import HarmonicGraph, knn_graph
from harness.hpo.random_order import random_order

@pytest.fixture(scope="module")
def sw_en(sw_en_scaled):
    return sw_en_scaled


@pytest.fixture(scope="module")
def pool(sw_en):
    X, y = sw_en
    rows = np.random.default_rng(123).choice(len(y), 60, replace=False)
    return X[rows], y[rows]


def _is_permutation(order, n):
    return order.dtype.kind == "i" and order.shape == (n,) and np.array_equal(np.sort(order), np.arange(n))


# --- the common contract -------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n_init", [1, 3, 10])
def test_order_is_a_permutation_of_the_pool(pool, method, n_init):
    X, y = pool
    assert _is_permutation(order_pool(method, X, y, seed=0, n_init=n_init), len(y))


def test_random_is_the_shared_seeded_permutation(pool):
    X, y = pool
    expected = np.random.default_rng(np.random.SeedSequence([7, 0])).permutation(len(y))
    np.testing.assert_array_equal(order_pool("random", X, y, seed=7), expected)
    np.testing.assert_array_equal(random_order(len(y), 7), expected)


@pytest.mark.parametrize("n_init", [1, 3, 5])
def test_model_based_methods_start_from_the_same_seeded_points(pool, n_init):
    X, y = pool
    init = initial_points(len(y), n_init, 4)
    assert len(set(init)) == n_init
    for method in ("bo", "gb"):
        np.testing.assert_array_equal(order_pool(method, X, y, seed=4, n_init=n_init)[:n_init], init)
    assert not np.array_equal(init, random_order(len(y), 4)[:n_init])


@pytest.mark.parametrize("method", METHODS)
def test_deterministic_per_seed_and_different_across_seeds(pool, method):
    X, y = pool
    a = order_pool(method, X, y, seed=1)
    np.testing.assert_array_equal(a, order_pool(method, X.copy(), y.copy(), seed=1))
    assert not np.array_equal(a, order_pool(method, X, y, seed=2))


@pytest.mark.parametrize("method", METHODS)
def test_minimising_is_maximising_the_negated_target(pool, method):
    X, y = pool
    np.testing.assert_array_equal(
        order_pool(method, X, y, seed=3, maximize=False), order_pool(method, X, -y, seed=3, maximize=True)
    )


def test_model_based_orders_use_the_targets(pool):
    X, y = pool
    for method in ("bo", "gb"):
        assert not np.array_equal(order_pool(method, X, y, seed=0), order_pool(method, X, -y, seed=0))


@pytest.mark.parametrize("method", ["bo", "gb"])
def test_finds_the_maximum_of_a_smooth_function_early(method):
    """On an easy smooth surface both methods must beat random search's expected 50 %."""
    grid = np.linspace(0, 1, 9)
    X = np.array([(a, b) for a in grid for b in grid])
    y = -((X[:, 0] - 0.7) ** 2) - (X[:, 1] - 0.3) ** 2
    for seed in range(3):
        order = order_pool(method, X, y, seed=seed)
        assert int(np.flatnonzero(order == np.argmax(y))[0]) < 0.25 * len(y)


def test_errors_are_one_clear_line(pool):
    X, y = pool
    with pytest.raises(ConfigError, match=r"unknown HPO method 'cmaes'; known: random, bo, gb, tpe"):
        order_pool("cmaes", X, y, seed=0)
    for bad in (0, len(y) + 1):
        with pytest.raises(ConfigError, match=r"n_init must be between 1 and the pool size 60"):
            order_pool("bo", X, y, seed=0, n_init=bad)
    y_nan = y.copy()
    y_nan[5] = np.nan
    with pytest.raises(ValueError, match=r"y has 1 NaN/inf value\(s\), first at row 5"):
        order_pool("gb", X, y_nan, seed=0)
    with pytest.raises(ValueError, match=r"X has 60 rows but y has 59 values"):
        order_pool("random", X, y[:-1], seed=0)
    with pytest.raises(ConfigError, match=r"'gb' has no parameter\(s\) refit_growth; allowed: k, length_scale"):
        order_pool("gb", X, y, seed=0, refit_growth=2.0)
    with pytest.raises(ConfigError, match=r"seed must be a non-negative integer"):
        order_pool("random", X, y, seed=-1)
    with pytest.raises(ConfigError, match=r"refit_growth must be >= 1, got 0.5"):
        order_pool("bo", X, y, seed=0, refit_growth=0.5)


# --- BO ------------------------------------------------------------------------------


def test_incremental_posterior_matches_sklearn(pool):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    X, y = pool
    params = KernelParams(2.0, np.array([0.3, 0.8, 0.5, 2.0, 1.5, 0.4]), 0.05)
    kernel = ConstantKernel(params.amplitude) * Matern(params.length_scale, nu=2.5) + WhiteKernel(params.noise)
    gp = IncrementalGP(X, y, params)
    visit = np.random.default_rng(0).permutation(len(y))
    for m in (1, 2, 7, 30):
        while len(gp.observed) < m:
            gp.add(int(visit[len(gp.observed)]))
        ref = GaussianProcessRegressor(kernel, alpha=0.0, optimizer=None, normalize_y=True)
        ref.fit(X[visit[:m]], y[visit[:m]])
        mean_ref, std_ref = ref.predict(X, return_std=True)
        mean, std = gp.predict()
        np.testing.assert_allclose(mean, mean_ref, rtol=1e-8, atol=1e-8 * np.ptp(y))
        np.testing.assert_allclose(std, std_ref, rtol=1e-6)


def test_marginal_likelihood_and_gradient_match_sklearn(pool):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    X, y = pool
    kernel = ConstantKernel(1.7) * Matern(np.array([0.3, 0.8, 0.5, 2.0, 1.5, 0.4]), nu=2.5) + WhiteKernel(0.05)
    ref = GaussianProcessRegressor(kernel, alpha=0.0, optimizer=None, normalize_y=True).fit(X, y)
    lml, grad = ref.log_marginal_likelihood(kernel.theta, eval_gradient=True)
    y_std = (y - y.mean()) / y.std()
    nll, ngrad = neg_log_marginal_likelihood(kernel.theta, (X[:, None, :] - X[None, :, :]) ** 2, y_std)
    # sklearn's likelihood is of the standardised targets too, without the Jacobian term.
    assert -nll == pytest.approx(lml, rel=1e-9)
    np.testing.assert_allclose(-ngrad, grad, rtol=1e-7)


def test_log_expected_improvement_is_exact_and_finite_in_the_tail():
    mean = np.linspace(-3, 3, 25)
    std = np.full_like(mean, 0.7)
    z = (mean - 1.0) / std
    ei = (mean - 1.0) * norm.cdf(z) + std * norm.pdf(z)
    np.testing.assert_allclose(log_expected_improvement(mean, std, 1.0), np.log(ei), rtol=1e-10)
    far = log_expected_improvement(-np.logspace(1, 9, 30), np.ones(30), 0.0)
    assert np.isfinite(far).all() and (np.diff(far) < 0).all()


def test_refit_schedule():
    assert refit_sizes(3, 10, 1.0, 0.0, 1.0) == refit_sizes(3, 10, 1.5, 1.0, 1.0) == [3, 4, 5, 6, 7, 8, 9]
    assert refit_sizes(3, 614, 1.25, 0.0, 1.0) == [3, 4, 5, 7, 9, 12, 15, 19, 24, 30, 38, 48, 60, 75, 94, 118,
                                                   148, 185, 232, 290, 363, 454, 568]
    assert refit_sizes(3, 614, 1.25, 0.1, 0.5) == [*range(3, 63), 78, 98, 123, 154, 193, 242, 303]
    assert refit_sizes(5, 20, 2.0, 0.1, 1.0) == [5, 10]
    assert refit_sizes(5, 20, 1.0, 1.0, 0.0) == [5]


# --- GB ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_graph(sw_en):
    X, y = sw_en
    rows = np.random.default_rng(5).choice(len(y), 40, replace=False)
    W, _ = knn_graph(X[rows], k=5)
    return W, y[rows]


def _dense_harmonic(W, labelled, values):
    """f_U = -Δ_UU⁻¹ Δ_UL y_L by a direct solve."""
    lap = np.diag(W.sum(axis=1)) - W
    U = np.setdiff1d(np.arange(len(W)), labelled)
    return U, np.linalg.solve(lap[np.ix_(U, U)], -lap[np.ix_(U, labelled)] @ values)


def test_knn_graph_is_symmetric_connected_and_matern_weighted(sw_en):
    X = sw_en[0][:80]
    W, ls = knn_graph(X, k=4)
    assert np.array_equal(W, W.T) and (np.diag(W) == 0).all() and (W >= 0).all()
    assert connected_components(W > 0, directed=False)[0] == 1
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    i, j = np.nonzero(W)
    s = math.sqrt(5) * D[i, j] / ls
    np.testing.assert_allclose(W[i, j], (1 + s + s**2 / 3) * np.exp(-s))
    assert ((W > 0).sum(axis=1) >= 4).all()


def test_knn_graph_adds_a_spanning_tree_when_clusters_fall_apart():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.01, (10, 2)), rng.normal(5, 0.01, (10, 2)), [[9.0, 9.0]] * 3])
    W, _ = knn_graph(X, k=3, length_scale=3.0)
    assert connected_components(W > 0, directed=False)[0] == 1
    dup = W[20:23, 20:23]  # duplicate rows: distance 0, weight 1
    assert (dup[~np.eye(3, dtype=bool)] == 1).all()
    with pytest.raises(ConfigError, match="length_scale"):
        knn_graph(X, k=3, length_scale=1e-3)


def test_harmonic_predictions_match_a_dense_solve(small_graph):
    W, y = small_graph
    labelled = [3, 17, 8, 30]
    graph = HarmonicGraph(W, labelled, y)
    U, f = _dense_harmonic(W, labelled, y[labelled])
    np.testing.assert_array_equal(graph.unlabelled, U)
    np.testing.assert_allclose(graph.predict(), f, rtol=1e-10)


def test_removing_a_node_updates_the_inverse_exactly(small_graph):
    W, y = small_graph
    lap = np.diag(W.sum(axis=1)) - W
    labelled = [3, 17, 8]
    graph = HarmonicGraph(W, labelled, y)
    for pos in (0, 20, 5, 5, None, 11, 2, 9, 0, 13):  # None: the last one
        labelled.append(graph.label(len(graph.unlabelled) - 1 if pos is None else pos))
        U = graph.unlabelled
        np.testing.assert_allclose(graph.G, np.linalg.inv(lap[np.ix_(U, U)]), rtol=1e-9, atol=1e-12)
    # The running right-hand side and pivot follow the newly labelled nodes too.
    np.testing.assert_allclose(graph.predict(), _dense_harmonic(W, labelled, y[labelled])[1], rtol=1e-9)
    assert graph.pivot == labelled[int(np.argmax(y[labelled]))]


def _brute_force_eif(W, labelled, y):
    """EIF as the authors' code computes it: one full propagation per candidate and label."""
    labelled = list(labelled)
    U, f = _dense_harmonic(W, labelled, y[labelled])
    pivot = labelled[int(np.argmax(y[labelled]))]
    best = y[pivot]
    assert (f < best).all()  # the authors' upper branch (f >= pivot) is unreachable
    y_norm = np.zeros(len(W))
    y_norm[pivot] = 1.0
    y_norm[U] = (best - f) / (best - f.min()) * 0.5
    scores = []
    for u in U:
        sums = []
        for c in (0.0, 1.0):
            values = np.r_[y_norm[labelled], c]
            _, f_c = _dense_harmonic(W, labelled + [u], values)
            sums.append(f_c)
        scores.append((1 - y_norm[u]) * np.sum(1 - sums[0]) + y_norm[u] * np.sum(sums[1]))
    return np.array(scores)


def test_expected_influence_matches_brute_force(small_graph):
    W, y = small_graph
    labelled = [3, 17, 8, 30, 22]
    graph = HarmonicGraph(W, labelled, y)
    np.testing.assert_allclose(graph.expected_influence(), _brute_force_eif(W, labelled, y), rtol=1e-9)
    for pos in (4, 0, 9):  # and after rank-one updates
        labelled.append(graph.label(pos))
    np.testing.assert_allclose(graph.expected_influence(), _brute_force_eif(W, labelled, y), rtol=1e-8)


# --- the cache -----------------------------------------------------------------------


def _fail_on_call(monkeypatch, method):
    original = orders._FUNCS[method]

    @functools.wraps(original)
    def boom(*args, **kwargs):
        raise AssertionError(f"{method} was recomputed instead of loaded from the cache")

    monkeypatch.setitem(orders._FUNCS, method, boom)


@pytest.mark.parametrize("method", METHODS)
def test_second_call_loads_from_disk(pool, tmp_path, monkeypatch, method):
    X, y = pool
    first = order_pool(method, X, y, seed=0, cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npy"
    _fail_on_call(monkeypatch, method)
    np.testing.assert_array_equal(order_pool(method, X, y, seed=0, cache_dir=tmp_path), first)
    with pytest.raises(AssertionError, match="recomputed"):  # any change to the inputs is a new key
        order_pool(method, X, y, seed=1, cache_dir=tmp_path)


def test_an_unwritable_cache_computes_the_orders_with_one_warning(pool, tmp_path, caplog):
    X, y = pool
    blocker = tmp_path / "a-file"
    blocker.write_text("where the order cache folder should be")
    with caplog.at_level("WARNING", logger="harness"):
        orders_ = [order_pool("random", X, y, seed=s, cache_dir=blocker / "orders") for s in (0, 1)]
    np.testing.assert_array_equal(orders_[0], order_pool("random", X, y, seed=0))
    warnings = [r.message for r in caplog.records if r.levelno >= 30]
    assert len(warnings) == 1 and "orders are computed, not cached" in warnings[0], warnings
    # a run asks once, in its own process, before its workers compute the orders
    caplog.clear()
    with caplog.at_level("WARNING", logger="harness"):
        assert orders.order_cache(True, blocker / "elsewhere") is None
    assert "hpo_orders cannot be written (Not a directory): orders are computed, not cached" in caplog.text
    assert orders.order_cache(True, tmp_path / "fine") == tmp_path / "fine" / "hpo_orders"


def test_cache_key_covers_everything_that_determines_the_order(pool):
    X, y = pool
    params = orders._method_params("gb", {})
    base = dict(method="gb", X=X, y=y, seed=0, n_init=3, maximize=True, params=params)
    key = orders.cache_key(**base)
    y2 = y.copy()
    y2[0] += 1e-9
    for change in (
        {"method": "bo", "params": orders._method_params("bo", {})}, {"X": X[::-1].copy()}, {"y": y2},
        {"X": X.astype(np.float32)}, {"seed": 1}, {"n_init": 4}, {"maximize": False},
        {"params": {**params, "k": 11}}, {"params": {**params, "approx": "approximate"}},
    ):
        assert orders.cache_key(**{**base, **change}) != key, change
    # Defaults are part of the key, so passing a default explicitly is the same order.
    assert orders._method_params("gb", {}) == orders._method_params("gb", {"k": 10})
    # ... and so is a number given in another kind than its default's (k=10.0 from a config, prior_weight=1):
    # equal as Python numbers, but not as the key's JSON.
    for given in ({"k": 10.0}, {"k": np.int64(10)}):
        assert orders.cache_key(**{**base, "params": orders._method_params("gb", given)}) == key, given
    tpe = {**base, "method": "tpe", "params": orders._method_params("tpe", {})}
    assert orders.cache_key(**{**tpe, "params": orders._method_params("tpe", {"prior_weight": 1})}) == orders.cache_key(**tpe)
    assert orders._method_params("gb", {"k": 10.5})["k"] == 10.5  # not a whole number: left for gb to refuse


@pytest.mark.parametrize("method", ["bo", "gb"])
def test_cache_key_holds_the_version_of_the_variant_in_force(pool, monkeypatch, method):
    X, y = pool
    module = orders._APPROXIMATE[method]
    keys = {}
    for approx in ("exact", "approximate"):
        params = orders._method_params(method, {"approx": approx})
        keys[approx] = orders.cache_key(method, X, y, 0, 3, True, params)
    monkeypatch.setattr(module, "APPROX_VERSION", module.APPROX_VERSION + "-changed")
    for approx, key in keys.items():
        changed = orders.cache_key(method, X, y, 0, 3, True, orders._method_params(method, {"approx": approx})) != key
        assert changed == (approx == "approximate")


def test_corrupt_or_foreign_cache_files_are_recomputed(pool, tmp_path):
    X, y = pool
    first = order_pool("gb", X, y, seed=0, cache_dir=tmp_path)
    (path,) = tmp_path.iterdir()
    for content in (b"not an npy file", path.read_bytes()[:-7]):
        path.write_bytes(content)
        np.testing.assert_array_equal(order_pool("gb", X, y, seed=0, cache_dir=tmp_path), first)
    np.save(path, np.zeros(len(y), dtype=int))  # readable, but not a permutation
    np.testing.assert_array_equal(order_pool("gb", X, y, seed=0, cache_dir=tmp_path), first)
    np.testing.assert_array_equal(np.load(path), first)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left behind


# --- the real pool -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["bo", "gb"])
def test_full_real_pool(sw_en, method):
    X, y = sw_en
    train = np.random.default_rng(np.random.SeedSequence([0, 1])).permutation(len(y))[:614]
    order = order_pool(method, X[train], y[train], seed=0)
    assert _is_permutation(order, 614)
    np.testing.assert_array_equal(order[:3], initial_points(614, 3, 0))
