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


@pytest.mark.parametrize("run", list(RUNS))
def test_composes_as_a_data_config(run):
    from hydra import compose, initialize_config_dir

    from harness.paths import config_root

    overrides = [f"data={run}"] + [f"data.{k}={v}" for k, v in RUNS[run].items() if k != "kind"]
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    assert load_dataset(cfg.data).fingerprint == load_dataset(RUNS[run]).fingerprint


@pytest.mark.slow
def test_interpret_through_the_cli_reports_every_surrogate_and_one_indicator(tmp_path):
    """The issue's check: the SMAC3 MLP run, every surrogate's importances, one indicator for batch_size and
    learning_rate_init (both active for sgd/adam)."""
    import pandas as pd

    from cli import harness

    out = tmp_path / "run"
    harness(tmp_path, "+experiment=interpret", "data=smac", f"data.path={RUNS['smac']['path']}",
            "surrogate=[ebm_fast,xgboost,linear,gam,tree]", "n_jobs=1", f"hydra.run.dir={out}", cache=tmp_path / "cache")
    assert (pd.read_csv(out / "metrics.csv").status == "ok").all()
    mains = pd.read_csv(out / "importances.csv").query("kind == 'main'")
    table = load_dataset(RUNS["smac"])
    assert mains.groupby("surrogate").feature_a.apply(sorted).map(tuple).nunique() == 1
    assert sorted(mains.surrogate.unique()) == sorted(["ebm_fast", "xgboost", "linear", "gam", "tree"])
    assert sorted(mains.feature_a.unique()) == sorted(table.schema.names)
    assert [f for f in mains.feature_a.unique() if f.startswith(("active_", "has_"))] == ["active_solver_in_{sgd,adam}"]
