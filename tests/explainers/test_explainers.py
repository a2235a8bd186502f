"""Every surrogate explained the same way: right on a table whose truth is known, exact where it claims to be."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.synthetic import generate
from harness.interpretation import (
    Interpretation,
    agreement,
    average,
    rank_agreement,
    records_of,
    shape_correlations,
)
from harness.render import interpret as plots
from harness.text import fmt_value
from harness.surrogates import build, load_spec
from harness.explainers import explain, for_model
from harness.explainers.treeshap import _xgboost_nodes, shapley_terms
from known_tables import SETTINGS  # y = 3·(log a) + 1·b + 0·c + noise: importance a > b > c

SURROGATES = ["ebm_fast", "gam", "tree", "xgboost", "linear"]


@pytest.fixture(scope="module")
def table():
    return generate(SETTINGS)


@pytest.fixture(scope="module")
def fitted(table):
    ds, _ = table
    return {name: build(load_spec(name), ds.schema, seed=1, n_jobs=1).fit(ds.X, ds.y) for name in SURROGATES}


@pytest.fixture(scope="module")
def records(table, fitted):
    ds, _ = table
    return {name: explain(est, ds, load_spec(name).explainer, label=name) for name, est in fitted.items()}


@pytest.mark.parametrize("name", SURROGATES)
def test_recovers_the_known_ranking_and_shapes(name, table, records):
    _, truth = table
    rec = records[name]
    assert list(rec.ranking("main")["feature_a"]) == ["a", "b", "c"]
    r = shape_correlations(rec, truth).set_index("feature")["pearson"]
    assert r["a"] > 0.97 and r["b"] > 0.95, r
    assert rank_agreement(rec, truth)["spearman"] == pytest.approx(1.0)
    b = rec.shapes[rec.shapes.feature == "b"]
    assert list(b["value"]) == ["x", "y", "z"] and b["density"].sum() == 200  # per category, in declared order
    assert abs(rec.shapes.groupby("feature").apply(lambda g: (g.contribution * g.density).sum(), include_groups=False)).max() < 1e-9


def test_record_says_how_and_where(records):
    assert records["ebm_fast"].shapes[["lower", "upper"]].notna().all().all()  # bag spread
    assert records["gam"].shapes.query("feature == 'a'")[["lower", "upper"]].notna().all().all()  # standard error
    assert records["gam"].shapes.query("feature == 'b'")["lower"].isna().all()  # one term per level: no band
    assert records["linear"].interactions.empty and (records["linear"].importances.kind == "main").all()
    assert len(records["xgboost"].importances.query("kind == 'pair'")) == 3  # every pair of the features split on
    assert "Shapley" in records["tree"].method and "bags" in records["ebm_fast"].method


def test_ebm_importance_is_interprets_term_importances(table, fitted, records):
    model = fitted["ebm_fast"].named_steps["model"]
    ours = records["ebm_fast"].importances.set_index("term")["importance"]
    theirs = pd.Series(model.term_importances(), index=[t.replace(" & ", " x ") for t in model.term_names_])
    pd.testing.assert_series_equal(ours.loc[theirs.index], theirs, check_names=False, rtol=1e-9)


@pytest.mark.parametrize("name", ["tree", "xgboost", "ebm_fast", "linear"])
def test_terms_add_up_to_the_prediction(name, table, fitted):
    ds, _ = table
    est = fitted[name]
    dec = for_model(est).decompose(est, ds.X, ds.schema)
    total = dec.base + dec.main.sum(axis=1).to_numpy() + sum(dec.pairs.values(), np.zeros(len(ds)))
    assert np.abs(total - est.predict(ds.X)).max() < 1e-4


def test_tree_shapley_is_xgboosts_own_treeshap():
    import xgboost as xgb

    ds, _ = generate({**SETTINGS, "schema": "nmt", "effects": {"lr": {"shape": "monotone", "strength": 3.0}},
                      "interactions": [{"a": "embed", "b": "lr", "strength": 2.0}], "n_rows": 120})
    est = build(load_spec("xgboost"), ds.schema, seed=3, n_jobs=1).set_params(model__n_estimators=25).fit(ds.X, ds.y)
    Xm = est[:-1].transform(ds.X)
    native = est.named_steps["model"].get_booster().predict(xgb.DMatrix(Xm), pred_interactions=True)
    main, pairs, _, _ = shapley_terms(_xgboost_nodes(est.named_steps["model"]), Xm, ds.schema)
    names = ds.schema.names
    for i, f in enumerate(names):
        np.testing.assert_allclose(main[f], native[:, i, i], atol=1e-5)
    for (a, b), v in pairs.items():
        np.testing.assert_allclose(v, 2 * native[:, names.index(a), names.index(b)], atol=1e-5)


def test_scaled_feed_is_reported_in_raw_values():
    ds, _ = generate({**SETTINGS, "schema": "nmt", "effects": {"lr": {"shape": "monotone", "strength": 3.0}}})
    recs = {}
    for feed in ("raw", "scaled"):
        X, schema = (ds.X, ds.schema) if feed == "raw" else (ds.scaled(), ds.schema.unit())
        est = build(load_spec("tree"), schema, seed=0).fit(X, ds.y)
        recs[feed] = explain(est, ds, "treeshap", feed=feed, label="tree")
    assert set(recs["scaled"].shape("lr").index) == {3e-4, 6e-4, 1e-3}
    pd.testing.assert_frame_equal(recs["raw"].shapes, recs["scaled"].shapes)  # splits do not care about the scale


def test_record_round_trips_and_carries_ebm_json(table, fitted):
    ds, _ = table
    rec = explain(fitted["ebm_fast"], ds, "ebm", label="ebm_fast")
    assert [t["term_features"] for t in rec.extras["ebm_json"]["ebm"]["terms"]][:3] == [["a"], ["b"], ["c"]]
    again = Interpretation.from_dict(rec.to_dict())
    for name in ("importances", "shapes", "interactions"):
        pd.testing.assert_frame_equal(getattr(rec, name), getattr(again, name))
    assert again.extras == rec.extras


# ---------------------------------------------------------------- the record, its tables and comparisons


def test_frames_to_csv_and_back(tmp_path, records):
    tables = {"importances": [], "shapes": [], "interactions": []}
    for seed, name in enumerate(["tree", "ebm_fast"]):
        for key, frame in records[name].frames(experiment="interpret", seed=seed).items():
            tables[key].append(frame)
    for key, parts in tables.items():
        pd.concat(parts).to_csv(tmp_path / f"{key}.csv", index=False)
    back = records_of(*(pd.read_csv(tmp_path / f"{k}.csv") for k in tables))
    assert set(back) == {("tree", records["tree"].dataset, 0), ("ebm_fast", records["ebm_fast"].dataset, 1)}
    for (name, _, _), rec in back.items():
        orig = records[name]
        np.testing.assert_allclose(rec.importances.importance, orig.importances.importance)
        np.testing.assert_allclose(rec.shapes.contribution, orig.shapes.contribution)
        np.testing.assert_allclose(rec.interactions.contribution, orig.interactions.contribution)
        assert agreement(rec, orig)["spearman"] == pytest.approx(1.0)
        assert shape_correlations(rec, orig)["pearson"].dropna().gt(0.999999).all()  # CSV values match record values


def test_average_of_seeds(records):
    a, b = records["tree"], records["xgboost"]
    mean = average([a, b])
    np.testing.assert_allclose(
        mean.main_importances().loc[["a", "b", "c"]],
        (a.main_importances() + b.main_importances()).loc[["a", "b", "c"]] / 2,
    )
    assert "mean of 2 fits" in mean.method and average([a]) is a


def test_average_keeps_the_pairs_of_the_records_that_have_them(records, tmp_path):
    """A record without pair terms (ridge), read back from its CSVs, holds empty columns of no dtype: averaged with one
    that has pairs (a tree), the mean keeps the tree's pair surfaces (it once raised KeyError 'contribution')."""
    from harness.interpretation import records_of

    tree, linear = records["tree"], records["linear"]
    frames = {name: pd.concat([r.frames(seed=0)[name] for r in (tree, linear)], ignore_index=True)
              for name in ("importances", "shapes", "interactions")}
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    read = records_of(*(pd.read_csv(tmp_path / f"{name}.csv") for name in ("importances", "shapes", "interactions")))
    mean = average([read[k] for k in sorted(read) if k[0] == "linear"] + [read[k] for k in sorted(read) if k[0] == "tree"])
    assert len(mean.interactions) == len(tree.interactions) > 0
    np.testing.assert_allclose(mean.interactions["contribution"].to_numpy(), tree.interactions["contribution"].to_numpy())


def test_figures(tmp_path, records):
    labels = {"a": "alpha", "b": "beta", "c": "gamma"}
    ebm = records["ebm_fast"]
    others = [records[n] for n in SURROGATES[1:]]
    paths = [
        plots.importance_bars([ebm, *others], labels, tmp_path / "imp.png", "importance"),
        plots.shape_grid(ebm, others, labels, "score", tmp_path / "shapes.png", "shapes"),
        plots.interaction_heatmaps(ebm, [("a", "c")] if not ebm.surface("a", "c").empty else [], labels, "score",
                                   tmp_path / "pairs.png", "pairs"),
    ]
    for p in paths:
        assert p.stat().st_size > 5_000
    assert [fmt_value(v) for v in (10000, 3e-4, 0.001, 512, 0.5, "adam", 1.0)] == ["10k", "3e-4", "1e-3", "512", "0.5", "adam", "1"]


# ---------------------------------------------------------------- open explainers


def test_any_regressor_gets_the_model_agnostic_explanation(table):
    """A regressor no explainer reads (k-nearest neighbours) is explained by partial dependence, not refused."""
    from sklearn.neighbors import KNeighborsRegressor

    from harness.surrogates.encoding import encoded

    ds, truth = table
    est = encoded(KNeighborsRegressor(n_neighbors=8)).set_params(encode__schema=ds.schema).fit(ds.X, ds.y)
    rec = explain(est, ds, label="knn")
    assert "partial dependence" in rec.method and "friedman_h2" in rec.extras
    assert list(rec.ranking("main")["feature_a"])[:2] == ["a", "b"]
    assert rank_agreement(rec, truth)["spearman"] > 0.9


def test_partial_dependence_of_an_additive_model_is_its_own_terms(table, fitted):
    """For ridge (additive, no pairs) the agnostic terms equal the model's coefficients × values, pairs vanish."""
    ds, _ = table
    own = explain(fitted["linear"], ds, "linear", label="linear")
    pd_rec = explain(fitted["linear"], ds, {"name": "agnostic", "max_rows": 200}, label="linear")
    pd.testing.assert_series_equal(pd_rec.main_importances(), own.main_importances(), rtol=1e-9)
    assert pd_rec.importances.query("kind == 'pair'")["importance"].max() < 1e-9


def test_forests_get_exact_treeshap(table):
    from sklearn.ensemble import RandomForestRegressor

    from harness.surrogates.encoding import encoded

    ds, _ = table
    est = encoded(RandomForestRegressor(n_estimators=20, max_depth=5, random_state=0), numeric="raw")
    est.set_params(encode__schema=ds.schema).fit(ds.X, ds.y)
    assert for_model(est).name == "treeshap"
    dec = for_model(est).decompose(est, ds.X, ds.schema)
    total = dec.base + dec.main.sum(axis=1).to_numpy() + sum(dec.pairs.values(), np.zeros(len(ds)))
    assert np.abs(total - est.predict(ds.X)).max() < 1e-6


def test_a_surrogate_added_by_yaml_alone_is_explained_by_the_cell_engine(table, tmp_path):
    from harness.cells import Cell, Eval, run_cells
    from harness.config import RunOptions
    from harness.surrogates.registry import _spec

    ds, _ = table
    spec = _spec("knn", {"library": "scikit-learn", "min_rows": 2, "seed_param": None, "threads_param": "model__n_jobs",
                         "estimator": {"_target_": "harness.surrogates.encoding.encoded",
                                       "model": {"_target_": "sklearn.neighbors.KNeighborsRegressor"}}})
    rows = tuple(range(len(ds)))
    cell = Cell(keys=(("experiment", "t"),), train=ds.name, train_rows=rows, surrogate=spec, seed=0,
                evals=(Eval(ds.name, rows),), explain=True, explainers=("linear",))
    result = run_cells([cell], {ds.name: ds}, RunOptions(output_dir=tmp_path, cache_dir=tmp_path / "c"))
    assert result.rows["reason"].iloc[0].startswith("not explained by knn+linear")  # ridge's explainer cannot read k-NN
    assert "partial dependence" in result.interpretation(cell).method and result.explain_seconds[result.ids[cell]]["knn"] > 0


def test_explainer_versions_follow_code_and_parameters():
    from harness.explainers import make

    assert make("agnostic").version() == make("agnostic").version()
    assert make("agnostic").version() != make({"name": "agnostic", "max_rows": 50}).version()
    assert make("ebm").version() != make("treeshap").version()
    with pytest.raises(Exception, match="unknown explainer 'nosuch'; known: ebm, gam, treeshap, linear, agnostic"):
        make("nosuch")
