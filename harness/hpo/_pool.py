"""Input checks, the seeded initial design and the exact-or-approximate switch shared by the HPO methods."""
from __future__ import annotations

import math

import numpy as np

from harness.config import integer
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
    n_init = integer(n_init, "n_init")
    if not 1 <= n_init <= len(y):
        raise ConfigError(f"n_init must be between 1 and the pool size {len(y)}, got {n_init}")
    return X, (y if maximize else -y)


def initial_points(n: int, n_init: int, seed: int) -> np.ndarray:
    """The seeded random initial design of the model-based methods."""
    return rng(seed, Stream.HPO_INIT).permutation(n)[:n_init]


APPROX_MODES = ("auto", "exact", "approximate")


def use_approximation(method: str, approx, n: int, exact_max_rows: int) -> bool:
    """Whether a method runs its bounded-cost variant: forced by ``approx``, or above ``exact_max_rows`` for "auto"."""
    if not isinstance(approx, str) or approx not in APPROX_MODES:
        raise ConfigError(f"{method}: approx must be one of {', '.join(APPROX_MODES)}; got {approx!r}")
    return approx == "approximate" or (approx == "auto" and n > exact_max_rows)


def check_batch_fraction(method: str, fraction) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= fraction < 1.0:
        raise ConfigError(f"{method}: batch_fraction must be a number in [0, 1), got {fraction!r}")
    return float(fraction)


def batch_size(n_observed: int, n_remaining: int, fraction: float) -> int:
    """Points taken in one step of a bounded-cost variant: ⌊fraction · observed⌋, at least 1.

    One at a time until 1/fraction points are observed, then the observed
    set grows by the factor 1 + fraction per step, so a whole order takes
    about 1/fraction + ln(fraction · n)/fraction steps instead of n.
    """
    return min(n_remaining, max(1, math.floor(fraction * n_observed)))
