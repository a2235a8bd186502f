"""fANOVA singles, MDI and PED-ANOVA against Optuna's own evaluators on a real study: same forest, same numbers."""
from __future__ import annotations

import math

import pytest

from harness.data.readers.optuna_study import load
from harness.explainers import make
from harness.surrogates import build, load_spec

optuna = pytest.importorskip("optuna")


def _objective(trial):
    """Names suggested in sorted order, so the table's columns are in Optuna's (sorted) order and the forests match."""
    lr = trial.suggest_float("a_lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("b_layers", 1, 6)
    opt = trial.suggest_categorical("c_opt", ["adam", "sgd", "rms"])
    x = trial.suggest_float("d_x", -1.0, 1.0)
    return -abs(math.log10(lr) + 3) - 0.1 * layers + 0.5 * (opt == "adam") + x * (layers > 3) + 0.1 * x


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A random-search study, and the harness's table of it read back from SQLite."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="s", direction="maximize", sampler=optuna.samplers.RandomSampler(seed=3))
    study.optimize(_objective, n_trials=60)
    url = f"sqlite:///{tmp_path_factory.mktemp('methods')}/study.db"
    optuna.copy_study(from_study_name="s", from_storage=study._storage, to_storage=url)
    return study, load({"storage": url})


def test_fanova_singles_are_optunas_on_the_same_forest(study):
    s, ds = study
    assert ds.schema.names == sorted(ds.schema.names)
    est = build(load_spec("fanova"), ds.schema, seed=7).fit(ds.X, ds.y)
    ours = make({"name": "fanova", "pairs": False}).explain(est, ds).main_importances()
    theirs = optuna.importance.FanovaImportanceEvaluator(seed=7).evaluate(s)
    assert set(theirs) == set(ours.index)
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(value, abs=1e-6), name
    assert ours["a_lr"] > 10 * ours["b_layers"]  # not all equal: the comparison has something to compare


def test_mdi_is_optunas_on_the_same_forest(study):
    s, ds = study
    est = build(load_spec("mdi"), ds.schema, seed=5).fit(ds.X, ds.y)
    ours = make("mdi").explain(est, ds).main_importances()
    theirs = optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=5).evaluate(s)
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(value, abs=1e-12), name
    assert ours.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("gamma", [0.1, 0.3])
def test_ped_anova_is_optunas_on_the_table_of_the_study(study, gamma):
    s, ds = study
    rec = make({"name": "ped_anova", "gamma": gamma}).explain(None, ds)
    theirs = optuna.importance.PedAnovaImportanceEvaluator(target_quantile=gamma).evaluate(s)
    ours = rec.main_importances()
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    assert max(theirs.values()) > 0
    assert rec.method.startswith(f"importance for reaching the top γ (PED-ANOVA, γ={gamma:g})")
    assert rec.shapes.empty and rec.interactions.empty
