"""How two explanations agree: rank correlations, top-k overlap, shape correlations — on records or bare tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.interpretation import Interpretation, agreement, rank_agreement, shape_correlations, top_k_overlap


def test_agreement_measures():
    def rec(importance: dict, shapes: dict) -> Interpretation:
        imp = pd.DataFrame([(f, "main", f, None, v) for f, v in importance.items()],
                           columns=["term", "kind", "feature_a", "feature_b", "importance"])
        sh = pd.DataFrame([(f, v, c, np.nan, np.nan, 1) for f, s in shapes.items() for v, c in s.items()],
                          columns=["feature", "value", "contribution", "lower", "upper", "density"])
        return Interpretation("s", "d", "m", imp, sh)

    a = rec({"p": 3, "q": 2, "r": 1, "s": 0}, {"p": {1: 0, 2: 1, 3: 2}, "q": {1: 0, 2: 1}, "r": {1: 1, 2: 1, 3: 1}})
    b = rec({"p": 0, "q": 1, "r": 2, "s": 3}, {"p": {1.0: 2, 2.0: 1, 3.0: 0, 4.0: 9}, "q": {1: 0, 2: 1}, "r": {1: 0, 2: 1, 3: 2}})
    assert rank_agreement(a, a)["spearman"] == 1 and rank_agreement(a, b)["spearman"] == -1
    assert rank_agreement(a, b)["kendall"] == -1
    assert top_k_overlap(a, b, k=3) == pytest.approx(2 / 3) and top_k_overlap(a, a) == 1
    sc = shape_correlations(a, b).set_index("feature")
    assert sc.at["p", "pearson"] == pytest.approx(-1) and sc.at["p", "n_shared"] == 3  # 1 and 1.0 are one value
    assert np.isnan(sc.at["q", "pearson"]) and "2 shared values" in sc.at["q", "reason"]
    assert np.isnan(sc.at["r", "pearson"]) and "constant" in sc.at["r", "reason"]
    row = agreement(a, b)
    assert row["shape_r_mean"] == pytest.approx(-1) and row["shape_r_features"] == 1
    flat = rec({"p": 1, "q": 1, "r": 1}, {})
    assert "all equal" in rank_agreement(flat, a)["reason"]
    assert rank_agreement(a.main_importances(), b.main_importances())["spearman"] == -1  # bare tables work too
