"""A Tree-structured Parzen Estimator over a finite pool (Bergstra et al., NeurIPS 2011), the sampler Optuna uses by default.

BO and GB model the score; TPE models where good and bad configurations lie,
so it skews a sample differently, and a benchmark of explanations under HPO
skew should see that skew too. At each step, with m rows observed:

1. Split the observed rows at the γ-quantile of their scores: the best
   ⌈γ·m⌉ are *good*, the rest *bad* (ties: the earlier visited counts as
   better); γ = 0.25 as in hyperopt (Optuna 5: 10 %, at most 25 rows).
2. Fit two Parzen estimators on the schema-scaled features (the pool as the
   caller scaled it: [0, 1] per numeric feature, one-hot categoricals):
   ``l`` on the good rows, ``g`` on the bad, each a mixture of a uniform
   prior on the unit box (weight ``prior_weight``, like Optuna's wide prior
   component) and one product-Gaussian kernel per row (weight 1), with
   Scott's-rule bandwidth ``h = bandwidth · n^(−1/(d+4))`` for a set of n rows
   in d columns (the rule of earlier Optuna multivariate TPE, with 0.2;
   Optuna 5 sizes each kernel by its neighbours' distances per dimension).
3. Visit the unobserved pool row with the largest l(x)/g(x) (ties: the
   lowest index). Over a finite pool every candidate is scored, where TPE
   over a continuous space samples candidates from ``l``.

The seed chooses the ``n_init`` random initial rows (the stream BO and GB
share, so their curves are paired); the rest is deterministic.

Cost: scoring every unobserved row against every observed one at every step
would be O(n³/6) for a whole order (measured on the shared 2-core machine:
2 s for 600 rows, over 3 min for 2000). Instead each estimator keeps, for every pool row, the log of its
kernel sum (log space: far rows' kernels underflow otherwise and the ratio
degrades to index order), updated by one column when a row joins or leaves
the set — O(n) per change, and a step changes at most three memberships.
The bandwidth is held between *rebuilds*, which recompute the sums and
happen whenever the set's size has moved by the factor ``rebuild_growth``
(1.1: the bandwidth is then at most 2 % stale, since it scales with
n^(−1/(d+4))). Removing a row that carries more than half of a row's sum is
recomputed directly for that row rather than subtracted (cancellation).
A whole order costs O(n²·log n) time (0.6 s for 600 rows, 6 s for 2000)
and O(n²) memory for the squared distances; ``scripts/bench_hpo_orders.py``
and ``scripts/bench_synthetic_grid.py`` print timings, and a test checks the
kept sums against a direct computation.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.spatial.distance import cdist

from harness.errors import ConfigError
from harness.hpo._pool import check_pool, initial_points

VERSION = "tpe-1"


class ParzenSums:
    """One Parzen estimator's log kernel sums at every pool row, kept current as rows join and leave its set."""

    def __init__(self, sq_dist: np.ndarray, d: int, bandwidth: float, prior_weight: float, growth: float):
        self.sq_dist = sq_dist
        self.d = d
        self.bandwidth = bandwidth
        self.prior_weight = prior_weight
        self.growth = growth
        self.members = np.zeros(len(sq_dist), dtype=bool)
        self.size = 0
        self._rebuild()

    def _rebuild(self) -> None:
        """Bandwidth for the current size (Scott's rule), and the sums computed directly."""
        self.built_at = self.size
        self.h = self.bandwidth * max(self.size, 1) ** (-1.0 / (self.d + 4))
        self.scale = -0.5 / (self.h * self.h)
        self.log_sum = self.exact()

    def exact(self, rows=slice(None)) -> np.ndarray:
        """The log kernel sums at ``rows``, computed directly from the members (−inf for an empty set)."""
        a = self.sq_dist[rows][:, self.members] * self.scale
        if a.shape[1] == 0:
            return np.full(len(a), -np.inf)
        top = a.max(axis=1)
        return np.log(np.exp(a - top[:, None]).sum(axis=1)) + top

    def update(self, join, leave) -> None:
        """Rows ``join`` enter the set and ``leave`` exit it; rebuild once the size has moved by ``growth``."""
        for j in join:
            self.members[j] = True
            self.log_sum = np.logaddexp(self.log_sum, self.scale * self.sq_dist[:, j])
        for j in leave:
            self.members[j] = False
            share = np.exp(self.scale * self.sq_dist[:, j] - self.log_sum)
            safe = share <= 0.5
            self.log_sum[safe] += np.log1p(-share[safe])
            self.log_sum[~safe] = self.exact(~safe)
        self.size += len(join) - len(leave)
        if self.size > self.growth * self.built_at or self.size * self.growth < self.built_at:
            self._rebuild()

    def log_density(self) -> np.ndarray:
        """log of the mixture (uniform prior + one Gaussian kernel per member) at every pool row."""
        if self.size == 0:
            return np.zeros(len(self.log_sum))  # the prior alone: density 1 on the unit box
        norm = -self.d * math.log(self.h * math.sqrt(2 * math.pi))
        return np.logaddexp(math.log(self.prior_weight), self.log_sum + norm) - math.log(self.prior_weight + self.size)


def split(observed: np.ndarray, y: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Good and bad rows of ``observed`` (in visiting order): the best ⌈γ·m⌉ by score, earlier visits first among ties."""
    m = len(observed)
    ranked = observed[np.lexsort((np.arange(m), -y[observed]))]
    n_good = math.ceil(gamma * m)
    return ranked[:n_good], ranked[n_good:]


def _check(gamma: float, bandwidth: float, prior_weight: float, rebuild_growth: float) -> None:
    if not 0 < gamma < 1:
        raise ConfigError(f"tpe: gamma must lie in (0, 1) (the share of observed rows counted as good), got {gamma!r}")
    for name, value in (("bandwidth", bandwidth), ("prior_weight", prior_weight)):
        if not value > 0:
            raise ConfigError(f"tpe: {name} must be > 0, got {value!r}")
    if not rebuild_growth >= 1:
        raise ConfigError(f"tpe: rebuild_growth must be >= 1, got {rebuild_growth!r}")


def _moves(members: np.ndarray, rows: np.ndarray) -> tuple[list[int], list[int]]:
    """Rows that join (in ``rows``, not in ``members``) and leave (in ``members``, not in ``rows``) a set."""
    wanted = np.zeros(len(members), dtype=bool)
    wanted[rows] = True
    return np.flatnonzero(wanted & ~members).tolist(), np.flatnonzero(members & ~wanted).tolist()


def tpe_order(
    X, y, seed: int, n_init: int = 3, maximize: bool = True, gamma: float = 0.25, bandwidth: float = 0.2,
    prior_weight: float = 1.0, rebuild_growth: float = 1.1,
) -> np.ndarray:
    """Visiting order of the TPE-like sampler: seeded initial points, then argmax l(x)/g(x) over the unobserved rows."""
    X, y = check_pool(X, y, n_init, maximize)
    _check(gamma, bandwidth, prior_weight, rebuild_growth)
    n, d = X.shape
    order = [int(i) for i in initial_points(n, n_init, seed)]
    unobserved = np.ones(n, dtype=bool)
    unobserved[order] = False
    sq_dist = cdist(X, X, "sqeuclidean")
    good, bad = (ParzenSums(sq_dist, d, bandwidth, prior_weight, rebuild_growth) for _ in range(2))
    while len(order) < n:
        rows = split(np.asarray(order), y, gamma)
        moves = [_moves(est.members, r) for est, r in zip((good, bad), rows)]
        for est, (join, leave) in zip((good, bad), moves):
            est.update(join, leave)
        score = np.where(unobserved, good.log_density() - bad.log_density(), -np.inf)
        nxt = int(np.argmax(score))
        order.append(nxt)
        unobserved[nxt] = False
    return np.asarray(order, dtype=np.intp)
