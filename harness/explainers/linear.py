"""Linear models (ridge): coefficient × encoded value, one-hot levels summed per feature; no pairs, no band."""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.explainers.base import AdditiveExplainer, Decomposition, columns_of, final_step


class LinearTerms(AdditiveExplainer):
    name = "linear"

    @classmethod
    def applies_to(cls, model) -> bool:
        return np.ndim(getattr(model, "coef_", None)) == 1 and hasattr(model, "intercept_")

    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        model, feed = final_step(est)
        return _linear(model, feed(X), schema)


def _linear(model, Xm: pd.DataFrame, schema: Schema) -> Decomposition:
    contrib = Xm.to_numpy(dtype=float) * np.asarray(model.coef_, dtype=float)
    groups = columns_of(Xm.columns, schema)
    main = pd.DataFrame({f: contrib[:, cols].sum(axis=1) for f, cols in groups.items()})
    return Decomposition(
        main=main, pairs={}, base=float(model.intercept_),
        method="coefficient x encoded value (one-hot levels summed per feature) centred over the fitting rows",
    )
