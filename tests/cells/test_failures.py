"""A surrogate that fails is loud: one warning per surrogate, a line in summary.md, an error when every one failed.

The failures are real: scikit-learn's tree given an impossible depth cannot be fitted, and ridge regression
handed to the MDI explainer (which reads trees only) cannot be explained.
"""
from __future__ import annotations

import logging

import pandas as pd
import pytest

from harness import run_experiment
from harness.analysis.summary import surrogate_failures
from harness.cells import Cell, Eval, run_cells
from harness.config import RunOptions
from harness.data.readers.nmt import load_pair
from harness.errors import HarnessError
from harness.aggregate import aggregate
from harness.surrogates import load_spec

BAD_TREE = "surrogate.tree.estimator.model.max_depth=-1"
DEPTH = "The 'max_depth' parameter of DecisionTreeRegressor must be an int"
SWEEP = ["data=en-ja", "seed=[0,1]", "sizes=[50,100]", "n_jobs=1", "threads=1"]


def _sweep(tmp_path, *overrides):
    return run_experiment("size_sweep", [*SWEEP, f"cache_dir={tmp_path / 'cache'}", *overrides],
                          output_dir=tmp_path / "runs" / "job")


def test_a_failed_surrogate_is_warned_of_once_and_named_in_the_summary(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="harness"):
        result = _sweep(tmp_path, "surrogate=[tree,linear]", BAD_TREE)
    rows = result.rows
    assert (rows.query("surrogate == 'linear'").status == "ok").all() and len(rows) == 8
    warned = [r.getMessage() for r in caplog.records if "failed in" in r.getMessage()]
    assert warned == [f"size_sweep: surrogate tree failed in 4 of 4 rows: InvalidParameterError: {DEPTH}"
                      " in the range [1, inf) or None. Got -1 instead."]
    text = (tmp_path / "runs" / "job" / "summary.md").read_text()
    assert text.count("## Failed surrogates") == 1 and f"| tree | 4 of 4 | InvalidParameterError: {DEPTH}" in text
    assert "linear" in text.split("## Failed surrogates")[0]  # the ordinary summary is still there, above
    aggregate(tmp_path / "runs")  # a multirun's summary names it the same way
    assert f"| tree | 4 of 4 | InvalidParameterError: {DEPTH}" in (tmp_path / "runs" / "summary.md").read_text()


def test_every_surrogate_failed_is_an_error_after_the_rows_are_written(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="harness"), \
            pytest.raises(HarnessError, match=rf"^size_sweep: every requested surrogate failed \(tree: "
                                              rf"InvalidParameterError: {DEPTH}.*\); the failed rows and their reasons "
                                              rf"are in .*metrics.csv$"):
        _sweep(tmp_path, "surrogate=[tree]", BAD_TREE)
    rows = pd.read_csv(tmp_path / "runs" / "job" / "metrics.csv")
    assert len(rows) == 4 and (rows.status == "failed").all() and rows.reason.str.contains(DEPTH).all()
    text = (tmp_path / "runs" / "job" / "summary.md").read_text()
    assert "Every requested surrogate failed" in text and "| tree | 4 of 4 |" in text
    assert sum("surrogate tree failed in 4 of 4 rows" in r.getMessage() for r in caplog.records) == 1


def test_a_fit_its_own_explainer_cannot_read_is_a_failure(tmp_path, caplog):
    """Ridge fitted, MDI cannot explain it: the scores stand, but the interpretation the run asked for is missing."""
    with caplog.at_level(logging.WARNING, logger="harness"), pytest.raises(HarnessError, match="linear: not explained: "
                                                                           "TypeError: MDI reads scikit-learn trees"):
        run_experiment("interpret", ["pairs=[en-ja]", "surrogate=[linear]", "surrogate.linear.explainer=mdi",
                                     "n_jobs=1", f"cache_dir={tmp_path / 'cache'}"], output_dir=tmp_path / "run")
    rows = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert (rows.status == "ok").all() and rows.r2.notna().all()  # the fit itself stands in the rows
    failures = surrogate_failures(rows)
    assert list(failures.surrogate) == ["linear"] and failures.reason.str.startswith("not explained: TypeError").all()


def test_an_extra_explainer_that_fails_leaves_the_surrogate_standing(tmp_path):
    """A cell's extra explainers are methods beside the surrogate's own; one of them failing is not the surrogate
    failing (MDI cannot read ridge regression; the linear explainer can)."""
    ds = load_pair("en-ja")
    rows = tuple(range(len(ds)))
    cell = Cell(keys=(("experiment", "t"),), train=ds.name, train_rows=rows, surrogate=load_spec("linear"), seed=0,
                evals=(Eval(ds.name, rows),), explain=True, explainers=("mdi",))
    result = run_cells([cell], {ds.name: ds}, RunOptions(output_dir=tmp_path, cache_dir=tmp_path / "c"))
    assert result.rows["reason"].iloc[0].startswith("not explained by linear+mdi: TypeError")
    assert result.interpretation(cell) is not None and surrogate_failures(result.rows).empty
