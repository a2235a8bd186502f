"""Permutation importance of any fitted regressor on the rows it was fitted on (scikit-learn's).

Each feature's column (a categorical's raw values, so all its one-hot
columns move together) is shuffled ``n_repeats`` times with ``random_state``;
importance = the mean increase in mean squared error over the fitting rows,
in squared target units (Breiman 2001; Fisher, Rudin & Dominici 2019). The
standard deviation over repeats is in ``extras["std"]``. Measured on the
training rows, it says what the fitted model relies on, not what generalises.
Intervals: ``refits`` clones of the model refitted on seeded bootstrap
resamples of the rows, each measured the same way on its own rows.
"""
from __future__ import annotations

from harness.data.dataset import Dataset
from harness.config import integer
from harness.explainers.base import REFITS, Explainer, interval_params, refit_replicates
from harness.explainers.importance_only import importance_record
from harness.interpretation.record import Interpretation


class Permutation(Explainer):
    name = "permutation"

    def __init__(self, n_repeats: int = 5, random_state: int = 0, intervals: bool = True, refits: int = REFITS):
        super().__init__(n_repeats=integer(n_repeats, "explainer permutation: n_repeats", minimum=1),
                         **interval_params(self.name, intervals, refits, random_state))

    @classmethod
    def applies_to(cls, model) -> bool:
        return hasattr(model, "predict")

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        result = self._measure(est, data, feed)
        names = data.schema.names
        return importance_record(
            data, dict(zip(names, result.importances_mean)),
            measure="MSE increase when shuffled",
            method=f"permutation importance: increase in mean squared error on the fitting rows when the feature is "
                   f"shuffled (mean of {self.params['n_repeats']} shuffles), in squared target units",
            extras={"std": dict(zip(names, map(float, result.importances_std)))},
            replicates=refit_replicates(est, data, feed, lambda fitted, sample: dict(zip(
                names, self._measure(fitted, sample, feed).importances_mean)), self.params)
            if self.intervals else "intervals: false",
            nonnegative=False,
        )

    def _measure(self, est, data: Dataset, feed: str):
        from sklearn.inspection import permutation_importance

        return permutation_importance(est, data.features(feed)[0], data.y, scoring="neg_mean_squared_error", n_jobs=1,
                                      n_repeats=self.params["n_repeats"], random_state=self.params["random_state"])
