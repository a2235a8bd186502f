"""GAM (pygam, behind ``GAMRegressor``): each term's partial dependence.

``partial_dependence`` of each term on the rows; a feature's band is ± one
standard error of its term (pygam's coefficient covariance, the 15.9/84.1 %
quantiles) when the feature is one term, none for a categorical feature (one
term per level). Tensor terms are pairs, reported as fitted (pygam does not
purify them).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.explainers.base import AdditiveExplainer, Decomposition, final_step

ONE_SIGMA = (0.15865525393145707, 0.8413447460685429)


class GAMTerms(AdditiveExplainer):
    name = "gam"

    @classmethod
    def applies_to(cls, model) -> bool:
        from harness.surrogates.gam import GAMRegressor

        return isinstance(model, GAMRegressor)

    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        model, _ = final_step(est)
        return _gam(model, X)


def _gam(model, X: pd.DataFrame) -> Decomposition:
    gam, names = model.gam_, model.schema_.names
    Z = model.schema_.scaled(X)[model.columns_].to_numpy()
    feature_of = {i: model.schema_.column(c).feature for i, c in enumerate(model.columns_)}
    main = pd.DataFrame(0.0, index=range(len(X)), columns=names)
    pairs: dict[tuple[str, str], np.ndarray] = {}
    single: dict[str, list[int]] = {}
    for t, term in enumerate(gam.terms):
        if term.isintercept:
            continue
        if term.istensor:
            a, b = sorted({feature_of[i] for i in term.feature}, key=names.index)
            pairs[(a, b)] = pairs.get((a, b), 0.0) + gam.partial_dependence(term=t, X=Z)
        else:
            f = feature_of[term.feature]
            main[f] += gam.partial_dependence(term=t, X=Z)
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
    )
