"""The bounded-cost variants of BO and GB: the switch, what they share with the exact methods, their memory."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from harness.errors import ConfigError
from harness.hpo import approximation, bo, gb, order_pool, orders
from harness.hpo._pool import batch_size, initial_points
from harness.hpo.bo import gp_subset
from harness.hpo.gb_dense import HarmonicGraph, dense_order, influence, knn_graph, normalised_targets
from harness.hpo.gb_sparse import DIAG_RTOL, SOLVE_RTOL, SparseHarmonicGraph, block_cg, run_sparse, sparse_knn_graph


@pytest.fixture(scope="module")
def pool(sw_en_scaled):
    X, y = sw_en_scaled
    rows = np.random.default_rng(123).choice(len(y), 60, replace=False)
    return X[rows], y[rows]


def _smooth_pool(n: int, d: int = 4, seed: int = 0):
    """Continuous features (no distance ties) and a smooth target with noise."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    return X, -np.sum((X - 0.3) ** 2, axis=1) + 0.05 * rng.normal(size=n)


def _is_permutation(order, n):
    return order.dtype.kind == "i" and order.shape == (n,) and np.array_equal(np.sort(order), np.arange(n))


# --- the switch ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["bo", "gb"])
def test_forced_approximation_is_a_seeded_permutation(pool, method):
    X, y = pool
    a = order_pool(method, X, y, seed=1, approx="approximate")
    assert _is_permutation(a, len(y))
    np.testing.assert_array_equal(a[:3], initial_points(len(y), 3, 1))
    np.testing.assert_array_equal(a, order_pool(method, X.copy(), y.copy(), seed=1, approx="approximate"))
    assert not np.array_equal(a, order_pool(method, X, y, seed=2, approx="approximate"))
    assert not np.array_equal(a, order_pool(method, X, -y, seed=1, approx="approximate"))


@pytest.mark.parametrize("method", ["bo", "gb"])
def test_auto_switches_above_the_documented_size_and_either_way_can_be_forced(pool, monkeypatch, method):
    X, y = pool
    module = orders._APPROXIMATE[method]
    assert module.EXACT_MAX_ROWS == 2000
    assert approximation(method, 2000) == "" and approximation(method, 2000, {"approx": "approximate"})
    assert approximation(method, 2001) and approximation(method, 2001, {"approx": "exact"}) == ""
    # Settings under which 60 rows are enough for the variant to differ (BO's default GP holds 256 points).
    params = {"gp_points": 16, "batch_fraction": 0.1} if method == "bo" else {}
    exact = order_pool(method, X, y, seed=0, approx="exact", **params)
    approximate = order_pool(method, X, y, seed=0, approx="approximate", **params)
    assert not np.array_equal(exact, approximate)
    np.testing.assert_array_equal(order_pool(method, X, y, seed=0, **params), exact)  # 60 rows: exact by default
    monkeypatch.setattr(module, "EXACT_MAX_ROWS", len(y))
    np.testing.assert_array_equal(order_pool(method, X, y, seed=0, **params), exact)
    monkeypatch.setattr(module, "EXACT_MAX_ROWS", len(y) - 1)
    np.testing.assert_array_equal(order_pool(method, X, y, seed=0, **params), approximate)
    np.testing.assert_array_equal(order_pool(method, X, y, seed=0, approx="exact", **params), exact)


def test_approximation_names_what_is_in_force():
    assert approximation("random", 10**6) == ""
    line = approximation("gb", 20000, {"batch_fraction": 0.1, "candidates": 16, "k": 7})
    assert line.startswith("gb (pool of 20000 rows > 2000):") and all(s in line for s in ("7-NN", "10%", "16 candidates"))
    line = approximation("bo", 50, {"approx": "approximate", "gp_points": 128})
    assert line.startswith("bo (forced):") and "128 observations" in line and "\n" not in line


def test_bad_options_are_one_clear_line(pool):
    X, y = pool
    for method in ("bo", "gb"):
        with pytest.raises(ConfigError, match=rf"^{method}: approx must be one of auto, exact, approximate; got 'fast'$"):
            order_pool(method, X, y, seed=0, approx="fast")
        with pytest.raises(ConfigError, match=rf"^{method}: batch_fraction must be a number in \[0, 1\), got 1.5$"):
            order_pool(method, X, y, seed=0, approx="approximate", batch_fraction=1.5)
    with pytest.raises(ConfigError, match=r"^gb: approx must be one of .*; got True$"):
        approximation("gb", 10, {"approx": True})
    with pytest.raises(ConfigError, match=r"^gb: candidates=0 must be at least 1$"):
        order_pool("gb", X, y, seed=0, approx="approximate", candidates=0)
    with pytest.raises(ConfigError, match=r"^bo: gp_points=2 must be at least 4$"):
        order_pool("bo", X, y, seed=0, approx="approximate", gp_points=2)
    with pytest.raises(ConfigError, match=r"^gb: k=0 must be at least 1$"):
        order_pool("gb", X, y, seed=0, k=0)
    with pytest.raises(ConfigError, match=r"^gb: k=2\.5 is not a whole number$"):
        order_pool("gb", X, y, seed=0, k=2.5)
    with pytest.raises(ConfigError, match=r"'bo' has no parameter\(s\) candidates"):
        approximation("bo", 10, {"candidates": 3})


def test_batches_grow_with_the_observed_set():
    assert [batch_size(m, 10**6, 0.05) for m in (3, 19, 20, 39, 40, 1000)] == [1, 1, 1, 1, 2, 50]
    assert batch_size(1000, 7, 0.05) == 7 and batch_size(10**6, 10**6, 0.0) == 1


# --- GB: the sparse path shares the graph and the acquisition ------------------------


def test_sparse_graph_is_the_dense_graph_when_the_knn_graph_is_connected():
    X, _ = _smooth_pool(150, d=3)
    W, ls = knn_graph(X, k=6)
    Ws, ls_sparse = sparse_knn_graph(X, k=6)
    assert ls_sparse == ls and sp.issparse(Ws)
    np.testing.assert_array_equal(Ws.toarray() > 0, W > 0)
    np.testing.assert_allclose(Ws.toarray(), W, rtol=1e-12, atol=0)


def test_sparse_graph_joins_components_with_minimum_spanning_tree_edges():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.01, (10, 2)), rng.normal(5, 0.01, (10, 2)), rng.normal(9, 0.01, (3, 2)),
                   rng.normal(0, 0.01, (80, 2)) + [0, 9]])  # the last cluster is above the small-component size
    Ws, _ = sparse_knn_graph(X, k=3, length_scale=3.0)
    W, _ = knn_graph(X, k=3, length_scale=3.0)
    assert connected_components(Ws, directed=False)[0] == 1
    assert ((Ws.toarray() > 0) <= (W > 0)).all()  # the dense path adds the whole tree, this one only bridges
    assert (Ws != Ws.T).nnz == 0
    dup = sparse_knn_graph(np.vstack([X, [[9.0, 9.0]] * 3]), k=3, length_scale=3.0)[0].toarray()[-3:, -3:]
    assert (dup[~np.eye(3, dtype=bool)] == 1).all()  # duplicate rows: distance 0, weight 1
    with pytest.raises(ConfigError, match="length_scale"):
        sparse_knn_graph(X, k=3, length_scale=1e-3)


def test_repeated_rows_do_not_take_the_neighbour_slots():
    """Each row keeps k neighbouring configurations; the copies of one configuration form a circulant at weight 1."""
    X, _ = _smooth_pool(30, d=3)
    copies = np.r_[np.full(12, 0), np.arange(30)]  # configuration 0 twelve more times: 13 copies
    W, ls = sparse_knn_graph(X[copies], k=4)
    assert ls == sparse_knn_graph(X, k=4)[1]  # the length scale comes from the distinct configurations
    assert (W != W.T).nnz == 0 and connected_components(W, directed=False)[0] == 1
    same = copies[:, None] == copies[None, :]
    dense = W.toarray()
    for row in range(len(copies)):
        assert len(set(copies[np.flatnonzero(dense[row] > 0)]) - {copies[row]}) >= 4
    block = dense[np.ix_(copies == 0, copies == 0)]
    assert (block[block > 0] == 1).all() and ((block > 0).sum(axis=1) == 4).all()  # offsets ±1, ±2 on a ring of 13
    assert (dense[same & ~np.eye(len(copies), dtype=bool)] > 0).sum() == 13 * 4
    one_place = order_pool("gb", np.zeros((6, 2)), np.arange(6.0), seed=0, approx="approximate")
    assert _is_permutation(one_place, 6)


def test_block_conjugate_gradients_solve_each_column():
    X, _ = _smooth_pool(120)
    W, _ = knn_graph(X, k=5)
    A = sp.csr_matrix(np.diag(W.sum(axis=1) + 0.01) - W)
    B = np.random.default_rng(1).normal(size=(120, 4))
    B[:, 2] = 0.0
    start = np.ones_like(B)
    expected = np.linalg.solve(A.toarray(), B)
    for X0 in (None, start):
        X, converged = block_cg(A, B, 1e-12, X0)
        assert converged
        np.testing.assert_allclose(X, expected, rtol=1e-8, atol=1e-10)


def test_the_screening_bound_holds(pool):
    """d_u ≥ 1/(Δ_uu − Σ_v W_uv²/Δ_vv) for Δ_UU, so the EIF computed with it bounds every node's EIF from above."""
    X, y = pool
    W, _ = knn_graph(X, k=5)
    labelled = [3, 17, 8, 30]
    graph = HarmonicGraph(W, labelled, y)
    U, G = graph.unlabelled, graph.G
    deg = W.sum(axis=1)
    free = np.isin(np.arange(len(y)), U)
    d_low = 1.0 / (deg[U] - (W**2 @ np.where(free, 1.0 / deg, 0.0))[U])
    assert (d_low <= np.diag(G)).all() and (d_low < np.diag(G)).any()
    y_norm = normalised_targets(graph.predict(), y[graph.pivot])
    g, s = (G @ np.column_stack([W[U, graph.pivot], np.ones(len(U))])).T
    bound = influence(y_norm, g, g.sum(), s, d_low, len(U))
    assert (bound >= graph.expected_influence() - 1e-9).all()


def test_one_node_per_step_with_every_candidate_is_the_exact_order(pool):
    X, y = pool
    init = initial_points(len(y), 3, 0)
    W, _ = knn_graph(X, k=10)
    np.testing.assert_array_equal(run_sparse(sp.csr_matrix(W), y, init, 0.0, len(y)), dense_order(X, y, init, 10, None))


def test_carried_fields_and_columns_match_fresh_solves(pool):
    """After a labelled batch the Schur-updated warm starts solve the new split (up to the solves' tolerance)."""
    X, y = pool
    W, _ = knn_graph(X, k=10)
    graph = SparseHarmonicGraph(sp.csr_matrix(W), [3, 17, 8], y, 0.5, 8)
    for _ in range(3):
        graph.step()
    U = np.flatnonzero(graph.free)
    G = np.linalg.inv((np.diag(W.sum(axis=1)) - W)[np.ix_(U, U)])
    f = G @ (W[np.ix_(U, ~graph.free)] @ y[~graph.free])
    np.testing.assert_allclose(graph.fields[U, 0], f, rtol=1e-3)
    np.testing.assert_allclose(graph.fields[U, 2], G.sum(axis=1), rtol=1e-3)
    assert graph.kept.shape[1] > 0
    pos = np.searchsorted(U, graph.kept_nodes)
    np.testing.assert_allclose(graph.kept[U], G[:, pos], rtol=1e-2, atol=1e-3 * G.max())
    assert SOLVE_RTOL <= DIAG_RTOL < 1e-3


# --- BO: the bounded GP ----------------------------------------------------------------


def test_unbounded_gp_and_single_steps_are_exact_bo(pool):
    X, y = pool
    exact = order_pool("bo", X, y, seed=0, approx="exact")
    np.testing.assert_array_equal(
        order_pool("bo", X, y, seed=0, approx="approximate", gp_points=len(y), batch_fraction=0.0), exact)


def test_bounded_gp_keeps_the_best_and_the_most_recent():
    y = np.array([5.0, 1.0, 9.0, 3.0, 9.0, 0.0, 2.0, 7.0, 4.0, 6.0, 8.0, 1.0])
    order = [11, 0, 5, 2, 9, 4, 7, 1, 3, 10, 6, 8]
    assert gp_subset(order, y, 12) == order and gp_subset(order, y, None) == order
    # 8 points: the best 2 (y = 9 at 2 and 4, in visiting order) and the 2 most recent others, in visiting order
    assert gp_subset(order, y, 8) == [2, 4, 6, 8]
    assert gp_subset(order, y, 4) == [2, 8]


# --- no n×n array above the threshold ----------------------------------------------------


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("method", ["bo", "gb"])
def test_above_the_threshold_no_pool_by_pool_array_is_allocated(method):
    """Auto mode on 2100 rows; numpy reports its allocations to tracemalloc. Large batches and BO's GP small, to be fast."""
    n = 2100
    X, y = _smooth_pool(n, d=5)
    params = {"batch_fraction": 0.5, **({"gp_points": 64} if method == "bo" else {})}
    assert approximation(method, n, params)
    peak = _peak_bytes(lambda: order_pool(method, X, y, seed=0, **params))
    assert peak < n * n * 8 / 4, f"{peak / 1e6:.1f} MB"


@pytest.mark.slow
@pytest.mark.parametrize("method", ["bo", "gb"])
def test_a_20k_pool_stays_far_below_one_dense_matrix(method):
    n = 20000
    X, y = _smooth_pool(n, d=5)
    order = []
    peak = _peak_bytes(lambda: order.append(order_pool(method, X, y, seed=0)))
    assert _is_permutation(order[0], n)
    assert peak < n * n * 8 / 16, f"{peak / 1e6:.1f} MB"  # 200 MB; one n×n float64 matrix is 3.2 GB
