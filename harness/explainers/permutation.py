"""Permutation importance of any fitted regressor on the rows it was fitted on (scikit-learn's).

Each feature's column (a categorical's raw values, so all its one-hot
columns move together) is shuffled ``n_repeats`` times with ``random_state``;
importance = the mean increase in mean squared error over the fitting rows,
in squared target units (Breiman 2001; Fisher, Rudin & Dominici 2019). The
standard deviation over repeats is in ``extras["std"]``. Measured on the
training rows, it says what the fitted model relies on, not what generalises.
"""
from __future__ import annotations

from harness.data.dataset import Dataset
from harness.config import integer
from harness.explainers.base import Explainer
from harness.explainers.importance_only import importance_record
from harness.interpretation.record import Interpretation


class Permutation(Explainer):
    name = "permutation"

    def __init__(self, n_repeats: int = 5, random_state: int = 0):
        super().__init__(n_repeats=integer(n_repeats, "explainer permutation: n_repeats", minimum=1),
                         random_state=integer(random_state, "explainer permutation: random_state"))

    @classmethod
    def applies_to(cls, model) -> bool:
        return hasattr(model, "predict")

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        from sklearn.inspection import permutation_importance

        X, schema = data.features(feed)
        result = permutation_importance(est, X, data.y, scoring="neg_mean_squared_error", n_jobs=1, **self.params)
        return importance_record(
            data, dict(zip(schema.names, result.importances_mean)),
            measure="MSE increase when shuffled",
            method=f"permutation importance: increase in mean squared error on the fitting rows when the feature is "
                   f"shuffled (mean of {self.params['n_repeats']} shuffles), in squared target units",
            extras={"std": dict(zip(schema.names, map(float, result.importances_std)))},
        )
