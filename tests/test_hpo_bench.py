"""Timing of one full HPO order on the real 614-row sw-en training pool.

Skipped in the default run (pytest is configured with --benchmark-skip); run with
``pytest tests/test_hpo_bench.py --benchmark-only``. Target: BO and GB <= 15 s each.
"""
from __future__ import annotations

import numpy as np
import pytest

from harness.hpo import METHODS, order_pool

LOG_COLUMNS = [0, 2, 5]  # bpe, embed, lr


@pytest.fixture(scope="module")
def train_pool(data_dir):
    X = np.loadtxt(data_dir / "sw-en.hyps")
    y = np.loadtxt(data_dir / "sw-en.evals")[:, 0]
    X[:, LOG_COLUMNS] = np.log(X[:, LOG_COLUMNS])
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    train = np.random.default_rng(np.random.SeedSequence([0, 1])).permutation(len(y))[:614]
    return X[train], y[train]


@pytest.mark.benchmark(group="hpo_order")
@pytest.mark.parametrize("method", METHODS)
def test_full_order_time(benchmark, train_pool, method):
    X, y = train_pool
    order = benchmark.pedantic(order_pool, args=(method, X, y, 0), rounds=3, iterations=1)
    assert np.array_equal(np.sort(order), np.arange(len(y)))
