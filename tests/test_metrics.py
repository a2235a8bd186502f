"""Per-cell metrics on hand-computed cases, including ties and degenerate splits."""
import math
import warnings

import numpy as np
import pytest

from harness.metrics import mse, r2, reciprocal_rank, regret, score_all, src


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    # Degenerate cells must be handled quietly, not by scipy/numpy warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_perfect_order():
    t, p = [1, 2, 3], [1, 2, 4]
    assert mse(t, p) == pytest.approx(1 / 3)
    assert r2(t, p) == pytest.approx(0.5)  # ss_res 1, ss_tot 2
    assert src(t, p) == pytest.approx(1.0)
    assert reciprocal_rank(t, p) == 1.0
    assert regret(t, p) == 0.0


def test_src_with_tied_predictions_uses_average_ranks():
    # pred ranks 1.5, 1.5, 3, 4 against 1..4: rho = 4.5 / sqrt(5 * 4.5)
    assert src([1, 2, 3, 4], [1, 1, 2, 3]) == pytest.approx(math.sqrt(0.9))


def test_tied_predictions_pick_the_first_row():
    t, p = [3, 5, 4], [9, 9, 1]
    assert reciprocal_rank(t, p) == pytest.approx(1 / 3)  # picks t=3; 5 and 4 are better
    assert regret(t, p) == 2.0


def test_ties_in_truth_share_the_better_rank():
    assert reciprocal_rank([5, 5, 1, 4], [0, 3, 1, 2]) == 1.0  # picks the second 5
    assert regret([5, 5, 1, 4], [0, 3, 1, 2]) == 0.0
    assert reciprocal_rank([5, 5, 4, 1], [0, 0, 3, 2]) == pytest.approx(1 / 3)  # two rows beat 4
    assert regret([5, 5, 4, 1], [0, 0, 3, 2]) == 1.0
    assert reciprocal_rank([2, 5, 2, 1], [4, 1, 3, 0]) == 0.5  # the other 2 is not better


def test_minimize_flips_pick_and_rank():
    t, p = [0.3, 0.1, 0.2], [0.1, 0.3, 0.2]
    assert reciprocal_rank(t, p, maximize=False) == pytest.approx(1 / 3)
    assert regret(t, p, maximize=False) == pytest.approx(0.2)
    # the same predictions read as "higher is better" pick t=0.1 instead
    assert reciprocal_rank(t, p, maximize=True) == pytest.approx(1 / 3)
    assert regret(t, p, maximize=True) == pytest.approx(0.2)
    # ties in predictions: first row, as for maximize
    assert reciprocal_rank([0.5, 0.1, 0.9], [1, 1, 5], maximize=False) == 0.5
    assert regret([0.5, 0.1, 0.9], [1, 1, 5], maximize=False) == pytest.approx(0.4)


def test_constant_predictions():
    scores = score_all([1.0, 3.0, 2.0], [7.0, 7.0, 7.0])
    assert math.isnan(scores["src"])
    assert scores["metric_note"] == "src undefined: constant predictions"
    assert scores["mrr"] == pytest.approx(1 / 3)  # first row picked; 3 and 2 are better
    assert scores["regret"] == 2.0
    assert scores["r2"] == pytest.approx(1 - 77 / 2)  # ss_res 36 + 16 + 25, ss_tot 2


def test_constant_truth():
    scores = score_all([2.0, 2.0, 2.0], [1.0, 3.0, 2.0])
    assert math.isnan(scores["src"]) and math.isnan(scores["r2"])
    assert scores["metric_note"] == "src undefined: constant truth; r2 undefined: constant truth"
    assert scores["mrr"] == 1.0 and scores["regret"] == 0.0
    assert scores["mse"] == pytest.approx(2 / 3)


def test_single_row():
    scores = score_all([4.0], [1.0])
    assert math.isnan(scores["src"]) and math.isnan(scores["r2"])
    assert "fewer than 2 test rows" in scores["metric_note"]
    assert (scores["mse"], scores["mrr"], scores["regret"]) == (9.0, 1.0, 0.0)


def test_score_all_matches_the_single_metrics():
    rng = np.random.default_rng(0)
    t, p = rng.normal(size=20), rng.normal(size=20)
    scores = score_all(t, p, maximize=False)
    assert set(scores) == {"mse", "src", "mrr", "r2", "regret", "metric_note"}
    assert scores["metric_note"] == ""
    assert scores["mse"] == mse(t, p)
    assert scores["src"] == src(t, p)
    assert scores["r2"] == r2(t, p)
    assert scores["mrr"] == reciprocal_rank(t, p, maximize=False)
    assert scores["regret"] == regret(t, p, maximize=False) >= 0


@pytest.mark.parametrize(
    "t, p",
    [
        ([1.0, float("nan")], [1.0, 2.0]),
        ([1.0, 2.0], [float("nan"), 2.0]),
        ([1.0, 2.0], [float("inf"), 2.0]),
        ([1.0, 2.0], [1.0]),
        ([], []),
        ([[1.0, 2.0]], [[1.0, 2.0]]),
    ],
)
def test_bad_inputs_are_rejected(t, p):
    for metric in (mse, r2, src, reciprocal_rank, regret, score_all):
        with pytest.raises(ValueError):
            metric(t, p)
