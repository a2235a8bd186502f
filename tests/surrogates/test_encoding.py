"""Names and levels from users' data reach every model library in a spelling it accepts, and back to their features."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.api import as_dataset
from harness.explainers import explain
from harness.surrogates import build, load_spec


@pytest.fixture(scope="module")
def hostile():
    rng = np.random.default_rng(0)
    n = 80
    df = pd.DataFrame({"lr[0]": rng.uniform(0, 1, n), "bucket": rng.choice(["<5", "[10]", ">=3", "<function f>"], n)})
    df["score"] = 2 * df["lr[0]"] + (df["bucket"] == "[10]") + rng.normal(0, 0.05, n)
    return as_dataset(df, target="score")


@pytest.mark.parametrize("name", ["xgboost", "tree", "linear", "ebm_fast"])
def test_unsafe_names_and_levels_fit_and_explain(hostile, name):
    est = build(load_spec(name), hostile.schema, seed=0, n_jobs=1).fit(hostile.X, hostile.y)
    record = explain(est, hostile, load_spec(name).explainer, label=name)
    assert list(record.main_importances().index) == ["lr[0]", "bucket"]  # the user's names, not the safe spellings
    assert set(record.shapes.loc[record.shapes.feature == "bucket", "value"]) == {"<5", "[10]", ">=3", "<function f>"}
