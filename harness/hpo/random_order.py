"""Random search over a finite pool: a seeded permutation.

The size sweep draws its nested training subsets from the same function, so
the random-search baseline and the size sweep see the same sequence.
"""
from __future__ import annotations

import numpy as np

from harness.hpo._pool import check_pool
from harness.seeds import Stream, rng

VERSION = "random-1"


def random_order(n: int, seed: int) -> np.ndarray:
    return rng(seed, Stream.RANDOM_ORDER).permutation(n)


def random_pool_order(X, y, seed: int, n_init: int = 3, maximize: bool = True) -> np.ndarray:
    """The dispatcher's signature; the targets and n_init do not influence the order."""
    X, _ = check_pool(X, y, n_init, maximize)
    return random_order(len(X), seed)
