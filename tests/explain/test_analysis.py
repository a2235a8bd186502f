"""The page's analyses on their own: effects with intervals and totals (issue 25's fields), which orderings are
settled, how the rows cover the space, the rows set against the benchmark, the held-out fit pooled over folds."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.analysis import importance, sampling, trust
from harness.data.readers.table import from_frame


def record_rows(surrogate: str, mains: dict, totals: dict | None = None, measure: str = "mean |centred term|",
                sense: str | None = None) -> pd.DataFrame:
    """A record's tidy importances as a run writes them, with ``lower``/``upper`` and total rows (issue 25)."""
    rows = [{"surrogate": surrogate, "term": f, "kind": "main", "feature_a": f, "feature_b": None, "importance": v,
             "lower": lo, "upper": hi, "measure": measure} for f, (v, lo, hi) in mains.items()]
    rows += [{"surrogate": surrogate, "term": f"{f} (total)", "kind": "total", "feature_a": f, "feature_b": None,
              "importance": v, "lower": lo, "upper": hi, "measure": measure} for f, (v, lo, hi) in (totals or {}).items()]
    frame = pd.DataFrame(rows)
    return frame if sense is None else frame.assign(sense=sense)


def test_effects_read_main_total_and_bounds_most_important_first():
    imp = record_rows("ebm", {"a": (0.2, 0.1, 0.3), "b": (0.5, 0.4, 0.6), "c": (0.1, 0.0, 0.25)},
                      {"a": (0.9, 0.7, 1.1), "b": (0.6, 0.5, 0.7), "c": (0.1, 0.0, 0.25)})
    e = importance.effects(imp, "ebm")
    assert list(e["feature"]) == ["a", "b", "c"]  # by total effect, where the record has totals
    assert e.set_index("feature").at["a", "total_upper"] == 1.1 and importance.has_totals(e)
    assert importance.has_intervals(e) and importance.has_intervals(e, "total")


def test_settled_orderings_are_those_whose_intervals_are_apart():
    imp = record_rows("ebm", {"a": (0.9, 0.8, 1.0), "b": (0.5, 0.4, 0.6), "c": (0.45, 0.3, 0.55)})
    e = importance.effects(imp, "ebm")
    assert set(map(tuple, importance.settled(e).to_numpy())) == {("a", "b"), ("a", "c")}
    steps = importance.adjacent(e)
    assert list(steps["settled"]) == [True, False]  # a > b settled; b vs c not


def test_without_intervals_nothing_is_settled():
    imp = record_rows("fanova", {"a": (0.9, np.nan, np.nan), "b": (0.1, np.nan, np.nan)}, measure="fraction of variance")
    e = importance.effects(imp, "fanova")
    assert not importance.has_intervals(e) and importance.settled(e).empty and not importance.has_totals(e)
    assert importance.sense(imp, "fanova") == importance.GLOBAL


def test_the_sense_is_the_records_else_local_for_the_top_gamma_measure():
    local = record_rows("ped", {"a": (1, np.nan, np.nan)}, measure="importance for reaching the top 0.1")
    assert importance.sense(local, "ped") == importance.LOCAL
    assert importance.sense(record_rows("x", {"a": (1, 0, 2)}, sense="local"), "x") == "local"


def test_uniform_rows_are_not_concentrated_and_an_adaptive_search_is():
    rng = np.random.default_rng(0)
    n = 200
    uniform = pd.DataFrame({"lr": 10 ** rng.uniform(-5, -1, n), "kind": rng.choice(["a", "b", "c"], n)})
    tight = pd.DataFrame({"lr": 10 ** np.clip(rng.normal(-3, 0.2, n), -5, -1), "kind": ["a"] * 180 + ["b", "c"] * 10})
    for frame in (uniform, tight):
        frame["lr"] = frame["lr"].clip(1e-5, 1e-1)
        frame.loc[0, "lr"], frame.loc[1, "lr"] = 1e-5, 1e-1  # both span the whole range
        frame["y"] = rng.random(n)
    loose = sampling.spread(from_frame(uniform, {"target": "y", "types": {"lr": "log"}})).set_index("feature")
    crowded = sampling.spread(from_frame(tight, {"target": "y", "types": {"lr": "log"}})).set_index("feature")
    assert loose.at["lr", "middle80"] == pytest.approx(0.8, abs=0.08) and not loose.at["lr", "concentrated"]
    assert crowded.at["lr", "middle80"] < 0.2 and crowded.at["lr", "concentrated"]
    assert crowded.at["kind", "top_share"] == 0.9 and crowded.at["kind", "concentrated"]
    assert sampling.concentrated(crowded.reset_index()) == ["lr", "kind"]


def test_the_packaged_benchmark_table_is_there_and_whole():
    table = trust.benchmark()
    assert set(table["source"]) == {"stability", "fidelity", "coverage", "settled"}
    assert set(table.loc[table["source"] == "coverage", "table"]) == {"hpo", "spread"}
    assert table.loc[table["source"] == "coverage", "value"].between(0, 1).all()
    assert "ebm_quick+ebm_space" in set(table.loc[table["source"] == "coverage", "method"])  # the page's default
    assert {"ebm", "fanova", "permutation", "ped_anova"} <= set(table.loc[table["source"] == "stability", "method"])
    assert table.loc[table["source"] == "stability", "table"].nunique() == 8


def test_rows_are_set_against_the_sizes_the_benchmark_found_stable():
    table = pd.DataFrame([
        {"source": "stability", "method": "ebm", "table": t, "band": np.nan, "value": v, "lo": np.nan, "hi": np.nan,
         "n_tables": 1, "n_rows": 100, "note": ""} for t, v in (("t1", 30), ("t2", 60), ("t3", np.nan))] + [
        {"source": "stability", "method": "mdi", "table": "t1", "band": np.nan, "value": np.nan, "lo": np.nan,
         "hi": np.nan, "n_tables": 1, "n_rows": 100, "note": ""}] + [
        {"source": "fidelity", "method": "ebm_fast", "table": "", "band": b, "value": s, "lo": s - 0.1, "hi": s + 0.1,
         "n_tables": 6, "n_rows": b, "note": ""} for b, s in ((50, 0.6), (200, 0.7))])
    for rows, verdict, band in ((20, "below", 50), (45, "within", 50), (250, "above", 200)):
        t = trust.against_benchmark(rows, ["ebm_fast", "mdi", "gam"], table).set_index("surrogate")
        assert t.at["ebm_fast", "verdict"] == verdict and t.at["ebm_fast", "method"] == "ebm"
        assert t.at["ebm_fast", "band"] == band and t.at["ebm_fast", "stable_tables"] == 2
        assert t.at["mdi", "verdict"] == "never" and t.at["gam", "verdict"] == "unknown"


def test_intervals_are_read_against_tables_sampled_as_the_run_was():
    def row(source, method, sampled, band, value, n_rows=None):
        return {"source": source, "method": method, "table": sampled, "band": band, "value": value, "lo": value - 0.1,
                "hi": value + 0.1, "n_tables": 6, "n_rows": n_rows or band, "note": ""}

    table = pd.DataFrame([row("coverage", "ebm_quick+ebm_space", "hpo", 50, 0.7), row("coverage", "ebm_quick+ebm_space",
                                                                                      "spread", 50, 0.9),
                          row("coverage", "ebm_quick+ebm_space", "hpo", 200, 0.8),
                          row("settled", "ebm_quick+ebm_space", "hpo", 200, 0.95, n_rows=40)])
    names = {"ebm_quick": "ebm_quick+ebm_space"}
    hpo = trust.against_benchmark(250, ["ebm_quick", "fanova"], table, concentrated=True, methods=names)
    hpo = hpo.set_index("surrogate")
    assert hpo.at["ebm_quick", "sampled"] == "hpo" and hpo.at["ebm_quick", "coverage"] == 0.8
    assert hpo.at["ebm_quick", "settled_true"] == 0.95 and hpo.at["ebm_quick", "settled_orderings"] == 40
    assert np.isnan(hpo.at["fanova", "coverage"])
    spread = trust.against_benchmark(60, ["ebm_quick"], table, concentrated=False, methods=names).iloc[0]
    assert spread["sampled"] == "spread" and spread["coverage"] == 0.9 and np.isnan(spread["settled_true"])


def test_held_out_fit_is_pooled_over_folds_and_shared_by_one_model():
    y = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    metrics = pd.DataFrame([
        {"surrogate": "forest", "eval_on": "holdout", "fold": k, "status": "ok", "reason": "", "mse": mse, "r2": 0.0,
         "src": 0.5, "n_test": 3} for k, mse in ((1, 1.0), (2, 2.0))] + [
        {"surrogate": "forest", "eval_on": "train", "fold": 0, "status": "ok", "reason": "", "mse": 0.1, "r2": 0.95,
         "src": 0.9, "n_test": 6}])
    h = trust.holdout(metrics, {"forest": ["forest", "permutation"], "ebm": ["ebm"]}, y,
                      {"ebm": "not measured: too few rows"}).set_index("surrogate")
    assert h.at["forest", "r2"] == pytest.approx(1 - 1.5 / np.var(y)) and h.at["forest", "n_test"] == 6
    assert h.at["permutation", "r2"] == h.at["forest", "r2"] and h.at["permutation", "model"] == "forest"
    assert np.isnan(h.at["ebm", "r2"]) and h.at["ebm", "reason"] == "not measured: too few rows"
