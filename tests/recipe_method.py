"""The importance method of docs/architecture.md's recipe 2, as a user would write it outside the package."""
from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from harness.explainers import Explainer
from harness.explainers.base import refit_replicates
from harness.explainers.importance_only import importance_record


class PredictionRankCorrelation(Explainer):
    """Importance of a hyperparameter: |Spearman ρ| between its values and the model's predictions."""

    name = "rank_correlation"

    def __init__(self, refits: int = 10, random_state: int = 0):
        super().__init__(refits=refits, random_state=random_state)

    def explain(self, est, data, feed="raw"):
        def measure(model, rows):  # on the fitted model, and on each bootstrap refit (the interval's replicates)
            predicted = model.predict(rows.features(feed)[0])
            return {f: float(np.nan_to_num(abs(spearmanr(rows.scaled()[f], predicted)[0])))
                    if rows.X[f].nunique() > 1 else 0.0 for f in rows.schema.names}

        return importance_record(data, measure(est, data), method="|Spearman rho| of each hyperparameter with the "
                                 "predictions", measure="|Spearman rho|",
                                 replicates=refit_replicates(est, data, feed, measure, self.params))
