"""Hostile input and faults (issue #16): each gives one line naming what is wrong, or the right result, and loses nothing."""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness import api, run_experiment
from harness.config import flag
from harness.errors import ConfigError, DataError
from harness.experiments.reproduce import _restore, _store
from harness.results import read_table, write_csv

SMALL = ["seed=[0]", "sizes=[30,100]", "surrogate=[linear,tree]", "explain=false"]


def _table(tmp_path, n=60, **extra) -> Path:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"lr": 10 ** rng.uniform(-4, -1, n), "depth": rng.integers(1, 6, n), **extra})
    df["score"] = -np.log10(df["lr"]) + 0.2 * df["depth"] + rng.normal(0, 0.1, n)
    path = tmp_path / "runs.csv"
    df.to_csv(path, index=False)
    return path


def _cli(tmp_path, *args, check_code=None, env=None, user=None):
    cmd = [sys.executable, "-m", "harness", *args]
    if user:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]  # numeric ids: nobody
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    if check_code is not None:
        assert proc.returncode == check_code, proc.stderr[-2000:]
    return proc


# -- 1. duplicate column names -----------------------------------------------------------------------------------


def test_duplicate_column_names_are_refused_by_name(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("lr,score,score\n0.1,1,1\n0.2,2,2\n")
    with pytest.raises(DataError, match=r"column name\(s\) 'score' appear more than once"):
        api.as_dataset(path, target="score")
    frame = pd.DataFrame([[0.1, 1, 1]], columns=["lr", "score", "score"])
    with pytest.raises(DataError, match="'score' appear more than once"):
        api.as_dataset(frame, target="score")


def test_a_dataframe_is_named_as_such_and_one_override_may_be_a_string(tmp_path):
    frame = pd.DataFrame({"lr": [0.1, 0.2], "score": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"^the DataFrame has no target column 'acc'; columns: lr, score$"):
        api.as_dataset(frame, target="acc")
    result = run_experiment("describe", "pairs=[sw-en]", output_dir=tmp_path / "r")  # not ['p', 'a', 'i', ...]
    assert set(pd.read_csv(result.output_dir / "describe.csv")["dataset"]) == {"sw-en"}


# -- 2. yes/no options -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [("no", False), ("false", False), ("False", False), ("off", False),
                                         (False, False), ("yes", True), ("true", True), (True, True)])
def test_yes_no_options_read_both_spellings(text, value):
    assert flag(text, "data.maximize") is value


def test_any_other_text_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError, match=r"data.maximize='maybe' is not a yes/no value"):
        api.as_dataset(_table(tmp_path), target="score", maximize="maybe")
    assert not api.as_dataset(_table(tmp_path), target="score", maximize="no").maximize


def test_cache_no_writes_nothing(tmp_path):
    run_experiment("size_sweep", ["data=table", f"data.path={_table(tmp_path)}", "data.target=score", *SMALL,
                                  "cache=no", f"cache_dir={tmp_path / 'cache'}"], output_dir=tmp_path / "run")
    assert not (tmp_path / "cache").exists()


# -- 3. a cache that cannot be written ---------------------------------------------------------------------------


def test_unwritable_cache_degrades_to_computed_not_cached(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="harness"):
        result = run_experiment("size_sweep", ["data=table", f"data.path={_table(tmp_path)}", "data.target=score",
                                               *SMALL, f"cache_dir={blocker}"], output_dir=tmp_path / "run")
    assert (result.rows["status"] == "ok").all() and (tmp_path / "run" / "metrics.csv").is_file()
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cells are computed, not cached" in warnings[0], warnings  # not one per cell


def test_a_cache_dir_that_is_a_file_costs_one_warning_per_store(tmp_path, caplog):
    """Cells, HPO orders and stored reproduction parts each say once that they are computed, not kept."""
    blocker = tmp_path / "a-file"
    blocker.write_text("where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="harness"):
        run_experiment("reproduce", ["parts=[hpo_order]", "surrogate=[linear]", "seed=[0]", "++sizes=[50]",
                                     "n_jobs=1", f"cache_dir={blocker}"], output_dir=tmp_path / "run")
    assert (tmp_path / "run" / "hpo_order" / "metrics.csv").is_file()
    warnings = sorted(r.message for r in caplog.records if r.levelno == logging.WARNING)
    assert len(warnings) == 3, warnings
    assert warnings[0].startswith(f"HPO order cache {blocker / 'hpo_orders'} cannot be written (Not a directory)")
    assert warnings[1].startswith(f"cell cache {blocker / 'cells'} cannot be read")
    assert warnings[2].startswith(f"reproduce: cannot store {tmp_path / 'run' / 'hpo_order'} for later runs")


def test_a_full_disk_under_the_cache_degrades_with_one_warning(tmp_path, caplog, monkeypatch):
    import errno

    import harness.cells

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(harness.cells, "atomic_write_text", full)
    args = ["data=table", f"data.path={_table(tmp_path)}", "data.target=score", *SMALL, f"cache_dir={tmp_path / 'c'}"]
    with caplog.at_level(logging.WARNING, logger="harness"):
        result = run_experiment("size_sweep", args, output_dir=tmp_path / "run")
    assert (result.rows["status"] == "ok").all() and len(result.rows) == 4
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot be written (No space left on device)" in warnings[0], warnings


# -- 6. stored reproduction parts are verified -------------------------------------------------------------------


def test_a_tampered_stored_part_is_recomputed(tmp_path, caplog):
    out = tmp_path / "part"
    out.mkdir()
    write_csv(pd.DataFrame({"a": [1, 2, 3]}), out / "metrics.csv")
    (out / "summary.md").write_text("# summary\n")
    _store(out, tmp_path / "store")
    assert _restore(tmp_path / "store", tmp_path / "again")
    metrics = tmp_path / "store" / "metrics.csv"
    metrics.write_text(metrics.read_text()[:4])  # truncated
    (tmp_path / "store" / "summary.md").unlink()
    with caplog.at_level(logging.WARNING, logger="harness"):
        assert not _restore(tmp_path / "store", tmp_path / "third")
    assert "does not match its manifest" in caplog.text and "metrics.csv" in caplog.text


# -- 7. cache entries of the wrong shape or edited ---------------------------------------------------------------


def test_corrupt_cache_entries_are_recomputed_with_a_warning(tmp_path, caplog):
    args = ["data=table", f"data.path={_table(tmp_path)}", "data.target=score", *SMALL, f"cache_dir={tmp_path / 'c'}"]
    first = run_experiment("size_sweep", args, output_dir=tmp_path / "r1").rows
    entries = sorted((tmp_path / "c" / "cells").rglob("*.json"))
    assert len(entries) == 4
    edited = json.loads(entries[0].read_text())
    edited["result"] = edited["result"].replace('"mse": ', '"mse": 1', 1)  # a changed number, old checksum
    for path, text in zip(entries, ["null", "[]", json.dumps({"format": 2}), json.dumps(edited)]):
        path.write_text(text)
    with caplog.at_level(logging.WARNING, logger="harness"):
        again = run_experiment("size_sweep", args, output_dir=tmp_path / "r2").rows
    assert caplog.text.count("is corrupt") == 4 and not again["cached"].any()
    pd.testing.assert_series_equal(again["mse"], first["mse"])


# -- 8, 9. one line, not a traceback, and no silent exit 0 -------------------------------------------------------


@pytest.mark.parametrize("override, message", [
    ("seed=-1", "seed=-1: expected a non-negative integer"),
    ("sizes=[abc]", "sizes[0]='abc' is not a number"),
    ("threads=abc", "threads='abc' is not a whole number"),
    ("threads=0", "threads=0 must be at least 1"),
    ("n_jobs=0", "n_jobs=0 runs nothing"),
])
def test_bad_options_are_one_line_errors(tmp_path, override, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        run_experiment("size_sweep", [*SMALL, override, f"cache_dir={tmp_path}"], output_dir=tmp_path / "run")


def test_a_constant_target_is_refused_up_front(tmp_path):
    df = pd.DataFrame({"lr": np.linspace(0.1, 1, 20), "score": 1.0})
    with pytest.raises(DataError, match="column score: every row has the same score"):
        api.as_dataset(df, target="score")


def test_cli_without_an_experiment_lists_them_and_fails(tmp_path):
    proc = _cli(tmp_path, "+experment=size_sweep", f"hydra.run.dir={tmp_path / 'r'}", check_code=2)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: no experiment selected: add +experiment=NAME; experiments: ") and "size_sweep" in last


def test_a_reader_that_has_gone_loses_the_log_lines_not_the_run(tmp_path):
    """``harness ... | head``: stdout's reader is gone before the first line; every log line to it fails."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([sys.executable, "-m", "harness", "+experiment=describe", f"hydra.run.dir={tmp_path / 'r'}"],
                              cwd=tmp_path, stdout=write, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write)
    assert proc.returncode == 0 and "Logging error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert (tmp_path / "r" / "describe.csv").is_file() and "wrote" in (tmp_path / "r" / "harness.log").read_text()


def test_unwritable_run_dir_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = _cli(tmp_path, "+experiment=describe", f"hydra.run.dir={blocker / 'run'}")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == f"error: hydra.run.dir={blocker / 'run'} cannot be created: Not a directory"


def _can_drop_privileges() -> bool:
    """Root, setpriv, and an interpreter and package the unprivileged user can run."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False
    probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                            "import harness.data"], capture_output=True, cwd="/")
    return probe.returncode == 0


@pytest.mark.skipif(not _can_drop_privileges(),
                    reason="needs root, setpriv and an environment the unprivileged user 65534 can run")
def test_unreadable_data_file_is_one_line_for_an_unprivileged_user(data_dir):
    base = Path(tempfile.mkdtemp(prefix="harness-nobody-"))  # pytest's own tmp folders are closed to other users
    try:
        base.chmod(0o777)
        data = base / "data"
        shutil.copytree(data_dir, data)
        data.chmod(0o755)
        for p in data.iterdir():
            p.chmod(0o644)
        (data / "sw-en.evals").chmod(0o600)  # the owner's (root's) only
        proc = _cli(base, "+experiment=describe", "pairs=[sw-en]", f"hydra.run.dir={base / 'r'}",
                    env={"HARNESS_DATA_DIR": str(data), "HARNESS_CACHE_DIR": str(base / "c")}, user=65534)
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert proc.stderr.strip().splitlines()[-1] == f"error: {data / 'sw-en.evals'}: cannot read the file (Permission denied)"
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -- 10, 11. file modes, formula-safe CSV, exact round trips -----------------------------------------------------


def test_result_files_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "t.csv").stat().st_mode) == 0o644


def test_names_that_look_like_formulas_are_written_safely_and_read_back_exactly(tmp_path):
    frame = pd.DataFrame({"=HYPERLINK(x)": ["+cmd", "NA", "None", "-1.5", "'quoted"], "v": [1.0, np.nan, 2, 3, 4]})
    write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text()
    assert text.startswith("'=HYPERLINK(x)") and "\n'+cmd," in text and "\n-1.5," in text
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.csv"), frame, check_dtype=False)


# -- 12. stopping a long run ------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, pytest.param(signal.SIGTERM, marks=pytest.mark.slow)])  # ~17 s each
def test_a_stopped_run_ends_every_worker_with_one_line(tmp_path, signum):
    """SIGTERM, or Ctrl-C's SIGINT, while two workers fit: the workers end, finished cells stay in the cache and the
    user reads one line, no traceback (loky's manager thread once printed a KeyError while its pool was torn down)."""
    path = _table(tmp_path, n=3000)
    proc = subprocess.Popen([sys.executable, "-m", "harness", "+experiment=size_sweep", "data=table", f"data.path={path}",
                             "data.target=score", "seed=[0,1,2]", "sizes=[10,100]", "surrogate=[ebm_fast]",
                             "n_jobs=2", f"cache_dir={tmp_path / 'c'}", f"hydra.run.dir={tmp_path / 'r'}"],
                            cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_workers(proc.pid)) < 2:  # wait until the workers fit
        time.sleep(0.5)
    time.sleep(1)
    workers = _children(proc.pid)
    assert len(_workers(proc.pid)) == 2, "the run started no worker process"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip().splitlines()[-1].startswith("error: interrupted;")
    assert "Traceback" not in err and "Exception in thread" not in err, err[-3000:]
    time.sleep(2)
    assert not [w for w in workers if Path(f"/proc/{w}").exists() and _state(w) != "Z"], "workers left running"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out] + [g for p in out for g in _children(int(p))]


def _workers(pid: int) -> list[int]:
    """The loky workers among a process's descendants."""
    return [c for c in _children(pid) if b"popen_loky" in _cmdline(c)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "gone"


# -- 4, 5, 8, 11. names and levels that break parsers: interpret's summary, figures and tables on them ------------


def test_hostile_names_and_levels_go_through_interpret_exactly(tmp_path):
    """A feature named NA, a mathtext name, a | in a name, a 40-level text column and a categorical level None:
    the run writes its summary and figures, and every name and level reads back exactly as given."""
    rng = np.random.default_rng(1)
    n = 120
    df = pd.DataFrame({"NA": rng.uniform(0, 1, n), "$\\foo$ lr": 10 ** rng.uniform(-4, -1, n),
                       "a|b": rng.choice(["x", "y"], n), "run_id": [f"r{i % 40:02d}" for i in range(n)],
                       "choice": rng.choice(["None", "adam"], n)})
    df["score"] = 2 * df["NA"] - np.log10(df["$\\foo$ lr"]) + (df["choice"] == "None") + rng.normal(0, 0.1, n)
    df.to_csv(tmp_path / "runs.csv", index=False)
    out = tmp_path / "run"
    run_experiment("interpret", ["data=table", f"data.path={tmp_path / 'runs.csv'}", "data.target=score",
                                 "surrogate=[linear,tree]", "seed=[0]", "n_jobs=1"], output_dir=out)
    names = {"NA", "$\\foo$ lr", "a|b", "run_id", "choice"}
    imp = read_table(out / "importances.csv")
    assert set(imp.loc[imp["kind"] == "main", "feature_a"]) == names
    shapes = read_table(out / "shapes.csv")
    assert set(shapes.loc[shapes["feature"] == "choice", "value"].astype(str)) == {"None", "adam"}
    assert shapes.loc[shapes["feature"] == "run_id", "value"].nunique() == 40  # more than 12 levels, drawn
    text = (out / "summary.md").read_text()
    assert "a\\|b" in text and "| a|b |" not in text  # the | is escaped, the table keeps its columns
    assert len(list(out.glob("*.png"))) >= 2
