"""The importance method of docs/architecture.md's recipe 2, as a user would write it outside the package."""
from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from harness.explainers import Explainer
from harness.explainers.importance_only import importance_record


class PredictionRankCorrelation(Explainer):
    """Importance of a hyperparameter: |Spearman ρ| between its values and the model's predictions."""

    name = "rank_correlation"

    def explain(self, est, data, feed="raw"):
        X, _ = data.features(feed)
        predicted = est.predict(X)
        importance = {f: abs(spearmanr(data.scaled()[f], predicted)[0]) if data.X[f].nunique() > 1 else 0.0
                      for f in data.schema.names}
        return importance_record(data, {f: float(np.nan_to_num(v)) for f, v in importance.items()},
                                 method="|Spearman rho| of each hyperparameter with the predictions",
                                 measure="|Spearman rho|")
