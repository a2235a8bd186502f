"""Mean decrease in impurity (MDI) of a scikit-learn tree model: its ``feature_importances_`` per hyperparameter.

The impurity (squared-error) decrease of every split on a column, weighted
by the rows reaching it, averaged over the trees and normalised to sum to 1
(Breiman 2001; what Optuna's ``MeanDecreaseImpurityImportanceEvaluator``
reports). One-hot columns of a categorical are summed into the feature, as
Optuna does; on the same forest the numbers are Optuna's. MDI is measured on
the training rows and favours features with many split points; it has no
shapes.
"""
from __future__ import annotations

import numpy as np

from harness.data.dataset import Dataset
from harness.explainers.base import Explainer, columns_of, final_step
from harness.explainers.importance_only import importance_record
from harness.interpretation.record import Interpretation


class MDI(Explainer):
    name = "mdi"

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
        share = np.asarray(model.feature_importances_, dtype=float)
        return importance_record(
            data, {f: share[cols].sum() for f, cols in columns.items()},
            measure="share of impurity decrease",
            method=f"mean decrease in impurity (MDI) of the {type(model).__name__}: scikit-learn's feature_importances_ "
                   "(fractions of the total impurity decrease, summing to 1), one-hot columns summed per feature",
        )
