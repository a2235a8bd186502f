"""Graph-based HPO (Zhang & Duh, TACL 2020): exact up to EXACT_MAX_ROWS rows, sparse and batched above.

The exact path (:mod:`harness.hpo.gb_dense`) is the published method and the
one the paper's pools (≤ 614 rows) use; it holds n×n matrices and costs
O(n³) (a 2000-row order takes tens of seconds). Above EXACT_MAX_ROWS, or when
``approx="approximate"``, the bounded-cost variant of
:mod:`harness.hpo.gb_sparse` runs instead: same graph and acquisition, sparse
solves, a bound that screens the candidates, and batches. ``approx="exact"``
forces the exact path at any size. The variant is a different order, so it
has its own version (part of the cache key), and :func:`approximation` says in
one line what is in force.
"""
from __future__ import annotations

import numpy as np

from harness.hpo._pool import check_batch_fraction, check_pool, initial_points, use_approximation
from harness.hpo.gb_dense import dense_order
from harness.hpo.gb_sparse import check_candidates, sparse_order

VERSION = "gb-1"
APPROX_VERSION = "gb-sparse-1"
EXACT_MAX_ROWS = 2000


def gb_order(
    X,
    y,
    seed: int,
    n_init: int = 3,
    maximize: bool = True,
    k: int = 10,
    length_scale: float | None = None,
    approx: str = "auto",
    batch_fraction: float = 0.05,
    candidates: int = 32,
) -> np.ndarray:
    """Visiting order of graph-based HPO: seeded initial points, then argmax EIF (in batches when approximate)."""
    X, y = check_pool(X, y, n_init, maximize)
    init = initial_points(len(y), n_init, seed)
    batch_fraction, candidates = check_batch_fraction("gb", batch_fraction), check_candidates(candidates)
    if use_approximation("gb", approx, len(y), EXACT_MAX_ROWS):
        return sparse_order(X, y, init, k, length_scale, batch_fraction, candidates)
    return dense_order(X, y, init, k, length_scale)


def approximation(n: int, params: dict) -> str:
    """One line on the approximation in force for a pool of n rows ("" when the order is exact)."""
    if not use_approximation("gb", params["approx"], n, EXACT_MAX_ROWS):
        return ""
    why = "forced" if params["approx"] == "approximate" else f"pool of {n} rows > {EXACT_MAX_ROWS}"
    return (f"gb ({why}): sparse {params['k']}-NN graph, conjugate-gradient solves, "
            f"batches of {params['batch_fraction']:.0%} of the labelled set per step, "
            f"exact EIF for up to {params['candidates']} candidates screened by a bound")
