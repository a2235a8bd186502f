"""The project's own estimators meet scikit-learn's estimator contract (its common checks)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from harness.surrogates.encoding import SchemaEncoder
from harness.surrogates.gam import GAMRegressor


def _listed(mark):
    """scikit-learn's parametrize mark with its checks as a list: pytest deprecates a generator of parameters."""
    names, values = mark.args
    return pytest.mark.parametrize(names, list(values), **mark.kwargs)


@_listed(parametrize_with_checks([GAMRegressor(lam=0.6, max_iter=50), SchemaEncoder()]).mark)
def test_sklearn_common_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("est, call", [(GAMRegressor(), "predict"), (SchemaEncoder(), "transform")])
def test_not_fitted_error_before_fit(est, call):
    with pytest.raises(NotFittedError):
        getattr(est, call)(pd.DataFrame({"a": [1.0, 2.0]}))


def test_without_a_schema_text_columns_are_categorical():
    X = pd.DataFrame({"lr": np.linspace(0, 1, 40), "opt": ["adam", "sgd"] * 20})
    y = 3 * X["lr"] + (X["opt"] == "sgd")
    enc = SchemaEncoder().fit(X)
    assert list(enc.transform(X).columns) == ["lr", "opt=adam", "opt=sgd"]
    gam = GAMRegressor().fit(X, y)
    assert gam.schema is None and gam.schema_["opt"].is_categorical  # the parameter is stored as given
    assert np.abs(gam.predict(X) - y).max() < 0.05
