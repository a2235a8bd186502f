"""Seeded train/test splits and nested training subsets.

One integer seed drives everything through the named streams of
``harness.seeds``, so that, e.g., the split does not change when the subset
rule does. The subsets are prefixes of the random visiting
order of the training pool, so the size sweep *is* the random HPO order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from harness.errors import ConfigError
from harness.seeds import Stream, rng

@dataclass(frozen=True)
class Split:
    seed: int
    train: np.ndarray
    test: np.ndarray


def train_test_split(n: int, seed: int, train_fraction: float = 0.8, n_train: int | None = None) -> Split:
    """Seeded split: ``round(train_fraction * n)`` training rows unless ``n_train`` is given."""
    if n_train is None:
        if not 0 < train_fraction < 1:
            raise ConfigError(f"split.train_fraction must be in (0, 1), got {train_fraction}")
        n_train = int(math.floor(train_fraction * n + 0.5))
    if not 1 <= n_train < n:
        raise ConfigError(f"split: cannot take {n_train} training rows out of {n} (need 1 <= n_train < {n})")
    perm = rng(seed, Stream.SPLIT).permutation(n)
    return Split(seed=int(seed), train=np.sort(perm[:n_train]), test=np.sort(perm[n_train:]))


def subset_size(percent: float, n_train: int) -> int:
    """n = ceil(p/100 · n_train), exactly (31 at 5 % of 614, 185 at 30 %)."""
    p = Fraction(str(percent))
    if not 0 < p <= 100:
        raise ConfigError(f"size {percent}% is impossible: sizes are percentages in (0, 100]")
    return int(math.ceil(p * n_train / 100))
