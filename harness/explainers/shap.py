"""SHAP for any regressor: exact interventional Shapley values and pairwise interaction indices, from predictions.

The value of a feature set S at a row x is the mean prediction over
``background`` rows drawn from the fitting rows (seeded) with the features
in S set to x's values: v(S)(x) = mean_b f(x_S, b_−S) (interventional SHAP,
Janzing et al. 2020; what the ``shap`` package's ExactExplainer computes).
All 2**p subsets are evaluated (one predict call each, on rows × background
rows), so the values are exact for the background, not sampled; Shapley
values φ and interaction indices Φ follow from v with the same weights as
the tree explainer's, and the record's terms are main_i = φ_i − Σ_j Φ_ij / 2
and pair_ij = Φ_ij, centred over the fitting rows like every additive record.

For trees and forests the ``treeshap`` explainer computes the
path-dependent variant from the trees themselves, much faster; this one
needs no knowledge of the model and suits the surrogates without their own
reader. For an additive model both reduce to its centred terms. The harness
does not depend on the ``shap`` package.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.config import integer
from harness.explainers.base import REFITS, AdditiveExplainer, Decomposition
from harness.explainers.treeshap import MAX_PLAYERS, _shapley_weights


class InterventionalSHAP(AdditiveExplainer):
    name = "interventional_shap"

    def __init__(self, background: int = 50, random_state: int = 0, intervals: bool = True, refits: int = REFITS):
        super().__init__(intervals, refits, random_state,
                         background=integer(background, "explainer interventional_shap: background", minimum=1))

    @classmethod
    def applies_to(cls, model) -> bool:
        return hasattr(model, "predict")

    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        p = len(schema)
        if p > MAX_PLAYERS:
            raise ValueError(f"exact Shapley values over {p} features (2**{p} subsets) are too slow; at most {MAX_PLAYERS}")
        X = X.reset_index(drop=True)
        n = len(X)
        rng = np.random.default_rng(self.params["random_state"])
        rows = np.sort(rng.choice(n, size=min(n, self.params["background"]), replace=False))
        m = len(rows)
        batch = X.iloc[np.tile(rows, n)].reset_index(drop=True)  # row i's block: the background rows
        own = np.repeat(np.arange(n), m)
        V = np.empty((n, 2**p))
        for S in range(2**p):
            probe = batch.copy()
            for j, f in enumerate(schema.names):
                if S >> j & 1:
                    probe[f] = X[f].to_numpy()[own]
            V[:, S] = np.asarray(est.predict(probe), dtype=float).reshape(n, m).mean(axis=1)
        A, B = _shapley_weights(p)
        phi, index = V @ A, V @ B
        pair_list = list(combinations(range(p), 2))
        main = pd.DataFrame(
            {f: phi[:, j] - 0.5 * sum(index[:, k] for k, pair in enumerate(pair_list) if j in pair) for j, f in enumerate(schema.names)}
        )
        pairs = {(schema.names[a], schema.names[b]): index[:, k] for k, (a, b) in enumerate(pair_list)}
        return Decomposition(
            main=main, pairs=pairs, base=float(V[:, 0].mean()),
            method=f"exact interventional Shapley values (SHAP, {m} background rows, all 2**{p} feature subsets): main effects "
                   "φ_i − Σ_j Φ_ij/2 and pairwise Shapley interaction indices Φ_ij, centred over the fitting rows",
        )
