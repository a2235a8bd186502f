"""The leaderboard of importance methods: each method recovers a planted ranking; intervals, paired tests and verdicts
on constructed scores; the experiment's leaderboard deterministic for a seed through the real CLI."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.analysis import leaderboard as lb
from harness.analysis.fidelity import fit_scores, sense_of
from harness.synthetic import generate, truth_of
from harness.explainers import explain
from harness.aggregate import aggregate
from harness.surrogates.registry import build, load_spec
from cli import run  # in this process: the real CLI runs fidelity in tests/experiments/test_fidelity.py

# ---------------------------------------------------------------- a planted ranking

EASY = {  # three well-separated monotone main effects, three inert features, little noise, uniform rows, no pair
    "n_rows": 240, "seed": 5, "snr": 16.0,
    "effects": {"lr": {"shape": "monotone", "strength": 4.0}, "embed": {"shape": "monotone", "strength": 2.0, "direction": -1},
                "layers": {"shape": "monotone", "strength": 1.0}},
    "interactions": [],
}
METHODS = ["ebm_fast", "fanova", "shap", "mdi", "permutation", "ped_anova", "gam", "tree", "linear"]


@pytest.fixture(scope="module")
def easy():
    ds, truth = generate(EASY)
    return ds, truth


@pytest.mark.parametrize("method", METHODS)
def test_each_method_recovers_a_planted_ranking(easy, method):
    ds, truth = easy
    spec = load_spec(method)
    X, schema = ds.features("raw")
    est = build(spec, schema, seed=0, n_jobs=1)
    est.fit(X, ds.y)
    record = explain(est, ds, spec.explainer, label=method)
    sense, scored_on = sense_of(record.measure, record.sense)
    truth_in = truth if sense == "mean" else truth_of(ds, sense=sense)
    s = fit_scores(truth_in, truth_in, record, 0.1)
    assert s["top3_overlap"] == 1, (method, record.main_importances().sort_values().to_dict())
    ranked = record.main_importances().sort_values(ascending=False).index[:2].tolist()
    assert ranked == ["lr", "embed"], method  # the two strongest, in order
    assert s["spearman"] > 0.7, method
    if scored_on == "ranking":  # MDI, permutation, PED-ANOVA: their sizes are in units of their own
        assert np.isnan(s["importance_error"]) and np.isnan(s["pair_recall"]) and s["pair_note"] == "scored on its ranking only"
    else:
        assert s["importance_error"] < 0.6, method


def test_size_bands_start_at_each_edge():
    assert lb.size_bands([400, 50, 100, 200], [200]) == {50: 50, 100: 50, 200: 200, 400: 200}
    assert lb.size_bands([50, 100, 200, 400, 800], [100, 400]) == {50: 50, 100: 100, 200: 100, 400: 400, 800: 400}
    assert lb.size_bands([60, 150]) == {60: 60, 150: 150} and lb.size_bands([60, 150], [1000]) == {60: 60, 150: 60}
    fits = pd.DataFrame({"n_rows": [50, 100, 400], "band": [50, 50, 400]})
    assert lb.band_labels(fits) == {50: "50–100", 400: "400"}


def test_each_measure_has_its_truth():
    assert sense_of("fraction of variance") == ("fanova", "all")
    assert sense_of("mean |centred term|") == ("mean", "all")
    assert sense_of("share of impurity decrease") == ("mean", "ranking")
    assert sense_of("importance for reaching the top 0.1", "local") == ("local", "ranking")
    assert sense_of("importance for reaching the top 0.1") == ("local", "ranking")  # a record from before senses


# ---------------------------------------------------------------- intervals, paired tests, verdicts on constructed scores


def _fits(n_tables=12, sizes=(50, 400), seed=0):  # one band per size
    """A method ``good`` better than ``bad`` by 0.3 on every table; ``twin`` = good ± noise; seconds grow with size."""
    g = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        for t in range(n_tables):
            base = g.uniform(0.2, 0.6)
            for method, spearman in (("good", base + 0.3), ("twin", base + 0.3 + g.normal(0, 0.02)), ("bad", base)):
                rows.append({"table": f"t{size}-{t}", "dataset": f"t{size}-{t}", "seed": 0, "surrogate": method, "n_rows": size, "band": size,
                             "spearman": spearman, "pair_recall": np.nan if method == "bad" else 1.0,
                             "shape_nrmse": 0.5, "seconds": size / 100})
    return pd.DataFrame(rows)


def test_bootstrap_intervals_are_seeded_and_hold_the_mean():
    fits = _fits()
    a, b, c = lb.bootstrap(fits, seed=3), lb.bootstrap(fits, seed=3), lb.bootstrap(fits, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["lo"].fillna(0), c["lo"].fillna(0))
    ok = a.dropna(subset=["mean"])
    assert ((ok["lo"] <= ok["mean"] + 1e-12) & (ok["mean"] <= ok["hi"] + 1e-12)).all()
    whole = a[(a["band"] == lb.ALL) & (a["measure"] == "spearman")].set_index("surrogate")
    assert whole.loc["good", "lo"] > whole.loc["bad", "hi"] and whole.loc["good", "n_tables"] == 24
    # a method without pair scores has no pair interval, not a zero
    assert a[(a["surrogate"] == "bad") & (a["measure"] == "pair_recall")]["mean"].isna().all()


def test_paired_comparison_win_rate_and_wilcoxon():
    pairs = lb.paired(_fits(), "good").set_index(["band", "surrogate", "measure"])
    r = pairs.loc[(400, "bad", "spearman")]
    assert r["win_rate"] == 1 and r["p"] < 0.001 and r["difference"] == pytest.approx(0.3) and r["n_tables"] == 12
    assert pairs.loc[(lb.ALL, "bad", "spearman"), "n_tables"] == 24
    # lower is better for time: good and bad take equal time, so every table is a tie
    t = pairs.loc[(50, "bad", "seconds")]
    assert t["win_rate"] == 0.5 and t["p"] == 1
    assert ("bad", "pair_recall") not in {(s, m) for _, s, m in pairs.index}  # no pair scores: not compared
    c = lb.compare(pd.Series([0.1, 0.5, 0.2]), pd.Series([0.3, 0.1, 0.4]), "shape_nrmse")  # lower is better
    assert c["win_rate"] == pytest.approx(2 / 3) and c["n"] == 3


def test_verdicts_from_which_size_a_method_is_indistinguishable():
    fits = _fits()
    judgement = lb.judged(fits, lb.bootstrap(fits, seed=0))
    v = lb.verdicts(judgement).set_index(["measure", "surrogate"])
    assert (judgement.query("measure == 'spearman'")["best"].isin(["good", "twin"])).all()
    assert v.loc[("spearman", "bad"), "from_n"] != v.loc[("spearman", "bad"), "from_n"]  # NaN: never
    assert v.loc[("spearman", "twin"), "from_n"] == 50 and v.loc[("spearman", "good"), "from_n"] == 50
    # indistinguishable at the large size only: from n = 400
    shifted = fits.copy()
    small_bad = (shifted["surrogate"] == "bad") & (shifted["n_rows"] == 400)
    shifted.loc[small_bad, "spearman"] += 0.3 + np.random.default_rng(1).normal(0, 0.05, small_bad.sum())
    v2 = lb.verdicts(lb.judged(shifted, lb.bootstrap(shifted, seed=0))).set_index(["measure", "surrogate"])
    assert v2.loc[("spearman", "bad"), "from_n"] == 400


# ---------------------------------------------------------------- the experiment: deterministic for a seed


@pytest.fixture(scope="module")
def board_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("board")
    out = tmp / "runs" / "board"
    run(tmp, "+experiment=fidelity", "n_tables=4", "surrogate=[linear]", "method=[mdi,ped_anova]", "test_rows=300",
        f"hydra.run.dir={out}", cache=tmp / "cache")
    return out


def test_leaderboard_over_drawn_tables(board_run):
    tables = pd.read_csv(board_run / "tables.csv")
    assert len(tables) == 4 and tables["dataset"].is_unique and tables["settings"].str.contains('"drawn"').all()
    board = pd.read_csv(board_run / "leaderboard.csv")
    assert set(board["surrogate"]) == {"mdi", "linear", "ped_anova"} and lb.ALL in set(board["band"].astype(str))
    scores = pd.read_csv(board_run / "scores.csv").set_index("surrogate")
    assert scores.loc["ped_anova", "scored_on"].eq("ranking").all() and scores.loc["linear", "truth_sense"].eq("mean").all()
    text = (board_run / "summary.md").read_text()
    assert "## Leaderboard: 3 methods on 4 tables" in text and "## Verdicts" in text and "linear against each method" in text
    for name in ("leaderboard.png", "leaderboard_by_size.png"):
        assert (board_run / name).stat().st_size > 20_000, name
    assert not (board_run / "fidelity_spearman.png").exists()  # the per-grid-point figures need a factorial grid


def test_leaderboard_is_deterministic_for_a_seed(board_run, tmp_path):
    """The run's leaderboard equals the one summarised again from its tidy tables (what a multirun's aggregation does)."""
    root = tmp_path / "agg"
    (root / "0").mkdir(parents=True)
    for f in board_run.iterdir():
        if f.suffix == ".csv":
            (root / "0" / f.name).symlink_to(f)
    aggregate(root)
    for name in ("leaderboard.csv", "paired.csv", "verdicts.csv", "leaderboard.md"):
        assert (root / name).read_text() == (board_run / name).read_text(), name


def test_holm_corrects_for_the_comparisons_made():
    np.testing.assert_allclose(lb.holm([0.01, 0.04, 0.03, np.nan]), [0.03, 0.06, 0.06, np.nan])
    assert lb.holm([]).size == 0 and lb.holm([0.5, 0.9]).max() == 1.0
    pairs = lb.paired(_fits(), "good")
    for _, g in pairs.groupby("measure"):  # one family per score: its smallest p times the family's size
        assert g["p_holm"].min() == pytest.approx(min(1.0, g["p"].min() * g["p"].notna().sum()))
    # a difference whose raw p passes (6 tables, all one way: p = 1/32) but whose Holm p over the three comparisons with
    # the best does not (3/32) is no verdict, even with intervals apart
    fits = pd.DataFrame([{"table": f"t{t}", "dataset": f"t{t}", "seed": 0, "surrogate": m, "n_rows": 50, "band": 50,
                          "spearman": 0.8 if m == "good" else 0.79} for t in range(6) for m in ("good", "bad1", "bad2", "bad3")])
    judged = lb.judged(fits, lb.bootstrap(fits, seed=0, measures=("spearman",)), measures=("spearman",))
    row = judged.set_index("surrogate").loc["bad1"]
    assert row["p_vs_best"] == pytest.approx(1 / 32) and row["p_vs_best_holm"] == pytest.approx(3 / 32)
    assert not row["overlap"] and row["indistinguishable"]


def test_honesty_per_sampling_and_size():
    fits = _fits(n_tables=8).assign(sampling=lambda f: np.where(f["table"].str[-1].astype(int) % 2 == 0, "uniform", "tpe"))
    fits["coverage_main"] = np.where(fits["sampling"] == "uniform", 1.0, 0.5)
    fits["coverage_total"], fits["width_main"], fits["width_total"] = np.nan, 0.2, np.nan
    fits["settled_main"], fits["settled_true_main"] = 4.0, np.where(fits["surrogate"] == "bad", 2.0, 4.0)
    fits["settled_total"], fits["settled_true_total"], fits["sense_spearman"] = np.nan, np.nan, fits["spearman"]
    h = lb.honesty(fits, seed=0).set_index(["sampling", "band", "surrogate"])
    assert set(h.index.get_level_values("sampling")) == {"uniform", "tpe", lb.ALL}
    assert h.loc[("uniform", 50, "good"), "coverage_main"] == 1 and h.loc[("tpe", 400, "good"), "coverage_main"] == 0.5
    assert h.loc[(lb.ALL, lb.ALL, "good"), "coverage_main"] == pytest.approx(0.75)
    assert h.loc[(lb.ALL, lb.ALL, "bad"), "settled_precision_main"] == 0.5  # pooled: Σ true / Σ settled
    assert h.loc[(lb.ALL, lb.ALL, "good"), "settled_main"] == 4 and np.isnan(h.loc[(lb.ALL, lb.ALL, "good"), "coverage_total"])
    lo, hi = h.loc[(lb.ALL, lb.ALL, "good"), ["coverage_main_lo", "coverage_main_hi"]]
    assert 0.5 <= lo <= 0.75 <= hi <= 1.0
