"""Timing of one full HPO order on the real 614-row sw-en training pool.

Skipped in the default run (pytest is configured with --benchmark-skip); run with
``pytest tests/benchmarks/test_hpo_bench.py --benchmark-only``. Target: BO and GB <= 15 s each.
"""
from __future__ import annotations

import numpy as np
import pytest

from harness.hpo import METHODS, order_pool

@pytest.fixture(scope="module")
def train_pool(sw_en_scaled):
    from harness.data.splits import train_test_split

    X, y = sw_en_scaled
    train = train_test_split(len(y), seed=0).train
    return X[train], y[train]


@pytest.mark.benchmark(group="hpo_order")
@pytest.mark.parametrize("method", METHODS)
def test_full_order_time(benchmark, train_pool, method):
    X, y = train_pool
    order = benchmark.pedantic(order_pool, args=(method, X, y, 0), rounds=3, iterations=1)
    assert np.array_equal(np.sort(order), np.arange(len(y)))
