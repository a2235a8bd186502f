"""A run's workers and side processes end when the run is killed with SIGKILL (#27): real runs, real processes.

Before, the two loky workers of an ``n_jobs=2`` run and its two resource trackers (a side process pool's: its
workers, the fork server and its tracker) were still running six minutes after the run was killed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ENDS_WITHIN = 20  # seconds; the watch looks once a second (harness.lifeline.POLL)


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out] + [g for p in out for g in _descendants(int(p))]


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _kill_and_watch(proc: subprocess.Popen, ready) -> tuple[list[int], list[int]]:
    """Wait until ``ready(descendants)``, SIGKILL ``proc``; the descendants it had, and those still running after
    ENDS_WITHIN seconds (killed then, so that no test leaves them behind)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None and not ready(_descendants(proc.pid)):
        time.sleep(0.2)
    children = _descendants(proc.pid)
    assert ready(children), [_command(c) for c in children]
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    deadline = time.monotonic() + ENDS_WITHIN
    while time.monotonic() < deadline and any(_running(c) for c in children):
        time.sleep(0.2)
    left = [c for c in children if _running(c)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return children, left


def _table(path: Path, n: int = 3000) -> None:
    """A table whose ebm_fast cells take seconds each: workers are fitting when the run is killed."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"lr": 10 ** rng.uniform(-4, -1, n), "depth": rng.integers(1, 6, n)})
    df["score"] = -np.log10(df["lr"]) + 0.2 * df["depth"] + rng.normal(0, 0.1, n)
    df.to_csv(path, index=False)


def test_the_workers_of_a_killed_run_end_with_it(tmp_path):
    _table(tmp_path / "runs.csv")
    proc = subprocess.Popen([sys.executable, "-m", "harness", "+experiment=size_sweep", "data=table",
                             f"data.path={tmp_path / 'runs.csv'}", "data.target=score", "seed=[0,1,2,3,4,5]",
                             "sizes=[10,100]", "surrogate=[ebm_fast]", "n_jobs=2", f"cache_dir={tmp_path / 'c'}",
                             f"hydra.run.dir={tmp_path / 'r'}"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    workers = lambda pids: [p for p in pids if "popen_loky" in _command(p)]  # noqa: E731
    children, left = _kill_and_watch(proc, lambda pids: len(workers(pids)) >= 2)
    assert len(children) >= 4  # 2 workers, loky's resource tracker, the fork server and multiprocessing's tracker
    assert left == [], [_command(p) for p in left]


def test_the_side_processes_of_a_killed_run_end_with_it(tmp_path):
    script = ("import time\nfrom harness import side_processes\nside = side_processes.Side(2)\n"
              "futures = [side.submit(time.sleep, 600) for _ in range(2)]\ntime.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    server = lambda pids: [p for p in pids if "forkserver" in _command(p)]  # noqa: E731
    children, left = _kill_and_watch(proc, lambda pids: len(server(pids)) >= 3)  # the server and its 2 workers
    assert left == [], [_command(p) for p in left]


def test_a_job_in_a_pool_worker_ends_with_the_process_that_started_it(tmp_path):
    """A job of ``hydra/launcher=joblib`` runs in a loky worker of the sweep's process; ``app.run`` ties it to that
    process (``lifeline.tie_to_starter``), here in a real loky worker of a script killed with SIGKILL."""
    script = ("import time\nfrom joblib import Parallel, delayed\nfrom harness import lifeline\n"
              "def job():\n    lifeline.tie_to_starter()\n    time.sleep(600)\n"
              "Parallel(n_jobs=2)(delayed(job)() for _ in range(2))\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    workers = lambda pids: [p for p in pids if "popen_loky" in _command(p)]  # noqa: E731
    children, left = _kill_and_watch(proc, lambda pids: len(workers(pids)) >= 2)
    assert left == [], [_command(p) for p in left]


@pytest.mark.slow  # a real multirun on both cores, 10-20 s: pytest -m slow tests/test_lifeline.py
def test_the_jobs_of_a_killed_joblib_sweep_end_with_it(tmp_path):
    _table(tmp_path / "runs.csv")
    proc = subprocess.Popen([sys.executable, "-m", "harness", "-m", "+experiment=size_sweep", "data=table",
                             f"data.path={tmp_path / 'runs.csv'}", "data.target=score", "seed=0,1",
                             "sizes=[10,50,100]", "surrogate=[ebm_fast]", "hydra/launcher=joblib",
                             "hydra.launcher.n_jobs=2", f"cache_dir={tmp_path / 'c'}",
                             f"hydra.sweep.dir={tmp_path / 's'}"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    started = lambda pids: all((tmp_path / "s" / j / "environment.json").exists() for j in "01")  # noqa: E731
    children, left = _kill_and_watch(proc, started)
    assert left == [], [_command(p) for p in left]
