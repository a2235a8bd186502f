"""One run per folder (#27, 7): a second run into a busy folder is refused by name, a killed run's folder is taken
over with a warning, and a run's result lists only the files it wrote — real runs, real processes."""
from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness import run_experiment
from harness.errors import ConfigError
from cli import harness as cli

LOCK = ".harness.lock"


def _runs(path, n=60):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"lr": 10 ** rng.uniform(-4, -1, n), "depth": rng.integers(1, 9, n).astype(float)})
    df["score"] = -np.log10(df["lr"]) + 0.05 * df["depth"] + rng.normal(0, 0.1, n)
    df.to_csv(path, index=False)
    return path


def _size_sweep(tmp_path, run_dir, n_rows, surrogate, seeds="[0]"):
    return ["+experiment=size_sweep", "data=table", f"data.path={_runs(tmp_path / f'runs{n_rows}.csv', n_rows)}",
            "data.target=score", f"seed={seeds}", "sizes=[30,100]", f"surrogate=[{surrogate}]", "n_jobs=1",
            f"cache_dir={tmp_path / surrogate}", f"hydra.run.dir={run_dir}"]


def _start(tmp_path, args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_runs_into_one_folder_at_once_one_is_refused_and_the_other_untouched(tmp_path):
    run_dir = tmp_path / "run"
    procs = {s: _start(tmp_path, _size_sweep(tmp_path, run_dir, 600, s)) for s in ("ebm_fast", "xgboost")}
    ended = {s: (p, *p.communicate(timeout=300)) for s, p in procs.items()}
    codes = {s: p.returncode for s, (p, _, _) in ended.items()}
    assert sorted(codes.values()) == [0, 2], {s: err[-2000:] for s, (_, _, err) in ended.items()}
    (winner,) = [s for s, c in codes.items() if c == 0]
    (loser,) = [s for s, c in codes.items() if c == 2]
    refusal = ended[loser][2].strip().splitlines()
    assert len(refusal) == 1 and refusal[0].startswith(
        f"error: hydra.run.dir={run_dir} is in use by another run (pid {procs[winner].pid} on "), refusal
    assert refusal[0].endswith("); one run per folder: wait for it to end or choose another folder")
    assert set(pd.read_csv(run_dir / "metrics.csv")["surrogate"]) == {winner}
    assert f"| {loser} |" not in (run_dir / "summary.md").read_text()
    overrides = (run_dir / ".hydra" / "overrides.yaml").read_text()  # refused before Hydra wrote its config there
    assert f"surrogate=[{winner}]" in overrides and f"surrogate=[{loser}]" not in overrides
    assert not (run_dir / LOCK).exists()  # released at the end


def test_the_folder_of_a_killed_run_is_taken_over_with_a_warning(tmp_path, caplog):
    run_dir = tmp_path / "run"
    killed = _start(tmp_path, _size_sweep(tmp_path, run_dir, 2000, "ebm_fast", seeds="[0,1,2]"))
    deadline = time.monotonic() + 120
    while not (run_dir / "environment.json").exists() and time.monotonic() < deadline and killed.poll() is None:
        time.sleep(0.1)  # environment.json: written once the run holds its folder
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    assert json.loads((run_dir / LOCK).read_text())["pid"] == killed.pid  # left behind, naming the dead run
    with caplog.at_level(logging.WARNING, logger="harness"):
        result = run_experiment("size_sweep", _size_sweep(tmp_path, run_dir, 60, "linear")[1:-1], output_dir=run_dir)
    assert f"{run_dir} was held by a run that ended without releasing it (pid {killed.pid} on " in caplog.text
    assert set(result.rows["surrogate"]) == {"linear"} and not (run_dir / LOCK).exists()


def test_run_experiment_lists_only_the_files_it_wrote(tmp_path):
    out = tmp_path / "out"
    args = ["data=table", f"data.path={_runs(tmp_path / 'runs.csv')}", "data.target=score", "surrogate=[linear]",
            "seed=[0]", "sizes=[30,100]", "n_jobs=1", "cache=false"]
    first = run_experiment("size_sweep", [*args, "data.name=first"], output_dir=out)
    assert Path("size_sweep_first.png") in first.files
    second = run_experiment("size_sweep", [*args, "data.name=second"], output_dir=out)
    names = {str(f) for f in second.files}
    assert {"size_sweep_second.png", "metrics.csv", "summary.md", "environment.json"} <= names
    assert not [n for n in names if "first" in n]  # left in the folder, but not this run's
    assert (out / "size_sweep_first.png").is_file()


def test_one_process_claims_nest_and_other_threads_are_refused(tmp_path):
    from harness import rundir

    with rundir.claimed(tmp_path, "output_dir"):
        with rundir.claimed(tmp_path, "output_dir"):  # the CLI's callback, then app.run: one run
            pass
        assert (tmp_path / LOCK).exists()
        errors = []

        def other():
            try:
                rundir.claim(tmp_path, "output_dir")
            except ConfigError as exc:
                errors.append(str(exc))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert errors == [f"output_dir={tmp_path.resolve()} is in use by another run in this process; one run per folder"]
    assert not (tmp_path / LOCK).exists()
    other_process = subprocess.run([sys.executable, "-c", "from harness import rundir; import sys; "
                                    f"rundir.claim({str(tmp_path)!r}); print('held')"], capture_output=True, text=True)
    assert other_process.stdout.strip() == "held" and not (tmp_path / LOCK).exists()  # freed at the process's end


def test_a_process_holding_the_folder_refuses_others_until_it_ends(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "from harness import rundir; import sys, time; "
                               f"rundir.claim({str(tmp_path)!r}); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    from harness import rundir

    with pytest.raises(ConfigError, match=rf"output_dir=.* is in use by another run \(pid {holder.pid} on "):
        rundir.claim(tmp_path)
    holder.kill()
    holder.wait()
    rundir.claim(tmp_path)  # its lock died with it
    rundir.release(tmp_path)
