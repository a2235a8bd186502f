"""Hydra's launchers for real: each runs a two-seed, two-surrogate grid as separate jobs, and the union of the jobs'
rows equals the single run's, number for number.

* submitit with its local executor (the path a SLURM cluster takes; ``pip install ".[slurm]"``);
* Ray (``pip install ".[ray]"``): a Ray instance started on this machine, as ``ray.init.address=null`` does.
"""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

KEYS = ["surrogate", "seed", "size_pct"]
NUMBERS = ["mse", "src", "mrr", "r2", "regret"]
GRID = ["+experiment=size_sweep", "sizes=[10,50]", "cache=false", "n_jobs=1"]


def sweep_equals_single(tmp_path, launcher: list[str]) -> None:
    """Run the grid once in one process and once as a sweep through ``launcher``; their rows must be equal."""
    single = subprocess.run([sys.executable, "-m", "harness", *GRID, "seed=[0,1]", "surrogate=[linear,tree]",
                             f"hydra.run.dir={tmp_path / 'single'}"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-2000:]
    multi = subprocess.run([sys.executable, "-m", "harness", "-m", *GRID, "seed=0,1", "surrogate=linear,tree", *launcher,
                            f"hydra.sweep.dir={tmp_path / 'multi'}"], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert multi.returncode == 0, multi.stderr[-2000:]
    a = pd.read_csv(tmp_path / "single" / "metrics.csv").sort_values(KEYS).reset_index(drop=True)
    b = pd.read_csv(tmp_path / "multi" / "metrics.csv").sort_values(KEYS).reset_index(drop=True)
    assert len(b) == 8 and len(list((tmp_path / "multi").glob("[0-9]*/metrics.csv"))) == 4  # four jobs
    pd.testing.assert_frame_equal(a[KEYS + NUMBERS], b[KEYS + NUMBERS], check_exact=True)


def test_submitit_local_jobs_equal_the_single_run(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason='needs pip install ".[slurm]"')
    sweep_equals_single(tmp_path, ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"])
    # submitit ran each job as its own process and kept its logs
    assert list((tmp_path / "multi" / ".submitit").glob("*/*_log.out"))


def test_ray_jobs_equal_the_single_run(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher", reason='needs pip install ".[ray]"')
    sweep_equals_single(tmp_path, ["hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2",
                                   "+hydra.launcher.ray.init.include_dashboard=false"])
