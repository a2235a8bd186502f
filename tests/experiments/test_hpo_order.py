"""The hpo_order experiment: orders, shared random cells, regret, claims (in this process; the real CLI runs it in
test_reproduce.py, beside the size sweep)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli import refusal, run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hpo")
    common = ["seed=[0]", "surrogate=[ebm_fast,linear]", f"cache_dir={tmp / 'cache'}"]
    sweep = run(tmp, "+experiment=size_sweep", "sizes=[5,15,100]", *common, f"hydra.run.dir={tmp / 'sweep'}")
    hpo = run(tmp, "+experiment=hpo_order", "sizes=[5,15,100]", *common, f"hydra.run.dir={tmp / 'hpo'}")
    return tmp, sweep, hpo


def test_random_order_cells_are_the_size_sweep_cells(runs):
    tmp, _, hpo = runs
    log = hpo.stderr
    # 3 methods x 3 sizes x 2 surrogates = 18 cells; the 6 random ones come from the size sweep,
    # and at 100 % every order holds the same set, so bo/gb reuse those: 4 fits each for bo and gb
    assert "hpo_order: 18 cells (8 computed, 6 cached)" in log
    sweep = pd.read_csv(tmp / "sweep" / "metrics.csv")
    rows = pd.read_csv(tmp / "hpo" / "metrics.csv")
    rand = rows[rows.order_method == "random"].sort_values(["surrogate", "size_pct"]).reset_index(drop=True)
    sweep = sweep.sort_values(["surrogate", "size_pct"]).reset_index(drop=True)
    assert np.array_equal(rand["mse"].to_numpy(), sweep["mse"].to_numpy())
    full = rows[rows.size_pct == 100].groupby("surrogate")["mse"].nunique()
    assert (full == 1).all()


def test_rows_summary_and_figures(runs):
    tmp, _, _ = runs
    rows = pd.read_csv(tmp / "hpo" / "metrics.csv")
    assert len(rows) == 18 and set(rows.order_method) == {"bo", "gb", "random"} and (rows.status == "ok").all()
    assert set(rows.n_train) == {31, 93, 614}
    text = (tmp / "hpo" / "summary.md").read_text()
    assert "### ebm_fast: test MSE" in text and "The HPO view" in text
    claims = pd.read_csv(tmp / "hpo" / "claims.csv")
    assert list(claims.claim_id) == ["sw-en-b", "sw-en-c"] and claims.verdict.isin(["reproduced", "partly", "not reproduced"]).all()
    for name in ("hpo_order_sw-en.png", "hpo_regret.png"):
        assert (tmp / "hpo" / name).stat().st_size > 10_000


def test_regret_curve_is_the_hpo_view(runs):
    tmp, _, _ = runs
    regret = pd.read_csv(tmp / "hpo" / "hpo_regret.csv")
    for _, g in regret.groupby("order_method"):
        assert list(g.k) == list(range(1, 615))
        assert (np.diff(g.regret.to_numpy()) <= 0).all() and g.regret.iloc[-1] == 0


def test_unknown_method_is_a_one_line_error(tmp_path):
    assert refusal("hpo_order", "methods=[bo,cmaes]", output_dir=tmp_path / "r") == (
        "methods: unknown HPO method(s) cmaes; known: random, bo, gb, tpe")


def test_a_bounded_cost_order_is_recorded_in_the_outputs(tmp_path):
    from harness import run_experiment

    run_experiment("hpo_order", ["seed=[0]", "surrogate=[linear]", "sizes=[5,100]", "methods=[random,gb]",
                                 "+method_params.gb.approx=approximate", f"cache_dir={tmp_path / 'cache'}"],
                   output_dir=tmp_path / "r")
    regret = pd.read_csv(tmp_path / "r" / "hpo_regret.csv", keep_default_na=False)
    used = regret.groupby("order_method")["approximation"].unique()
    assert list(used["random"]) == [""] and len(used["gb"]) == 1 and used["gb"][0].startswith("gb (forced): sparse")
    assert "- order approximated on sw-en: gb (forced): sparse" in (tmp_path / "r" / "summary.md").read_text()
