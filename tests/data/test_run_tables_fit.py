"""Every surrogate fits and explains the tables the SMAC3 and Ray Tune readers make from the committed runs:
the data layer creates no feature name or level a model rejects (XGBoost refused '<absent>' and '[ ] <')."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.data import load_dataset
from harness.explainers import explain
from harness.surrogates import build, known_surrogates, load_spec

FIXTURES = Path(__file__).parent / "fixtures"
RUNS = {
    "smac": {"kind": "smac", "path": str(FIXTURES / "smac_mlp")},
    "raytune": {"kind": "raytune", "path": str(FIXTURES / "raytune_sgd"), "metric": "accuracy", "mode": "max"},
}
SURROGATES = [n for n in known_surrogates() if n != "ebm"]  # ebm_fast is the same model with fewer rounds


@pytest.fixture(scope="module", params=list(RUNS))
def table(request):
    return load_dataset(RUNS[request.param])


@pytest.mark.parametrize("name", SURROGATES)
def test_fits_and_explains_every_feature(table, name):
    est = build(load_spec(name), table.schema, seed=0, n_jobs=1)
    if "model__outer_bags" in est.get_params():
        est.set_params(model__outer_bags=2)
    pred = est.fit(table.X, table.y).predict(table.X)
    assert pred.shape == (len(table),) and np.isfinite(pred).all()
    mains = explain(est, table, label=name).main_importances()
    assert list(mains.index) == table.schema.names and np.isfinite(mains).all()
