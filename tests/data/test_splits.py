"""Seeded splits and nested subsets: sizes, nesting, determinism, disjointness."""
from __future__ import annotations

import numpy as np
import pytest

from harness.data.splits import subset_size, train_test_split
from harness.errors import ConfigError
from harness.hpo.random_order import random_order


def test_paper_sizes_for_sw_en():
    s = train_test_split(767, seed=0)
    assert len(s.train) == 614 and len(s.test) == 153
    assert subset_size(5, 614) == 31 and subset_size(30, 614) == 185 and subset_size(100, 614) == 614
    assert [subset_size(p, 614) for p in (10, 20, 40)] == [62, 123, 246]


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_split_is_disjoint_complete_and_deterministic(seed):
    a, b = train_test_split(767, seed), train_test_split(767, seed)
    assert np.array_equal(a.train, b.train) and np.array_equal(a.test, b.test)
    assert not set(a.train) & set(a.test)
    assert sorted([*a.train, *a.test]) == list(range(767))


def test_different_seeds_give_different_splits():
    assert not np.array_equal(train_test_split(767, 0).test, train_test_split(767, 1).test)


def test_subsets_are_nested_prefixes_of_one_permutation():
    split = train_test_split(767, 3)
    order = random_order(len(split.train), 3)
    subsets = [set(split.train[order[: subset_size(p, 614)]]) for p in (5, 10, 20, 30, 100)]
    assert all(small < big for small, big in zip(subsets, subsets[1:]))
    assert subsets[-1] == set(split.train)


@pytest.mark.parametrize("p", [0, -5, 120])
def test_impossible_size_is_a_config_error(p):
    with pytest.raises(ConfigError, match=rf"size {p}% is impossible"):
        subset_size(p, 614)


def test_impossible_split_is_a_config_error():
    with pytest.raises(ConfigError, match=r"cannot take 10 training rows out of 10"):
        train_test_split(10, 0, n_train=10)
