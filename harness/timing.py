"""The fit floor: the least wall time a run of cells could take on its cores.

It is the sum of the computed cells' recorded fit + predict (+ explain)
seconds divided by the cells running at once. A run's wall time over its
floor says how much the harness itself costs (scheduling, orders, tables,
summaries, figures). ``scripts/bench_run.py`` and the full reproduction's
report both use it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.results import read_table


def fit_floor(run_dir: Path, n_jobs: int) -> tuple[float, int]:
    """(floor in seconds, cells computed) over every ``metrics.csv`` below ``run_dir``."""
    frames = [read_table(p) for p in sorted(Path(run_dir).rglob("metrics.csv"))]
    if not frames:
        return 0.0, 0
    rows = pd.concat(frames, ignore_index=True)
    # a computed cell appears once per eval (transfer: six test sets) and again wherever another
    # experiment reuses its result; each eval's predict time is a distinct measurement
    computed = rows[~rows["cached"].astype(bool)].drop_duplicates(["cell_id", "predict_seconds"])
    per_cell = computed.groupby("cell_id").agg(
        fit=("fit_seconds", "first"), predict=("predict_seconds", "sum"), explain=("explain_seconds", "first")
    )
    work = per_cell[["fit", "predict", "explain"]].fillna(0).sum(axis=1)
    return float(work.sum()) / max(n_jobs, 1), len(per_cell)
