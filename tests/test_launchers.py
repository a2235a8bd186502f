"""Hydra's submitit launcher for real, with its local executor (the path a SLURM cluster takes)."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

KEYS = ["surrogate", "seed", "size_pct"]
NUMBERS = ["mse", "src", "mrr", "r2", "regret"]


def test_submitit_local_jobs_equal_the_single_run(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason='needs pip install ".[slurm]"')
    grid = ["+experiment=size_sweep", "sizes=[10,50]", "cache=false"]
    single = subprocess.run([sys.executable, "-m", "harness", *grid, "seed=[0,1]", "surrogate=[linear,tree]",
                             f"hydra.run.dir={tmp_path / 'single'}"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-2000:]
    multi = subprocess.run([sys.executable, "-m", "harness", "-m", *grid, "seed=0,1", "surrogate=linear,tree",
                            "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10",
                            f"hydra.sweep.dir={tmp_path / 'multi'}"], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert multi.returncode == 0, multi.stderr[-2000:]
    a = pd.read_csv(tmp_path / "single" / "metrics.csv").sort_values(KEYS).reset_index(drop=True)
    b = pd.read_csv(tmp_path / "multi" / "metrics.csv").sort_values(KEYS).reset_index(drop=True)
    assert len(b) == 8
    pd.testing.assert_frame_equal(a[KEYS + NUMBERS], b[KEYS + NUMBERS], check_exact=True)
    # submitit ran each job as its own process and kept its logs
    assert list((tmp_path / "multi" / ".submitit").glob("*/*_log.out"))
