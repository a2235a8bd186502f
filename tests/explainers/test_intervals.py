"""Every explainer's intervals from its replicates, total effects, senses; the local (top-γ) explainer; EBM over the
declared space; the switch that turns intervals off."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.config import compose
from harness.errors import ConfigError
from harness.experiments import setup_of
from harness.explainers import explain, make
from harness.explainers.registry import without_intervals
from harness.surrogates.registry import build, load_spec
from harness.synthetic import generate

SETTINGS = {"kind": "synthetic", "schema": "random", "seed": 12, "n_rows": 120, "snr": 8.0,
            "random": {"n_features": [5, 5], "interactions": [1, 1], "conditional": 0.0}}
CONDITIONAL = {"kind": "synthetic", "schema": "random", "seed": 7, "n_rows": 120, "snr": 8.0,
               "random": {"n_features": [6, 6], "conditional": 0.6}}


@pytest.fixture(scope="module")
def table():
    return generate(SETTINGS)[0]


def _fitted(name, ds, **changes):
    spec = load_spec(name)
    est = build(spec, ds.schema, seed=0, n_jobs=1)
    if changes:
        est.set_params(**changes)
    return spec, est.fit(ds.X, ds.y)


@pytest.mark.parametrize("name, replicates, totals", [
    ("ebm_fast", "outer bags", True), ("gam", "posterior", False), ("linear", "bootstrap resamples", False),
    ("tree", "bootstrap resamples", True), ("fanova", "forest's 64 trees", True), ("mdi", "forest's 64 trees", False),
    ("shap", "groups of the forest", True), ("ped_anova", "bootstrap resamples", False),
])
def test_every_method_has_intervals_from_its_replicates(table, name, replicates, totals):
    spec, est = _fitted(name, table)
    record = explain(est, table, spec.explainer, label=name)
    imp = record.importances
    terms = imp[imp.kind != "total"]
    assert imp[["lower", "upper"]].notna().all().all() and replicates in record.method and "90% interval" in record.method
    assert (imp.lower <= imp.importance + 1e-12).all() and (imp.importance <= imp.upper + 1e-12).all()
    assert (imp.lower >= 0).all()  # none of these measures can be negative
    assert ((imp.kind == "total").sum() == len(table.schema)) == totals
    assert record.resamples is not None and set(record.resamples.columns) == set(terms.term)
    assert record.sense == ("local" if name == "ped_anova" else "global")
    if totals:
        tot = imp[imp.kind == "total"].set_index("feature_a")["importance"]
        pairs = terms[terms.kind == "pair"]
        f = table.schema.names[0]
        held = pairs[(pairs.feature_a == f) | (pairs.feature_b == f)].importance.sum()
        assert tot[f] == pytest.approx(terms.set_index("term").importance[f] + held)
    # the same model and options give the same intervals
    again = explain(est, table, spec.explainer, label=name)
    pd.testing.assert_frame_equal(again.importances, record.importances)


def test_intervals_off_and_boosted_trees_by_refits(table):
    spec, est = _fitted("tree", table)
    off = explain(est, table, {"name": "treeshap", "intervals": False})
    assert off.importances[["lower", "upper"]].isna().all().all() and "no interval (intervals: false)" in off.method
    assert off.resamples is None and (off.importances.kind == "total").any()  # totals need no replicates
    _, xgb = _fitted("xgboost", table, model__n_estimators=20)
    plain = explain(xgb, table, "treeshap")  # a boosted ensemble: the default 10 bootstrap refits
    assert plain.importances["lower"].notna().all() and "10 refits on seeded bootstrap resamples" in plain.method
    asked = explain(xgb, table, {"name": "treeshap", "refits": 3})
    assert asked.importances["lower"].notna().all() and "3 refits on seeded bootstrap resamples" in asked.method
    np.testing.assert_array_equal(asked.importances["importance"], plain.importances["importance"])
    with pytest.raises(ConfigError, match="refits"):
        make({"name": "linear", "refits": 1})
    with pytest.raises(ConfigError, match="over must be one of rows, space"):
        make({"name": "ebm", "over": "everywhere"})


def test_permutation_intervals_may_go_below_zero(table):
    spec, est = _fitted("permutation", table)
    record = explain(est, table, {**spec.explainer, "refits": 4})
    assert "4 refits" in record.method and record.importances[["lower", "upper"]].notna().all().all()


def test_ebm_over_the_declared_space(table):
    spec, est = _fitted("ebm_fast", table)
    rows = explain(est, table, "ebm")
    space = explain(est, table, "ebm_space")
    assert "over 1000 configurations drawn from the declared space" in space.method
    assert not np.allclose(space.importances.importance, rows.importances.importance)
    pd.testing.assert_frame_equal(space.shapes, rows.shapes)  # shapes stay where the model saw data
    assert space.resamples.shape[0] == 4 and space.importances["lower"].notna().all()


@pytest.mark.parametrize("settings", [SETTINGS, CONDITIONAL], ids=["plain", "conditional"])
def test_top_gamma_reads_the_model_in_the_local_sense(settings):
    ds = generate(settings)[0]
    for name in ("ebm_fast", "fanova", "linear"):  # bags, tree groups, refits
        spec, est = _fitted(name, ds)
        record = explain(est, ds, {"name": "top_gamma", "rows": 64, "grid": 8, "refits": 3})
        imp = record.importances
        main, total = (imp[imp.kind == k].set_index("feature_a")["importance"] for k in ("main", "total"))
        assert record.sense == "local" and record.measure == "importance for reaching the top 0.1"
        assert (total >= main - 1e-12).all() and (total <= 0.09 + 1e-9).all() and main.max() > 0
        assert not (imp.kind == "pair").any() and imp[["lower", "upper"]].notna().all().all()


def test_an_experiment_can_turn_intervals_off():
    assert without_intervals("ebm") == {"name": "ebm", "intervals": False}
    assert without_intervals({"name": "fanova", "pairs": False}) == {"name": "fanova", "pairs": False, "intervals": False}
    assert without_intervals(None) is None and without_intervals({"_target_": "my.Explainer"}) == {"_target_": "my.Explainer"}
    from harness.explainers.registry import preset_of

    assert preset_of("ebm_space") == preset_of({"name": "ebm", "over": "space"}) == "ebm_space"
    assert preset_of("ebm") is preset_of({"name": "ebm", "over": "space", "intervals": False}) is preset_of(None) is None
    specs = setup_of(compose(["+experiment=stability_methods"])).surrogates
    assert all(not make(s.explainer).intervals for s in specs)
    assert all(make(s.explainer).intervals for s in setup_of(compose(["+experiment=interpret_methods"])).surrogates)
