"""GAM (pygam, behind ``GAMRegressor``): each term's partial dependence.

``partial_dependence`` of each term on the rows; a feature's band is ± one
standard error of its term (pygam's coefficient covariance, the 15.9/84.1 %
quantiles) when the feature is one term, none for a categorical feature (one
term per level). Tensor terms are pairs, reported as fitted (pygam does not
purify them).

**Intervals** come from the coefficients' posterior (pygam's own large-sample
normal approximation, ``statistics_["cov"]``, the one its confidence bands
use): ``DRAWS`` seeded draws of the coefficients, each term's importance
measured on every draw; interval = estimate ± t × their standard deviation
(their quantiles covered the truth far less often: ``scripts/bench_intervals.py``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.explainers.base import AdditiveExplainer, Decomposition, TermReplicates, final_step
from harness.interpretation.intervals import Rule

ONE_SIGMA = (0.15865525393145707, 0.8413447460685429)
DRAWS = 200


class GAMTerms(AdditiveExplainer):
    name = "gam"

    @classmethod
    def applies_to(cls, model) -> bool:
        from harness.surrogates.gam import GAMRegressor

        return isinstance(model, GAMRegressor)

    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        model, _ = final_step(est)
        return _gam(model, X, self.params["random_state"] if self.intervals else None)


def _gam(model, X: pd.DataFrame, seed: int | None = None) -> Decomposition:
    """The terms of the fitted GAM on X, with ``DRAWS`` posterior draws of them seeded by ``seed`` (None: none)."""
    gam, names = model.gam_, model.schema_.names
    Z = model.schema_.scaled(X)[model.columns_].to_numpy()
    feature_of = {i: model.schema_.column(c).feature for i, c in enumerate(model.columns_)}
    main = pd.DataFrame(0.0, index=range(len(X)), columns=names)
    pairs: dict[tuple[str, str], np.ndarray] = {}
    single: dict[str, list[int]] = {}
    draws = None if seed is None else np.random.default_rng(seed).multivariate_normal(
        gam.coef_, gam.statistics_["cov"], size=DRAWS, method="eigh")  # draws × coefficients
    drawn_main = None if draws is None else np.zeros((DRAWS, len(X), len(names)))
    drawn_pairs: dict[tuple[str, str], np.ndarray] = {}
    for t, term in enumerate(gam.terms):
        if term.isintercept:
            continue
        per_draw = 0.0 if draws is None else (gam._modelmat(Z, term=t) @ draws[:, gam.terms.get_coef_indices(t)].T).T
        if term.istensor:
            a, b = sorted({feature_of[i] for i in term.feature}, key=names.index)
            pairs[(a, b)] = pairs.get((a, b), 0.0) + gam.partial_dependence(term=t, X=Z)
            drawn_pairs[(a, b)] = drawn_pairs.get((a, b), 0.0) + per_draw
        else:
            f = feature_of[term.feature]
            main[f] += gam.partial_dependence(term=t, X=Z)
            if draws is not None:
                drawn_main[:, :, names.index(f)] += per_draw
            single.setdefault(f, []).append(t)
    band = pd.DataFrame(np.nan, index=main.index, columns=names)
    for f, ts in single.items():
        if len(ts) == 1:
            _, ci = gam.partial_dependence(term=ts[0], X=Z, quantiles=list(ONE_SIGMA))
            band[f] = (ci[:, 1] - ci[:, 0]) / 2
    base = float(np.mean(model.predict(X) - main.sum(axis=1) - sum(pairs.values(), np.zeros(len(X)))))
    return Decomposition(
        main=main,
        pairs=pairs,
        base=base,
        method="pygam partial_dependence per term centred over the fitting rows; band ± 1 standard error (single-term features)",
        band=band,
        replicates=None if draws is None else TermReplicates(drawn_main, list(names), drawn_pairs),
        rule=Rule("spread"),
        what=f"{DRAWS} seeded draws of the coefficients from their posterior (pygam's covariance)",
    )
