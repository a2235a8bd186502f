"""Every importance method recovers a planted ranking; SHAP, permutation and the method configs keep their promises."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from harness.synthetic import generate
from harness.errors import ConfigError, DataError
from harness.explainers import explain, for_model, make
from harness.surrogates import build, load_spec
from known_tables import SETTINGS  # y = 3·(log a) + 1·b + 0·c + noise: importance a > b > c

pytest.importorskip("optuna")  # PED-ANOVA runs through Optuna's evaluator

# (surrogate config, explainer): each method as a surrogate ships it, plus interventional SHAP on a black box
METHODS = [("fanova", None), ("mdi", None), ("ped_anova", None), ("permutation", None), ("shap", None),
           ("xgboost", "interventional_shap")]


@pytest.fixture(scope="module")
def table():
    return generate(SETTINGS)


def _explained(name, explainer, ds):
    est = build(load_spec(name), ds.schema, seed=1, n_jobs=1).fit(ds.X, ds.y)
    return est, explain(est, ds, explainer or load_spec(name).explainer, label=name)


@pytest.mark.parametrize("name,explainer", METHODS)
def test_recovers_the_planted_ranking(name, explainer, table):
    ds, _ = table
    _, rec = _explained(name, explainer, ds)
    assert list(rec.ranking("main")["feature_a"]) == ["a", "b", "c"], rec.main_importances()
    assert rec.dataset == ds.name and rec.surrogate == name and rec.method


def test_method_configs_share_optunas_forest():
    """One forest, five methods: the configs differ in their explainer only."""
    specs = {name: load_spec(name) for name in ("fanova", "mdi", "ped_anova", "permutation", "shap")}
    assert len({repr(s.estimator) for s in specs.values()}) == 1
    model = specs["fanova"].estimator["model"]
    assert model["_target_"] == "sklearn.ensemble.RandomForestRegressor"
    assert (model["n_estimators"], model["max_depth"], model["min_samples_split"], model["min_samples_leaf"]) == (64, 64, 2, 1)
    assert [for_model(None, s.explainer).name for s in specs.values()] == ["fanova", "mdi", "ped_anova", "permutation", "treeshap"]


def test_fanova_record_is_complete(table):
    ds, _ = table
    _, rec = _explained("fanova", None, ds)
    pairs = rec.importances[rec.importances.kind == "pair"]
    assert list(pairs.term) == ["a x b", "a x c", "b x c"] and (pairs.importance >= 0).all()
    terms = rec.importances[rec.importances.kind != "total"]
    assert 0 < terms.importance.sum() <= 1 + 1e-9  # fractions of variance
    totals = rec.importances[rec.importances.kind == "total"].set_index("feature_a")["importance"]
    assert totals["a"] == pytest.approx(terms.set_index("term")["importance"][["a", "a x b", "a x c"]].sum())
    assert set(rec.interactions.feature_a + "|" + rec.interactions.feature_b) == {"a|b", "a|c", "b|c"}
    assert (rec.shapes.groupby("feature").density.sum() == len(ds)).all()
    assert "variance" in rec.method and "uniform" in rec.method
    assert set(rec.extras["fraction_std"]) == set(terms.term)


def test_interventional_shap_of_an_additive_model_is_its_terms(table):
    """For a sum of main terms the Shapley value of a feature is its own centred term, whatever the background."""
    ds, _ = table
    for name in ("linear", "gam"):
        est = build(load_spec(name), ds.schema, seed=1, n_jobs=1).fit(ds.X, ds.y)
        own = explain(est, ds, load_spec(name).explainer)
        shap = explain(est, ds, {"name": "interventional_shap", "background": 20})
        np.testing.assert_allclose(shap.main_importances()[own.main_importances().index], own.main_importances(), atol=1e-9)
        np.testing.assert_allclose(shap.shapes.contribution, own.shapes.contribution, atol=1e-9)
        assert shap.importances[shap.importances.kind == "pair"].importance.max() < 1e-9


def test_interventional_shap_terms_add_up_to_the_prediction(table):
    ds, _ = table
    est = build(load_spec("tree"), ds.schema, seed=1, n_jobs=1).fit(ds.X, ds.y)
    dec = make({"name": "interventional_shap", "background": 30}).decompose(est, ds.X, ds.schema)
    total = dec.base + dec.main.sum(axis=1) + sum(dec.pairs.values())
    np.testing.assert_allclose(total, est.predict(ds.X), atol=1e-9)
    assert max(np.abs(v).max() for v in dec.pairs.values()) > 1e-3  # a tree has interactions: the pair terms carry them


def test_permutation_is_seeded_and_in_mse_units(table):
    ds, _ = table
    est = build(load_spec("linear"), ds.schema, seed=1, n_jobs=1).fit(ds.X, ds.y)
    a, b = (make({"name": "permutation", "random_state": s}).explain(est, ds) for s in (0, 0))
    c = make({"name": "permutation", "random_state": 1}).explain(est, ds)
    assert a.importances.equals(b.importances) and not a.importances.equals(c.importances)
    # a linear term's permutation importance is 2·Var(term) in expectation: the MSE of swapping two independent draws
    coef = est[-1].coef_[0] * ds.schema["a"].to_unit(ds.X["a"])
    assert a.main_importances()["a"] == pytest.approx(2 * coef.var(), rel=0.25)
    assert a.shapes.empty and set(a.extras["std"]) == {"a", "b", "c"}


@pytest.mark.parametrize("config,message", [
    ({"name": "ped_anova", "gamma": 1.5}, "gamma .* must be in \\(0, 1\\)"),
    ({"name": "ped_anova", "local": "yes"}, "local must be true or false"),
    ({"name": "permutation", "n_repeats": 0}, "^explainer permutation: n_repeats=0 must be at least 1$"),
    ({"name": "permutation", "random_state": "x"}, "^explainer permutation: random_state='x' is not a whole number$"),
    ({"name": "interventional_shap", "background": 0}, "^explainer interventional_shap: background=0 must be at least 1$"),
])
def test_bad_options_are_config_errors(config, message):
    with pytest.raises(ConfigError, match=message):
        make(config)


def test_version_follows_the_options():
    assert make({"name": "ped_anova", "gamma": 0.1}).version() != make({"name": "ped_anova", "gamma": 0.2}).version()
    assert make("fanova").version() == make({"name": "fanova", "domain": "uniform"}).version()


def test_ped_anova_names_a_row_outside_the_declared_domain(table):
    ds, _ = table
    X = ds.X.copy()
    X.loc[7, "a"] = 123456
    bad = dataclasses.replace(ds, X=X)
    with pytest.raises(DataError, match=r"row 7: a = 123456 is outside its declared domain"):
        make("ped_anova").explain(None, bad)
