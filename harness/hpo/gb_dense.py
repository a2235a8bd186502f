"""Graph-based HPO (Zhang & Duh, TACL 2020), exact: harmonic label propagation + expected influence.

Follows the authors' published code (github.com/Este1le/gbopt: ``HMN``
label propagation, ``EIF`` acquisition, evaluated on every unlabelled node,
ties to the lowest index), which reads a precomputed neighbour graph; the
graph built here is a symmetric k-nearest-neighbour graph with Matérn-5/2
weights on the scaled features. At each step:

1. Propagate the observed targets: f_U = −Δ_UU⁻¹ Δ_UL y_L (Δ = D − W).
2. Normalise as the authors' ``EIF._normalize`` does: the best labelled node
   (the pivot, first visited among ties) gets 1, every other labelled node 0,
   each unlabelled node 0.5·(pivot − f_u)/(pivot − min f_U). Their code has a
   second branch for f_u ≥ pivot, but a harmonic prediction never exceeds
   the largest label (maximum principle), so only this branch is reachable;
   exact ties, where their code divides 0/0, get 0 (the limit from below),
   and so does everything when all predictions equal the pivot. Note this
   map is *decreasing* in f_u: it is what the published results were
   produced with, and with the EIF below it favours nodes predicted close to
   the best.
3. For each unlabelled u with normalised value y_u, label it 0 or 1, propagate
   the normalised labels over the other unlabelled nodes (f⁰, f¹) and score
   EIF(u) = (1 − y_u)·Σ(1 − f⁰) + y_u·Σ f¹. Pick the argmax.

The authors recompute a dense inverse per candidate (O(n⁴) per step). Here
G = Δ_UU⁻¹ is inverted once; clamping u to c gives, for every other
unlabelled j, f^c_j = g_j + (c − g_u)·G_ju/G_uu (Zhu, Lafferty & Ghahramani
2003), so all EIF scores cost O(|U|²) per step, and moving the chosen node
to the labelled set removes its row/column from G by the Schur complement
G' = G₋ᵤ₋ᵤ − G₋ᵤᵤ Gᵤ₋ᵤ / G_uu. That still holds n×n matrices, so
:mod:`harness.hpo.gb` runs it only up to a pool size and the sparse variant
(:mod:`harness.hpo.gb_sparse`, which shares the pieces below) above it.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial.distance import cdist
from threadpoolctl import threadpool_limits

from harness.config import integer
from harness.errors import ConfigError

_SQRT5 = math.sqrt(5.0)


def matern52_weight(r: np.ndarray, length_scale: float) -> np.ndarray:
    s = _SQRT5 * r / length_scale
    return (1.0 + s + s**2 / 3.0) * np.exp(-s)


def check_k(k) -> int:
    return integer(k, "gb: k", minimum=1)


def pick_length_scale(knn_dist: np.ndarray, length_scale: float | None) -> float:
    """The given length scale, checked; by default the median positive distance to the k nearest neighbours."""
    if length_scale is None:
        positive = knn_dist[knn_dist > 0]
        return float(np.median(positive)) if positive.size else 1.0
    if not length_scale > 0:
        raise ConfigError(f"gb: length_scale must be positive, got {length_scale!r}")
    return length_scale


def check_connected(edges, length_scale: float) -> None:
    """A ConfigError if the graph of positive weights falls apart (a too small length scale underflows them)."""
    if connected_components(edges, directed=False)[0] > 1:
        raise ConfigError(
            f"gb: length_scale={length_scale:g} is so small that edge weights underflow to 0 "
            "and the graph falls apart; use a larger length_scale"
        )


def normalised_targets(f: np.ndarray, best: float) -> np.ndarray:
    """Step 2 of the module docstring: 0.5·(pivot − f_u)/(pivot − min f_U), 0 where that is 0/0."""
    f = np.minimum(f, best)
    span = best - f.min()
    return 0.5 * (best - f) / span if span > 0 else np.zeros(len(f))


def influence(y_norm, g, g_sum, s, d, n_unlabelled: int) -> np.ndarray:
    """EIF (step 3) from, per candidate u: y_u, g_u, s_u = (Δ_UU⁻¹1)_u, d_u = (Δ_UU⁻¹)_uu; g_sum = Σ_U g.

    g is the harmonic solution for labels 1 at the pivot and 0 elsewhere.
    EIF grows with s_u/d_u (its coefficient (1 − y_u)·g_u + y_u·(1 − g_u) is ≥ 0),
    which the sparse path uses to bound it.
    """
    frac = (s - d) / d  # Σ_{j≠u} G_ju / G_uu
    sum0 = (g_sum - g) - g * frac  # Σ_{j≠u} f⁰_j
    sum1 = sum0 + frac  # Σ_{j≠u} f¹_j
    return (1.0 - y_norm) * ((n_unlabelled - 1) - sum0) + y_norm * sum1


def knn_graph(X: np.ndarray, k: int = 10, length_scale: float | None = None) -> tuple[np.ndarray, float]:
    """Dense symmetric weight matrix of a connected kNN graph, and the length scale used.

    * Symmetric: i and j are joined if either is among the other's k nearest
      (Euclidean) neighbours, so Δ is symmetric positive semi-definite and
      Δ_UU is positive definite once any node is labelled.
    * Connected (harmonic propagation needs every unlabelled node to reach a
      labelled one): if the kNN graph has more than one component, the edges
      of a Euclidean minimum spanning tree are added; the result is checked
      again on the weights, since a far edge's weight can underflow to 0.
    * Length scale: by default the median of the positive distances from each
      node to its k nearest neighbours, so typical edges get weights of order
      0.1–1 whatever the scale of X.
    * Duplicate rows are at distance 0 and get weight 1; neighbour ties are
      broken by lowest index (stable sort), so the graph is deterministic.
    """
    k = check_k(k)
    n = len(X)
    D = cdist(X, X)
    if n == 1:
        return np.zeros((1, 1)), 1.0 if length_scale is None else float(length_scale)
    k = min(k, n - 1)
    D_off = D.copy()
    np.fill_diagonal(D_off, np.inf)
    nbrs = np.argsort(D_off, axis=1, kind="stable")[:, :k]
    length_scale = pick_length_scale(np.take_along_axis(D, nbrs, axis=1), length_scale)
    adjacent = np.zeros((n, n), dtype=bool)
    adjacent[np.repeat(np.arange(n), k), nbrs.ravel()] = True
    adjacent |= adjacent.T
    if connected_components(adjacent, directed=False)[0] > 1:
        # Dense csgraph input treats 0 as "no edge": give duplicate pairs a tiny length.
        lengths = np.where(D > 0, D, np.finfo(float).tiny)
        np.fill_diagonal(lengths, 0.0)
        tree = minimum_spanning_tree(lengths).tocoo()
        adjacent[tree.row, tree.col] = adjacent[tree.col, tree.row] = True
    W = np.where(adjacent, matern52_weight(D, length_scale), 0.0)
    check_connected(W > 0, length_scale)
    return W, length_scale


class HarmonicGraph:
    """Labelled/unlabelled split of a graph, with G = Δ_UU⁻¹ kept current.

    ``labelled`` is in visiting order (it decides the pivot among ties);
    ``unlabelled`` is kept sorted, so argmax ties go to the lowest index.
    """

    def __init__(self, W: np.ndarray, labelled, y: np.ndarray):
        self.W = W
        self.y = y
        labelled = np.asarray(labelled, dtype=np.intp)
        is_labelled = np.zeros(len(W), dtype=bool)
        is_labelled[labelled] = True
        self.unlabelled = np.flatnonzero(~is_labelled)
        laplacian = np.diag(W.sum(axis=1)) - W
        uu = laplacian[np.ix_(self.unlabelled, self.unlabelled)]
        try:
            G = cho_solve(cho_factor(uu), np.eye(len(uu)))
        except LinAlgError:
            raise ValueError("gb: Δ_UU is singular; some unlabelled node cannot reach a labelled one") from None
        self.G = 0.5 * (G + G.T)
        self.r = W[:, labelled] @ y[labelled]  # W_·L y_L, so that f_U = G r_U
        self.pivot = int(labelled[np.argmax(y[labelled])])

    def predict(self) -> np.ndarray:
        """Harmonic predictions of the observed targets on the unlabelled nodes."""
        return self.G @ self.r[self.unlabelled]

    def expected_influence(self) -> np.ndarray:
        """EIF of every unlabelled node (aligned with ``unlabelled``); see the module docstring."""
        U = self.unlabelled
        G = self.G
        y_norm = normalised_targets(self.predict(), self.y[self.pivot])
        # g: harmonic solution for labels 1 at the pivot, 0 elsewhere; s: column sums of G.
        g, s = (G @ np.column_stack([self.W[U, self.pivot], np.ones(len(U))])).T
        return influence(y_norm, g, g.sum(), s, np.diag(G), len(U))

    def label(self, pos: int) -> int:
        """Move ``unlabelled[pos]`` to the labelled set; returns its index."""
        node = int(self.unlabelled[pos])
        keep = np.arange(len(self.unlabelled)) != pos
        col = self.G[keep, pos]
        self.G = self.G[np.ix_(keep, keep)] - np.outer(col, col) / self.G[pos, pos]
        self.unlabelled = self.unlabelled[keep]
        self.r += self.W[:, node] * self.y[node]
        if self.y[node] > self.y[self.pivot]:
            self.pivot = node
        return node


def dense_order(X: np.ndarray, y: np.ndarray, init, k: int, length_scale: float | None) -> np.ndarray:
    """The exact visiting order from the labelled points ``init``: argmax EIF one node at a time (maximises ``y``)."""
    order = [int(i) for i in init]
    W, _ = knn_graph(X, k, length_scale)
    if len(order) < len(y):
        # Single-threaded BLAS for the same reason as in BO (see harness.hpo.bo).
        with threadpool_limits(limits=1, user_api="blas"):
            graph = HarmonicGraph(W, order, y)
            while len(graph.unlabelled) > 1:
                order.append(graph.label(int(np.argmax(graph.expected_influence()))))
        order.extend(int(i) for i in graph.unlabelled)
    return np.asarray(order, dtype=np.intp)
