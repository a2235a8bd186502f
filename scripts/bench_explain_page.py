#!/usr/bin/env python
"""What the explain page's explanation costs, cold: one fresh process per run, on a 250-row, 9-hyperparameter table.

    python scripts/bench_explain_page.py [--runs 3] [--surrogate ebm_quick] [--explainers ebm_space top_gamma]

The table: a drawn synthetic function of 9 hyperparameters (``schema: random``), 250 rows as TPE visits a
750-row pool (the HPO-sampled case the page is for), written once to a CSV. Each run is a fresh Python process that
imports harness, reads the CSV (``harness.api.as_dataset``: types inferred as for any user's table) and fits the
surrogate once, read by each of ``--explainers`` (the page's methods: importance over the declared space with its
intervals, and what it takes to reach the top γ) through the cell engine, without a cache. Printed: the wall time of
each run (process start to exit) and, from inside, the fit and each explanation's seconds. The page's budget is 20 s.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHILD = r"""
import json, sys, time
from pathlib import Path
from harness.api import as_dataset
from harness.cells import Cell, Eval, run_cells
from harness.config import RunOptions
from harness.surrogates.registry import load_spec
path, surrogate, explainers = sys.argv[1], sys.argv[2], tuple(sys.argv[3:])
ds = as_dataset(path, target="score")
spec = load_spec(surrogate)
rows = tuple(range(len(ds)))
cell = Cell(keys=(("experiment", "page"),), train=ds.name, train_rows=rows, surrogate=spec, seed=0,
            evals=(Eval(dataset=ds.name, rows=rows),), explain=True, explainers=explainers)
result = run_cells([cell], {ds.name: ds}, RunOptions(output_dir=Path("."), n_jobs=1, cache=False))
row = result.rows.iloc[0]
print(json.dumps({"fit": float(row["fit_seconds"]), "explain": result.explain_seconds[result.ids[cell]],
                  "settled": {label: len(result.interpretation(cell, label).settled()) for label in cell.explainer_labels()}}))
"""


def table(path: Path) -> None:
    from harness.hpo import sampler
    from harness.synthetic import generate

    ds, _ = generate({"kind": "synthetic", "schema": "random", "random": {"n_features": [9, 9]}, "seed": 2026,
                      "n_rows": 250, "pool_size": 750, "sampling": "tpe", "snr": 4.0}, sampler(cache=False))
    ds.X.assign(score=ds.y.to_numpy()).to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--surrogate", default="ebm_quick")
    parser.add_argument("--explainers", nargs="*", default=["ebm_space", "top_gamma"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.csv"
        table(path)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        for run in range(args.runs):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", CHILD, str(path), args.surrogate, *args.explainers], cwd=tmp,
                                  capture_output=True, text=True, env=env)
            wall = time.perf_counter() - t0
            if proc.returncode:
                sys.exit(proc.stderr[-2000:])
            inner = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"run {run + 1}: wall {wall:.1f} s; fit {inner['fit']:.2f} s; explain "
                  + ", ".join(f"{k} {v:.2f} s" for k, v in inner["explain"].items())
                  + f"; settled orderings {inner['settled']}")


if __name__ == "__main__":
    main()
