"""Input checks and the seeded initial design shared by every HPO method."""
from __future__ import annotations

import operator

import numpy as np

from harness.errors import ConfigError
from harness.seeds import Stream, rng


def check_pool(X, y, n_init, maximize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Float64 copies of the pool, with ``y`` negated when lower is better.

    Every method maximises, so minimisation is handled here once.
    """
    X = np.array(X, dtype=float, order="C")
    y = np.array(y, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D feature matrix (rows x features), got shape {X.shape}")
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of targets, got shape {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} values")
    if len(y) == 0:
        raise ValueError("the pool is empty")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"y has {bad.size} NaN/inf value(s), first at row {bad[0]}")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if bad.size:
        raise ValueError(f"X has NaN/inf in {bad.size} row(s), first at row {bad[0]}")
    try:
        n_init = operator.index(n_init)
    except TypeError:
        raise ConfigError(f"n_init must be an integer, got {n_init!r}") from None
    if not 1 <= n_init <= len(y):
        raise ConfigError(f"n_init must be between 1 and the pool size {len(y)}, got {n_init}")
    return X, (y if maximize else -y)


def initial_points(n: int, n_init: int, seed: int) -> np.ndarray:
    """The seeded random initial design of the model-based methods."""
    return rng(seed, Stream.HPO_INIT).permutation(n)[:n_init]
