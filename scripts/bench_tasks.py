#!/usr/bin/env python
"""Wall time of transfer and interpret across the N tasks of one table (data.task), against their fit floor.

    python scripts/bench_tasks.py                       # 50 synthetic tasks of 60 rows, linear + tree, one seed
    python scripts/bench_tasks.py --tasks 20 --surrogates ebm_fast,linear --seeds 0,1

The table is ``tests/tasks_table.synthetic_csv`` (two families of synthetic
tasks). Each experiment runs through the real CLI in a fresh cache (bench_run);
printed: cells fitted, wall time, fit floor (fit + predict + explain seconds /
n_jobs) and their ratio; wall − floor is the process start, the data, the
unseen-value shares and the summary (matrices, heatmaps, figures).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from bench_run import run  # noqa: E402
from tasks_table import synthetic_csv  # noqa: E402

from harness.timing import fit_floor  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--rows", type=int, default=60, help="rows per task")
    parser.add_argument("--surrogates", default="linear,tree")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harness-bench-tasks-") as tmp:
        tmp = Path(tmp)
        path = synthetic_csv(tmp / "tasks.csv", n_tasks=args.tasks, n_rows=args.rows)
        data = ["data=table", f"data.path={path}", "data.target=score", "data.task=task", f"seed=[{args.seeds}]",
                f"surrogate=[{args.surrogates}]", f"n_jobs={args.n_jobs}"]
        print(f"{args.tasks} tasks x {args.rows} rows; surrogates {args.surrogates}; seeds {args.seeds}")
        for experiment in ("transfer", "interpret"):
            out = tmp / experiment
            wall = run([f"+experiment={experiment}", *data], out, tmp / f"cache-{experiment}")
            floor, cells = fit_floor(out, args.n_jobs)
            print(f"{experiment:<10} cells {cells:5d}   wall {wall:7.1f} s   floor {floor:7.1f} s   "
                  f"wall/floor {wall / floor:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
