"""The size sweep, its numbers regression-checked; a too-small subset fails alone. In this process: the real CLI runs
the size sweep in tests/test_faults.py and tests/cells/test_explain_sample.py."""
from __future__ import annotations

import pandas as pd
import pytest

from harness import run_experiment
from harness.errors import HarnessError
from regression import check_numbers
from cli import run

TOL = {"mse": (1e-4, 1e-6), "src": (1e-4, 1e-6), "mrr": (0, 1e-9), "r2": (1e-4, 1e-6), "regret": (1e-4, 1e-6)}


@pytest.fixture(scope="module")
def reduced_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    out = tmp / "run"
    proc = run(
        tmp, "+experiment=size_sweep", "seed=[0,1]", "sizes=[2,5,30,100]",
        "surrogate=[ebm_fast,gam,tree,xgboost,linear]", f"hydra.run.dir={out}", f"cache_dir={tmp / 'cache'}",
    )
    return out, proc


def test_reduced_sweep_numbers(reduced_run):
    out, _ = reduced_run
    rows = pd.read_csv(out / "metrics.csv")
    assert len(rows) == 2 * 4 * 5
    ok = rows[rows.status == "ok"]
    check_numbers(ok, "size_sweep_reduced", ["surrogate", "seed", "size_pct", "n_train"], TOL)
    assert set(rows["n_train"]) == {13, 31, 185, 614}
    assert rows["library"].str.contains("==").all()


def test_too_small_subset_is_a_failed_row_and_the_sweep_goes_on(reduced_run):
    out, _ = reduced_run
    rows = pd.read_csv(out / "metrics.csv")
    failed = rows[rows.status == "failed"]
    # 2 % of 614 = 13 rows: below EBM's 20 and GAM's 10? (GAM needs 10: it fits)
    assert set(failed["surrogate"]) == {"ebm_fast"} and set(failed["n_train"]) == {13}
    assert failed["reason"].str.contains("n_train=13 is below min_rows=20 of surrogate ebm_fast").all()
    assert rows[(rows.n_train == 13) & (rows.surrogate == "tree")]["mse"].notna().all()


def test_summary_table_and_figure(reduced_run):
    out, proc = reduced_run
    text = (out / "summary.md").read_text()
    assert "| **paper EBM** | – | 18.43 ± 3.51 | 6.79 ± 0.54 | 4.59 ± 0.10 |" in text
    assert "paper EBM" in proc.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert {"mse_mean", "mse_std", "src_mean", "mrr_mean", "n_ok", "n_failed"} <= set(summary.columns)
    assert list(summary.drop_duplicates("surrogate")["surrogate"]) == ["ebm_fast", "gam", "tree", "xgboost", "linear"]
    assert (out / "size_sweep_sw-en.png").stat().st_size > 10_000


def test_unknown_surrogate_and_impossible_size_are_one_line_errors(tmp_path):
    # in this process: the CLI prints the same message after "error: " (tests/test_faults.py runs the CLI)
    for args, expected in (
        (["+surrogate.nosuch.library=x", "+surrogate.nosuch.estimator._target_=x"],
         "surrogate 'nosuch': library 'x' is not installed"),
        (["+surrogate.nosuch.library=scikit-learn", "+surrogate.nosuch.estimator._target_=sklearn.nosuch.Model"],
         "surrogate 'nosuch': cannot build sklearn.nosuch.Model"),
        (["sizes=[0]"], "size 0.0% is impossible: sizes are percentages in (0, 100]"),
        (["sizes=[50,50.0]"], "sizes=[50.0, 50.0]: 50.0 appears more than once; give each value once"),
        (["seed=[0,1,0]"], "seed=[0, 1, 0]: 0 appears more than once; give each value once"),
        (["surrogate=nosuch"], "In 'config': Could not find 'surrogate/nosuch' Available options in 'surrogate'"),
    ):
        with pytest.raises(HarnessError) as err:
            run_experiment("size_sweep", args, output_dir=tmp_path / "r")
        assert str(err.value).startswith(expected) and "\n" not in str(err.value), str(err.value)
