"""Mean decrease in impurity (MDI) of a scikit-learn tree model: its ``feature_importances_`` per hyperparameter.

The impurity (squared-error) decrease of every split on a column, weighted
by the rows reaching it, averaged over the trees and normalised to sum to 1
(Breiman 2001; what Optuna's ``MeanDecreaseImpurityImportanceEvaluator``
reports). One-hot columns of a categorical are summed into the feature, as
Optuna does; on the same forest the numbers are Optuna's. MDI is measured on
the training rows and favours features with many split points; it has no
shapes. Intervals: a forest's trees' own importances (each tree fitted on a
bootstrap resample of the rows; the forest's are their mean): estimate ± t ×
their standard deviation, as for fANOVA; a single tree or gradient boosting
is refitted on ``refits`` bootstrap resamples.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.explainers.base import REFITS, Explainer, Replicates, columns_of, final_step, interval_params, refit_replicates
from harness.explainers.importance_only import importance_record
from harness.interpretation.intervals import Rule
from harness.interpretation.record import Interpretation


class MDI(Explainer):
    name = "mdi"

    def __init__(self, intervals: bool = True, refits: int = REFITS, random_state: int = 0):
        super().__init__(**interval_params(self.name, intervals, refits, random_state))

    @classmethod
    def applies_to(cls, model) -> bool:
        from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, RandomForestRegressor
        from sklearn.tree import BaseDecisionTree

        return isinstance(model, (BaseDecisionTree, RandomForestRegressor, ExtraTreesRegressor, GradientBoostingRegressor))

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        model, encode = final_step(est)
        if not self.applies_to(model):
            raise TypeError(f"MDI reads scikit-learn trees, forests and gradient boosting, not {type(model).__name__}")
        X, schema = data.features(feed)
        columns = columns_of(encode(X.iloc[:1]).columns, schema)

        def per_feature(share) -> dict[str, float]:
            share = np.asarray(share, dtype=float)
            return {f: float(share[cols].sum()) for f, cols in columns.items()}

        return importance_record(
            data, per_feature(model.feature_importances_),
            measure="share of impurity decrease",
            method=f"mean decrease in impurity (MDI) of the {type(model).__name__}: scikit-learn's feature_importances_ "
                   "(fractions of the total impurity decrease, summing to 1), one-hot columns summed per feature",
            replicates=self._replicates(est, data, feed, per_feature),
        )

    def _replicates(self, est, data: Dataset, feed: str, per_feature) -> Replicates | str:
        if not self.intervals:
            return "intervals: false"
        model, _ = final_step(est)
        trees = [t for t in getattr(model, "estimators_", []) if getattr(t, "tree_", None) is not None and t.tree_.node_count > 1]
        if len(trees) >= 2 and not hasattr(model, "loss"):  # a forest (gradient boosting's stages are not alike)
            return Replicates(pd.DataFrame([per_feature(t.feature_importances_) for t in trees]), Rule("spread"),
                              f"the forest's {len(trees)} trees' own importances (each tree fitted on a bootstrap resample)")
        return refit_replicates(est, data, feed, lambda fitted, _: per_feature(final_step(fitted)[0].feature_importances_),
                                self.params)
