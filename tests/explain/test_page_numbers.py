"""The page's numbers (``harness.analysis.explain_page``) on hand-made tables: each method's ranks, the agreement
between methods, the orderings the reference settles, the shapes' summary and the ablation's largest gain."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.analysis import explain_page, importance
from harness.interpretation import records_of


def importances_of(surrogate: str, values: dict, bounds: dict | None = None, measure: str = "mean |centred term|",
                   method: str = "") -> pd.DataFrame:
    """One method's tidy importances as a run writes them (main rows; ``bounds`` feature -> (lower, upper))."""
    bounds = bounds or {}
    return pd.DataFrame([{"surrogate": surrogate, "dataset": "runs", "seed": 0, "term": f, "kind": "main",
                          "feature_a": f, "feature_b": None, "importance": v, "lower": bounds.get(f, (np.nan,))[0],
                          "upper": bounds.get(f, (np.nan, np.nan))[1], "measure": measure, "method": method}
                         for f, v in values.items()])


# a ranks a > b > c > d; b ranks b > a > d > c: rank differences 1, 1, 1, 1, so Spearman 1 - 6 * 4 / (4 * 15) = 0.6;
# of the 6 pairs, (a, b) and (c, d) swap, so Kendall (4 - 2) / 6 = 1/3; top 3 {a, b, c} and {b, a, d}: 2 of 3.
A = {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1}
B = {"a": 0.3, "b": 0.5, "c": 0.05, "d": 0.1}
C = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}  # the reverse of a: Spearman -1, top 3 {d, c, b}


def test_two_methods_with_known_ranks_agree_as_spearman_and_kendall_say():
    imp = pd.concat([importances_of("m1", A), importances_of("m2", B), importances_of("m3", C)], ignore_index=True)
    records = records_of(imp, None, by=("surrogate",))
    agree = explain_page.pairwise_agreement(records, ["m1", "m2", "m3"])
    assert list(zip(agree["method_a"], agree["method_b"])) == [("m1", "m2"), ("m1", "m3"), ("m2", "m3")]
    first = agree.iloc[0]
    assert first["spearman"] == pytest.approx(0.6) and first["kendall"] == pytest.approx(1 / 3)
    assert first["top3_overlap"] == pytest.approx(2 / 3)
    assert agree.iloc[1]["spearman"] == pytest.approx(-1.0) and agree.iloc[1]["top3_overlap"] == pytest.approx(2 / 3)


def test_each_methods_ranks_in_the_references_order_and_its_first_choice():
    imp = pd.concat([importances_of("m1", A, measure="fraction of variance"), importances_of("m2", B)],
                    ignore_index=True)
    effects = explain_page.method_effects(imp, ["m1", "m2"])
    assert list(effects.loc[effects["surrogate"] == "m2", "feature"]) == ["b", "a", "d", "c"]
    ranks = explain_page.method_ranks(effects, ["m1", "m2"], ["a", "b", "c", "d", "e"])
    assert list(ranks["m1"][:4]) == [1, 2, 3, 4] and list(ranks["m2"][:4]) == [2, 1, 4, 3]
    assert ranks["m2"].isna().tolist() == [False] * 4 + [True]  # a hyperparameter a method does not have: <NA>
    rows = pd.DataFrame({"surrogate": ["m1", "m2"], "eval_on": "train", "library": ["fanova==2", "sklearn==1"]})
    methods = explain_page.method_table(imp, effects, rows).set_index("surrogate")
    assert methods.at["m1", "first"] == "a" and methods.at["m2", "first"] == "b"
    assert methods.at["m1", "measure"] == "fraction of variance" and methods.at["m2", "library"] == "sklearn==1"


def test_orderings_hold_the_adjacent_steps_and_every_settled_ordering():
    imp = importances_of("ebm", {"a": 0.9, "b": 0.5, "c": 0.45}, {"a": (0.8, 1.0), "b": (0.4, 0.6), "c": (0.3, 0.55)})
    effects = importance.effects(imp, "ebm")
    o = explain_page.orderings(effects, "main")
    assert o[["feature_hi", "feature_lo", "settled", "adjacent"]].values.tolist() == [
        ["a", "b", True, True], ["a", "c", True, False], ["b", "c", False, True]]


def test_the_page_from_hand_made_tables():
    imp = pd.concat([importances_of("ebm", {"a": 0.9, "b": 0.5, "c": 0.45},
                                    {"a": (0.8, 1.0), "b": (0.4, 0.6), "c": (0.3, 0.55)}),
                     importances_of("fanova", {"a": 0.2, "b": 0.7, "c": 0.1})], ignore_index=True)
    shapes = pd.DataFrame({"surrogate": "ebm", "dataset": "runs", "seed": 0, "feature": ["a"] * 3 + ["b"] * 2,
                           "value": [1.0, 2.0, 3.0, 1.0, 2.0], "contribution": [0.1, -0.2, 0.1, 0.05, -0.05],
                           "lower": np.nan, "upper": np.nan, "density": 1.0})
    ablation = pd.DataFrame({"surrogate": "ebm", "step": [0, 1, 2], "hyperparameter": ["", "a", "b"],
                             "predicted": [1.0, 0.7, 0.8], "change": [np.nan, -0.3, 0.1], "reference_kind": "median"})
    best = pd.DataFrame({"rank": [1, 2], "row": [4, 9], "y": [0.5, 0.5], "a": [2.0, 3.0], "b": [1.0, 1.0],
                         "c": [0.0, 1.0]})
    holdout = pd.DataFrame({"surrogate": ["ebm", "fanova"], "poor": [False, True], "folds": [5, 5],
                            "r2": [0.6, 0.1]})
    trust = pd.DataFrame({"surrogate": ["ebm", "fanova"], "verdict": ["within", "below"]})
    facts = {"reference": "ebm", "surrogates": ["ebm", "fanova", "gam"], "target": "y", "maximize": False,
             "conditions": [], "page": {"pairs": 3}, "models": {"ebm": ["ebm"], "fanova": ["fanova"]}}
    rows = pd.DataFrame({"surrogate": ["ebm", "fanova", "gam"], "status": ["ok", "ok", "failed"]})
    page = explain_page.compute(facts, rows, importances=imp, shapes=shapes, ablation=ablation, best=best,
                                holdout=holdout, trust=trust)
    assert page.explained == ["ebm", "fanova"] and page.kind == "main" and page.intervals == {"main": True,
                                                                                           "total": False}
    assert page.settled == 2 and page.ranked == 3 and list(page.steps["settled"]) == [True, False]
    assert page.answers == 2  # ebm ranks a first, fanova b
    assert page.agreement["spearman"].iloc[0] == pytest.approx(0.5)  # ranks (1, 2, 3) against (2, 1, 3)
    assert page.shapes.set_index("feature").at["a", "best_value"] == 2.0  # lower is better: the minimum
    assert page.shapes.set_index("feature").at["a", "swing"] == pytest.approx(0.3)
    assert page.gain["hyperparameter"] == "a" and page.tie  # the first step gains 0.3; both best rows score 0.5
    assert list(page.models["change"]) == [pytest.approx(-0.2)]  # fanova has no path
    assert page.poor == ["fanova"] and page.few_rows == ["fanova"] and page.folds == 5 and page.measured
    assert page.pairs.empty and page.bands is False


def test_without_a_record_of_the_reference_only_the_glance_is_computed():
    facts = {"reference": "ebm", "surrogates": ["ebm"], "target": "y", "maximize": True, "conditions": [],
             "page": {"pairs": 3}}
    page = explain_page.compute(facts, pd.DataFrame({"surrogate": ["ebm"]}), importances=pd.DataFrame())
    assert not page.reference_explained and page.explained == [] and page.path.empty and not page.tie
