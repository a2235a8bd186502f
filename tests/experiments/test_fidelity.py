"""Fidelity scoring against a known truth, and the fidelity experiment through the real CLI."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from harness.synthetic import generate
from harness.interpretation import pair_detection, score, shape_errors
from harness.interpretation import Interpretation, pair_term
from harness.aggregate import aggregate
from harness.explainers import explain
from harness.surrogates.registry import build, load_spec
from cli import harness as _harness
from cli import refusal, run

def harness(cwd, *args, timeout=600):  # in this process; the CLI runs fidelity in test_an_unknown_grid_is_one_line
    return run(cwd, *args, cache=cwd / "cache")

SETTINGS = {
    "n_rows": 300, "seed": 3, "snr": 8.0,
    "effects": {"lr": {"shape": "monotone", "strength": 3.0, "direction": -1}, "embed": {"shape": "u", "strength": 2.0},
                "bpe": {"shape": "step", "strength": 1.5}, "layers": {"shape": "monotone", "strength": 1.0}},
    "interactions": [{"a": "embed", "b": "lr", "strength": 1.5}],
}


@pytest.fixture(scope="module")
def table():
    return generate(SETTINGS)


def _replace(rec: Interpretation, **frames) -> Interpretation:
    return Interpretation(rec.surrogate, rec.dataset, rec.method, frames.get("importances", rec.importances),
                          frames.get("shapes", rec.shapes), rec.interactions)


def test_the_truth_scores_perfectly(table):
    _, truth = table
    s = score(truth, truth)
    assert s["spearman"] == pytest.approx(1) and s["kendall"] == pytest.approx(1) and s["top3_overlap"] == 1
    assert s["shape_nrmse"] == pytest.approx(0, abs=1e-12) and s["shape_r_mean"] == pytest.approx(1)
    assert s["importance_error"] == 0
    assert (s["pair_precision"], s["pair_recall"], s["pair_hits_at_k"], s["n_pairs_true"]) == (1, 1, 1, 1)
    errors = shape_errors(truth, truth)
    assert errors["rmse"].max() == pytest.approx(0, abs=1e-12)
    # features without a true effect have no scale to normalise by
    assert errors.set_index("feature").loc[["hidden", "heads"], "nrmse"].isna().all()


def test_a_shuffled_explanation_scores_worse(table):
    _, truth = table
    imp = truth.importances.copy()
    main = imp["kind"] == "main"
    imp.loc[main, "importance"] = imp.loc[main, "importance"].to_numpy()[::-1]  # lr's importance to bpe, …
    shapes = truth.shapes.copy()
    shapes["contribution"] = shapes.groupby("feature")["contribution"].transform(lambda c: c.to_numpy()[::-1])
    s = score(truth, _replace(truth, importances=imp, shapes=shapes))
    assert s["spearman"] < 0 and s["kendall"] < 0 and s["top3_overlap"] < 1 and s["importance_error"] > 0.5
    assert s["shape_nrmse"] > 1 and s["shape_r_mean"] < 0
    # a constant offset on a shape is no error: shapes are compared centred
    shifted = truth.shapes.assign(contribution=truth.shapes["contribution"] + 5.0)
    assert score(truth, _replace(truth, shapes=shifted))["shape_nrmse"] == pytest.approx(0, abs=1e-12)


def test_a_model_fitted_on_shuffled_scores_finds_nothing(table):
    ds, truth = table

    def fitted(y):
        spec = load_spec("gam")
        est = build(spec, ds.schema, seed=0, n_jobs=1)
        est.fit(ds.X, y)
        return explain(est, ds, spec.explainer, label=spec.name)

    real = score(truth, fitted(ds.y))
    shuffled = score(truth, fitted(pd.Series(np.random.default_rng(0).permutation(ds.y.to_numpy()), name=ds.y.name)))
    assert real["spearman"] > shuffled["spearman"]  # noise still ranks many-level features higher: both are high
    assert real["importance_error"] < 0.3 and shuffled["importance_error"] > 0.7
    assert real["shape_nrmse"] < 0.3 and shuffled["shape_nrmse"] > 0.8 and shuffled["shape_r_mean"] < 0.5
    # the additive GAM has no pair terms: it finds none and precision is undefined
    assert real["pair_recall"] == 0 and np.isnan(real["pair_precision"]) and real["pair_note"] == "the model has no pair terms"


def test_pair_precision_and_recall_on_a_constructed_case(table):
    _, truth = table
    # two true pairs: embed x lr (the generator's) and a second one made up for this test
    imp = truth.importances.copy()
    imp.loc[imp["term"] == pair_term("bpe", "layers"), "importance"] = 0.3
    two = _replace(truth, importances=imp)
    top_main = truth.main_importances().max()
    rec = imp.copy()
    rec.loc[rec["kind"] == "pair", "importance"] = 0.0
    for term, share in ((pair_term("embed", "lr"), 0.5), (pair_term("bpe", "heads"), 0.3), (pair_term("layers", "hidden"), 0.2),
                        (pair_term("bpe", "layers"), 0.05)):
        rec.loc[rec["term"] == term, "importance"] = share * top_main
    p = pair_detection(two, _replace(truth, importances=rec), threshold=0.1)
    # detected: embed x lr (true), bpe x heads, layers x hidden; bpe x layers (true) is below 0.1 x the top main
    assert p["n_pairs_true"] == 2 and p["n_pairs_detected"] == 3
    assert p["pair_precision"] == pytest.approx(1 / 3) and p["pair_recall"] == pytest.approx(1 / 2)
    assert p["pair_hits_at_k"] == pytest.approx(1 / 2)  # top-2 pair terms: embed x lr, bpe x heads
    none = pair_detection(two, _replace(truth, importances=rec), threshold=0.6)
    assert none["n_pairs_detected"] == 0 and np.isnan(none["pair_precision"]) and none["pair_recall"] == 0


# ---------------------------------------------------------------- the experiment through the CLI


@pytest.fixture(scope="module")
def fidelity_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fidelity")
    out = tmp / "runs" / "fid"
    harness(tmp, "+experiment=fidelity", "data=synthetic", "seed=[0,1]", "grid={n_rows:[60,150],snr:[4],sampling:[uniform,gb]}",
            "surrogate=[ebm_fast,ebm_quick,linear]", "method=[]", f"hydra.run.dir={out}")
    return out


def test_scores_per_table_and_surrogate(fidelity_run):
    scores = pd.read_csv(fidelity_run / "scores.csv")
    methods = {"ebm_fast", "ebm_quick", "ebm_quick+ebm_space", "ebm_quick+top_gamma", "linear"}  # ebm_quick's fit read 3 ways
    assert len(scores) == 2 * 2 * 2 * 5 and set(scores.surrogate) == methods
    assert (scores.experiment == "fidelity").all() and set(scores.sampling) == {"uniform", "gb"}
    assert scores.query("surrogate == 'ebm_fast'")["spearman"].mean() > scores.query("surrogate == 'linear'")["spearman"].mean()
    assert scores.query("surrogate == 'linear'")["pair_recall"].eq(0).all()
    by = scores.set_index("surrogate")
    assert by.loc["ebm_quick+top_gamma", "sense"].eq("local").all() and by.loc["ebm_fast", "sense"].eq("global").all()
    # honesty: coverage in the truth's units, settled orderings counted; a local method's against the local truth
    assert scores[["coverage_main", "width_main", "settled_main", "settled_true_main", "sense_spearman"]].notna().all().all()
    assert by.loc["linear", "coverage_total"].isna().all() and by.loc["ebm_fast", "coverage_total"].notna().all()
    assert (scores.settled_true_main <= scores.settled_main).all() and scores.coverage_main.between(0, 1).all()
    rows = pd.read_csv(fidelity_run / "metrics.csv")
    assert (rows.status == "ok").all() and (rows.n_test == 2000).all() and (rows.n_train == rows.n_rows).all()
    assert set(rows.surrogate) == methods  # an extra explainer's rows: the fit's, with its own explain seconds
    seconds = rows.set_index(["dataset", "seed", "surrogate"])["explain_seconds"].unstack()
    assert (seconds["ebm_quick"] != seconds["ebm_quick+top_gamma"]).all()
    imp = pd.read_csv(fidelity_run / "importances.csv")
    assert set(imp.surrogate) == {"truth", "truth_global", "truth_local", *methods}
    assert {"lower", "upper", "sense"} <= set(imp.columns) and set(imp.kind) == {"main", "pair", "total"}
    ebm = imp[imp.surrogate == "ebm_fast"]
    assert ebm[["lower", "upper"]].notna().all().all() and (ebm.lower <= ebm.importance + 1e-12).all()
    honesty = pd.read_csv(fidelity_run / "honesty.csv")
    assert {"uniform", "gb", "all"} == set(honesty.sampling) and honesty.coverage_main.between(0, 1).any()


def test_tables_are_described_and_regenerate(fidelity_run):
    tables = pd.read_csv(fidelity_run / "tables.csv")
    assert len(tables) == 8 and tables.dataset.is_unique
    first = tables.iloc[0]
    ds, _ = generate(json.loads(first["settings"]))
    assert ds.fingerprint == first["fingerprint"] and ds.name == first["dataset"]
    assert first["dataset"] in (fidelity_run / "tables.md").read_text()


def test_summary_and_figures(fidelity_run):
    text = (fidelity_run / "summary.md").read_text()
    assert "## At one setting: n_rows = 150, snr = 4, sampling = uniform" in text
    assert "## ebm_fast: mean over seeds per grid point" in text and "How fidelity is scored" in text
    summary = pd.read_csv(fidelity_run / "summary.csv")
    assert len(summary) == 5 * 2 * 2 and {"spearman_mean", "shape_nrmse_mean", "pair_recall_mean", "r2_mean"} <= set(summary.columns)
    for name in ("fidelity_spearman.png", "fidelity_shape_nrmse.png", "fidelity_pair_recall.png", "shapes_vs_truth.png",
                 "leaderboard.png"):
        assert (fidelity_run / name).stat().st_size > 20_000, name
    # the leaderboard over the 8 tables: ebm_fast paired with every other method per size, Holm-corrected per score
    assert "## Leaderboard: 5 methods on 8 tables" in text and "## ebm_fast against each method" in text
    paired = pd.read_csv(fidelity_run / "paired.csv")
    assert set(paired["surrogate"]) == {"linear", "ebm_quick", "ebm_quick+ebm_space", "ebm_quick+top_gamma"}
    assert set(paired["band"].astype(str)) == {"60", "all"}  # one band: 60-150 rows
    assert (paired["p_holm"] >= paired["p"] - 1e-12).all()
    assert "## Can the intervals be trusted? Per sampling regime and table size" in text and "Holm" in text


def test_report_aggregation_summarises_the_same_way(fidelity_run):
    root = fidelity_run.parent
    aggregate(root)
    for name in ("summary.csv", "summary.md"):
        assert (root / name).read_text() == (fidelity_run / name).read_text(), name


def test_an_unknown_grid_is_one_line(tmp_path):
    proc = _harness(tmp_path, "+experiment=fidelity", "grid=huge", f"hydra.run.dir={tmp_path / 'r'}", check=False, timeout=120)
    assert proc.returncode == 2 and "grid='huge' is unknown: name one of default, full" in proc.stderr


def test_a_real_table_is_refused(tmp_path):
    assert "fidelity needs a synthetic table" in refusal("fidelity", "data=sw-en", output_dir=tmp_path / "r")
