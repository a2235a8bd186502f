"""Intervals from replicates, total effects, settled orderings, and records of older versions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.interpretation import IMPORTANCE_COLUMNS, SHAPE_COLUMNS, Interpretation, records_of
from harness.interpretation.intervals import LEVEL, Rule, settled, totals_of, with_intervals
from harness.interpretation.record import GLOBAL, LOCAL

TERMS = pd.DataFrame([("a", "main", "a", None, 3.0), ("b", "main", "b", None, 1.0), ("c", "main", "c", None, 0.9),
                      ("a x b", "pair", "a", "b", 0.5), ("b x c", "pair", "b", "c", 0.25)],
                     columns=["term", "kind", "feature_a", "feature_b", "importance"])


def _replicates(n=400, seed=0):
    g = np.random.default_rng(seed)
    point = TERMS.set_index("term")["importance"]
    return pd.DataFrame({t: v + g.normal(0, 0.1 * (1 + v), n) for t, v in point.items()})


def test_totals_are_main_plus_the_pairs_a_feature_is_in():
    totals = totals_of(TERMS).set_index("feature_a")["importance"]
    assert totals.to_dict() == {"a": 3.5, "b": 1.75, "c": 1.15}
    assert not len(totals_of(TERMS[TERMS.kind == "main"]))  # no pair terms: no totals


def test_rules_give_the_nominal_quantiles():
    reps = _replicates()
    imp = with_intervals(TERMS, reps, Rule("percentile"))
    assert list(imp.columns) == IMPORTANCE_COLUMNS and (imp.kind == "total").sum() == 3
    a = imp.set_index("term").loc["a"]
    lo, hi = np.quantile(reps["a"], [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    assert (a.lower, a.upper) == pytest.approx((lo, hi))
    # a total's interval comes from the replicates summed the same way, not from the bounds added up
    total = imp.set_index("term").loc["b (total)"]
    summed = reps["b"] + reps["a x b"] + reps["b x c"]
    assert (total.lower, total.upper) == pytest.approx(tuple(np.quantile(summed, [0.05, 0.95])))
    # basic: reflected about the estimate; spread: estimate ± t × scale × sd, never below 0 for a non-negative measure
    basic = with_intervals(TERMS, reps + 1.0, Rule("basic")).set_index("term").loc["a"]
    assert basic.lower == pytest.approx(2 * 3.0 - np.quantile(reps["a"] + 1, 0.95))
    spread = with_intervals(TERMS, reps, Rule("spread", scale=50.0)).set_index("term").loc["c"]
    assert spread.lower == 0 and spread.upper > 0.9
    # without replicates: NaN bounds, the totals all the same
    bare = with_intervals(TERMS, None, None)
    assert bare[["lower", "upper"]].isna().all().all() and (bare.kind == "total").sum() == 3


def test_settled_orderings_are_those_whose_intervals_are_apart():
    imp = with_intervals(TERMS, _replicates(), Rule("percentile"))
    claims = settled(imp, "main")
    assert set(zip(claims.feature_hi, claims.feature_lo)) == {("a", "b"), ("a", "c")}  # b and c overlap: not settled
    assert (claims.basis == "intervals apart").all()
    record = Interpretation("m", "t", "", imp, pd.DataFrame())
    assert record.settled().equals(claims) and len(record.settled("total")) >= 2
    with pytest.raises(ValueError, match="main' or 'total"):
        record.settled("pair")


def test_a_record_of_an_older_version_loads_with_nan_bounds_and_its_totals():
    old = {"surrogate": "ebm", "dataset": "t", "method": "EBM terms", "measure": "importance for reaching the top 0.1",
           "importances": TERMS.to_dict(orient="list"), "shapes": {c: [] for c in ("feature", "value", "contribution", "lower",
                                                                                      "upper", "density")},
           "interactions": {c: [] for c in ("feature_a", "feature_b", "value_a", "value_b", "contribution")}, "extras": {}}
    record = Interpretation.from_dict(old)
    assert list(record.importances.columns) == IMPORTANCE_COLUMNS and record.importances[["lower", "upper"]].isna().all().all()
    assert (record.importances.kind == "total").sum() == 3 and record.settled().empty
    assert record.sense == LOCAL  # said by its measure, PED-ANOVA's
    again = Interpretation.from_dict(record.to_dict())
    pd.testing.assert_frame_equal(again.importances, record.importances)
    assert again.sense == LOCAL and again.resamples is None


def test_records_round_trip_with_their_replicates_and_sense():
    reps = _replicates(20)
    record = Interpretation("m", "t", "", with_intervals(TERMS, reps, Rule("basic")), pd.DataFrame(columns=SHAPE_COLUMNS),
                            resamples=reps)
    assert record.sense == GLOBAL
    again = Interpretation.from_dict(record.to_dict())
    pd.testing.assert_frame_equal(again.importances, record.importances)
    pd.testing.assert_frame_equal(again.resamples, reps)
    # the tidy frames carry the bounds, the totals and the sense; records rebuilt from them hold the same
    frame = record.frames(seed=0)["importances"]
    assert {"lower", "upper", "sense"} <= set(frame.columns) and (frame.kind == "total").sum() == 3
    assert frame.set_index("term").loc["a (total)", "active_share"] == 1.0
    (rebuilt,) = records_of(frame, pd.DataFrame(columns=["surrogate", "dataset", "seed", *SHAPE_COLUMNS])).values()
    pd.testing.assert_frame_equal(rebuilt.importances, record.importances)
    # a ranking is of the model's terms: the totals that sum them are not ranked beside them
    assert "total" not in set(record.ranking().kind) and list(record.ranking("total").feature_a) == ["a", "b", "c"]
