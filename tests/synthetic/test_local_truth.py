"""The truth in both senses: global (mean |term| over the declared space) and local (what it takes to reach the top γ),
main and total, against brute-force estimates on many fresh rows of the same function."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.experiments.fidelity import test_table as scored_rows
from harness.synthetic import generate, sample_rows, truth_of
from harness.synthetic.local import signal
from harness.synthetic.oracle import true_function

DRAWN = [{"kind": "synthetic", "schema": "random", "seed": s, "n_rows": 100, "snr": 4.0} for s in (3, 11)]
CONDITIONAL = {"kind": "synthetic", "schema": "random", "seed": 7, "n_rows": 100, "snr": 4.0,
               "random": {"n_features": [6, 6], "conditional": 0.6}}


def _by_kind(record, kind):
    imp = record.importances
    return imp[imp["kind"] == kind].set_index("feature_a")["importance"]


@pytest.mark.parametrize("settings", [*DRAWN, CONDITIONAL], ids=["drawn3", "drawn11", "conditional"])
def test_global_truth_is_mean_abs_term_over_the_space(settings):
    ds, _ = generate(settings)
    exact = truth_of(ds, sense="global")
    assert exact.sense == "global" and exact.measure == "mean |centred term|"
    many = truth_of(scored_rows(ds, sample_rows(settings, 40000, seed=5)), sense="mean")  # the terms re-centred on the rows
    for kind in ("main", "total"):
        a, b = _by_kind(exact, kind), _by_kind(many, kind).reindex(_by_kind(exact, kind).index)
        assert np.abs(a - b).max() <= 0.02 * a.max(), kind
    # totals: main plus the pairs the feature is in
    pairs = exact.importances[exact.importances["kind"] == "pair"]
    for f, v in _by_kind(exact, "total").items():
        held = pairs[(pairs["feature_a"] == f) | (pairs["feature_b"] == f)]["importance"].sum()
        assert v == pytest.approx(_by_kind(exact, "main")[f] + held)


@pytest.mark.parametrize("settings", [*DRAWN, CONDITIONAL], ids=["drawn3", "drawn11", "conditional"])
def test_local_truth_is_the_top_gamma_share_s_variance(settings):
    """Main: Var(P[top | x_d]) over x_d, estimated here from 200,000 fresh rows (each continuous feature in 32 slices of
    equal mass, each level its own); the truth's own sample is 4,000 configurations."""
    ds, _ = generate(settings)
    local = truth_of(ds, sense="local")
    assert local.sense == "local" and local.measure == "importance for reaching the top 0.1"
    X = sample_rows(settings, 200_000, seed=9)
    y = true_function(settings)(X)
    top = pd.Series(y >= np.quantile(y, 0.9))
    oracle = true_function(settings)
    main = _by_kind(local, "main")
    for f in oracle.schema.names:
        if f in oracle.conditions:
            continue  # its rows: set or not, by its parent (the drawn variable the truth varies is not in the table)
        feature = ds.schema[f]
        key = X[f] if feature.levels else pd.Series(np.minimum((feature.to_unit(X[f].to_numpy()) * 32).astype(int), 31))
        share = top.groupby(key.to_numpy()).mean()
        weight = key.value_counts(normalize=True).reindex(share.index)
        brute = float((weight * (share - 0.1) ** 2).sum())
        assert main[f] == pytest.approx(brute, abs=0.04 * main.max() + 2e-4), f
    totals = _by_kind(local, "total")
    assert (totals >= main - 1e-12).all() and (totals <= 0.09 + 1e-9).all()  # total ≥ main; a variance of a 0/1 of mean .1
    inert = [f for f in oracle.schema.names if oracle.cfg["effects"].get(f, {"shape": "none"})["shape"] == "none"
             and all(f not in (p["a"], p["b"]) for p in oracle.cfg["interactions"])
             and all(f != parent for parent, _ in oracle.conditions.values())]
    assert all(main[f] == 0 and totals[f] == 0 for f in inert)  # a feature f does not read: exactly nothing


def test_the_u_space_signal_is_the_oracle():
    settings = CONDITIONAL
    oracle = true_function(settings)
    X = sample_rows(settings, 500, seed=2)
    u = oracle.units(X)
    U = np.column_stack([np.nan_to_num(u[f], nan=0.5) for f in oracle.schema.names])  # an unset child's drawn value is unread
    np.testing.assert_allclose(signal(oracle, U), oracle(X), atol=1e-12)
