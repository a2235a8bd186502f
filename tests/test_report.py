"""Multirun composition, aggregation, and resuming a killed run — all through the real CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from harness.errors import HarnessError
from harness.aggregate import aggregate, main as report_main
from cli import harness as cli
from cli import run

GRID = ["+experiment=size_sweep", "sizes=[2,10,50]"]  # 2 % of sw-en is 13 rows: too few for ebm_fast (min_rows=20)
NUMBERS = ["mse", "src", "mrr", "r2", "regret", "n_train", "n_test"]
KEYS = ["surrogate", "seed", "size_pct"]


def _sorted(df):
    return df.sort_values(KEYS).reset_index(drop=True)


@pytest.fixture(scope="module")
def single_and_multi(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweeps")
    # the single run in this process (the Python API); the multirun through the CLI and Hydra's joblib launcher
    run(tmp, *GRID, "seed=[0]", "surrogate=[ebm_fast,linear]", "cache=false", f"hydra.run.dir={tmp / 'single'}")
    # (the launcher's two jobs use the cores: each fits its cells itself, n_jobs=1, starting no pool of its own)
    cli(tmp, "-m", *GRID, "seed=0", "surrogate=ebm_fast,linear", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
        "n_jobs=1", "cache=false", f"hydra.sweep.dir={tmp / 'multi'}")
    return tmp


def test_multirun_rows_equal_single_process_rows(single_and_multi):
    single = pd.read_csv(single_and_multi / "single" / "metrics.csv")
    multi = pd.read_csv(single_and_multi / "multi" / "metrics.csv")
    assert len(multi) == len(single) == 6
    pd.testing.assert_frame_equal(_sorted(single)[KEYS + NUMBERS + ["status"]], _sorted(multi)[KEYS + NUMBERS + ["status"]],
                                  check_exact=True)
    # each of the 2 jobs ran one surrogate
    jobs = sorted(p for p in (single_and_multi / "multi").iterdir() if p.is_dir() and p.name.isdigit())
    assert len(jobs) == 2
    assert all(len(pd.read_csv(j / "metrics.csv")) == 3 for j in jobs)


def test_sweep_dir_has_summary_and_figure(single_and_multi):
    multi = single_and_multi / "multi"
    summary = pd.read_csv(multi / "summary.csv")
    assert set(summary["surrogate"]) == {"ebm_fast", "linear"}
    assert list(summary.loc[summary.surrogate == "linear", "n_ok"]) == [1, 1, 1]
    assert "| linear |" in (multi / "summary.md").read_text()
    assert (multi / "size_sweep_sw-en.png").stat().st_size > 0


def test_report_by_hand_and_refusing_duplicates(single_and_multi, tmp_path):
    import shutil

    folder = tmp_path / "runs"
    shutil.copytree(single_and_multi / "multi", folder / "sweep")
    assert report_main([str(folder)]) == 0
    assert len(pd.read_csv(folder / "metrics.csv")) == 6
    # the single run beside the sweep holds the same cells again: aggregation must refuse
    shutil.copytree(single_and_multi / "single", folder / "single")
    with pytest.raises(HarnessError, match=r"duplicate cells in size_sweep metrics"):
        aggregate(folder)
    assert report_main([str(tmp_path / "nothing-here")]) == 2


def test_failed_cells_survive_aggregation(single_and_multi):
    rows = pd.read_csv(single_and_multi / "multi" / "metrics.csv")
    failed = rows[rows.status == "failed"]
    assert len(failed) == 1 and set(failed["surrogate"]) == {"ebm_fast"} and set(failed["size_pct"]) == {2}
    assert failed["reason"].str.contains("min_rows=20").all()
    summary = pd.read_csv(single_and_multi / "multi" / "summary.csv")
    assert summary.loc[(summary.surrogate == "ebm_fast") & (summary.size_pct == 2), "n_failed"].item() == 1


@pytest.mark.slow  # ~80 s; the default suite stops a run with SIGTERM in tests/test_faults.py
def test_killed_run_resumes_computing_only_missing_cells(tmp_path):
    """Terminate a real run midway, rerun: the finished cells come from the cache, none is lost or doubled."""
    cache = tmp_path / "cache"
    args = [sys.executable, "-m", "harness", "+experiment=size_sweep", "sizes=[5,20,40,60,80,100]", "seed=[0,1]",
            "surrogate=[ebm_fast]", "n_jobs=1", f"cache_dir={cache}"]
    total = 12
    proc = subprocess.Popen([*args, f"hydra.run.dir={tmp_path / 'killed'}"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    done = lambda: len(list((cache / "cells").rglob("*.json"))) if (cache / "cells").exists() else 0  # noqa: E731
    while done() < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(60)
    finished = done()
    assert 3 <= finished < total, f"the run was not stopped midway ({finished} of {total} cells done)"
    assert not (tmp_path / "killed" / "metrics.csv").exists()

    rerun = cli(tmp_path, *args[3:], f"hydra.run.dir={tmp_path / 'resumed'}")
    assert f"({total - finished} computed, {finished} cached)" in rerun.stderr + rerun.stdout
    rows = pd.read_csv(tmp_path / "resumed" / "metrics.csv")
    assert len(rows) == total and not rows.duplicated(KEYS).any()
    assert rows["cached"].sum() == finished

    cli(tmp_path, *args[3:], "cache=false", f"hydra.run.dir={tmp_path / 'fresh'}")
    fresh_rows = pd.read_csv(tmp_path / "fresh" / "metrics.csv")
    pd.testing.assert_frame_equal(_sorted(rows)[KEYS + NUMBERS], _sorted(fresh_rows)[KEYS + NUMBERS], check_exact=True)


def test_a_sweep_that_repeats_a_value_is_refused_before_any_job(tmp_path):
    proc = cli(tmp_path, "-m", *GRID, "seed=0,1,0", "surrogate=linear", f"hydra.sweep.dir={tmp_path / 'multi'}",
               check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: seed=['0', '1', '0']: 0 appears more than once; give each value once"]
    assert not list((tmp_path / "multi").glob("*/metrics.csv"))


def test_jobs_that_cannot_be_read_are_named_and_the_aggregation_fails(single_and_multi, tmp_path, caplog):
    """A job whose metrics.csv is missing and one cut mid-row (#27): each is named in a warning and in summary.md,
    the cut row is not taken for a failed cell, and the aggregation ends with exit 2 after writing the rest."""
    import logging
    import shutil

    sweep = tmp_path / "sweep"
    shutil.copytree(single_and_multi / "multi", sweep)
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit())
    (jobs[0] / "metrics.csv").unlink()
    whole = pd.read_csv(jobs[1] / "metrics.csv")
    text = (jobs[1] / "metrics.csv").read_text()
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    (jobs[1] / "metrics.csv").write_text(text.rstrip("\n")[: -len(last) // 2])  # a copy that stopped mid-row
    with caplog.at_level(logging.WARNING, logger="harness"):
        assert report_main([str(sweep)]) == 2
    warned = "\n".join(r.message for r in caplog.records if r.levelno == logging.WARNING)
    assert f"{jobs[0]}: a job with no metrics.csv" in warned
    assert f"{jobs[1] / 'metrics.csv'}: its last row is cut" in warned
    rows = pd.read_csv(sweep / "metrics.csv")
    assert len(rows) == len(whole) - 1 and (rows["status"].isin(["ok", "failed"])).all()
    summary = pd.read_csv(sweep / "summary.csv")
    assert summary["n_failed"].sum() == (whole["status"] == "failed").iloc[:-1].sum()  # the cut row is not "failed"
    md = (sweep / "summary.md").read_text()
    assert "## Jobs left out" in md and f"| {jobs[0].name}/ | no metrics.csv" in md
    assert f"| {jobs[1].name}/metrics.csv | its last row is cut" in md
