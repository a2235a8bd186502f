"""Wall time of `harness explain` on a 250-row, 9-hyperparameter run with the default methods (issue 24's speed goals).

    python scripts/bench_explain.py [--rows 250] [--features 9] [--repeat 1]

The run is a table drawn by the harness's synthetic generator (9 hyperparameters, two interacting pairs, sampled by a
TPE-like search, as an HPO run is; harness.synthetic), written as a CSV. Four commands, each in a fresh process, as a
user types them:

* cold: an empty cell cache and output folder — every fit, explanation, figure and the page;
* cached, new folder: the cell cache warm, a new output folder — the tables, summary, figures and page again;
* unchanged rerun: the same command again — the page in its folder is current, nothing is recomputed.

For the cold run the breakdown: the cells stage (fits and explanations, ``stages.json``), each cell's fit and
explanation time in its worker (``metrics.csv``: fit_seconds, explain_seconds), and what the harness adds beyond the cells (the wall time
outside the cells stage: the process start, imports, loading, tables, figures and the page); beside each wall time the
CPU seconds of the command and the workers it waited for. It prints the machine's load average: on a shared machine
the wall times move with it, the CPU seconds much less. Goals: cold <= 20 s, added <= 3 s, rerun <= 2 s.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd


def table(path: Path, rows: int, features: int, seed: int = 3) -> Path:
    from harness.data import load_dataset
    from harness.hpo import sampler

    ds = load_dataset({"kind": "synthetic", "schema": "random", "n_rows": rows, "sampling": "tpe", "seed": seed,
                       "snr": 8, "random": {"n_features": features, "interactions": 2, "conditional": 0}},
                      order=sampler(False))
    frame = ds.X.copy()
    frame["score"] = ds.y.to_numpy()
    frame.to_csv(path, index=False)
    return path


def command(csv: Path, out: Path, cache: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds, CPU seconds (user + system of the command and the processes it waited for: its cell workers;
    not the figures' side processes, which a fork server starts) and the finished command."""
    env = {**os.environ, "HARNESS_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "harness", "explain", str(csv), "--target", "score", "--out", str(out)],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(f"harness explain failed:\n{proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=250)
    p.add_argument("--features", type=int, default=9)
    p.add_argument("--repeat", type=int, default=1, help="cold runs (each with its own empty cache)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-explain-") as tmp:
        tmp = Path(tmp)
        csv = table(tmp / "runs.csv", args.rows, args.features)
        for i in range(args.repeat):
            cache, out = tmp / f"cache{i}", tmp / f"page{i}"
            load = os.getloadavg()[0]
            cold, cold_cpu, _ = command(csv, out, cache)
            stages = json.loads((out / "stages.json").read_text())["stages"]
            cells = stages["cells"]["seconds"]
            metrics = pd.read_csv(out / "metrics.csv")
            cached, cached_cpu, _ = command(csv, tmp / f"again{i}", cache)
            rerun, rerun_cpu, proc = command(csv, out, cache)
            if "nothing recomputed" not in proc.stdout + proc.stderr:
                sys.exit(f"the unchanged rerun recomputed something:\n{(proc.stdout + proc.stderr)[-3000:]}")
            print(f"run {i + 1}: {args.rows} rows x {args.features} hyperparameters, load average {load:.1f} "
                  f"(2 cores)")
            print(f"  cold                 {cold:6.1f} s   (goal <= 20 s); CPU {cold_cpu:.1f} s")
            print(f"    cells (fits)       {cells:6.1f} s")
            print(f"    harness beyond     {cold - cells:6.1f} s   (goal <= 3 s): "
                  + ", ".join(f"{k} {v['seconds']:.2f}" for k, v in stages.items() if k != "cells")
                  + f", process start and imports {cold - sum(v['seconds'] for v in stages.values()):.2f}")
            cpu = metrics.groupby(["surrogate", "eval_on"])[["fit_seconds", "explain_seconds"]].sum()
            for (surrogate, on), r in cpu.iterrows():
                print(f"      {surrogate:12s} {on:8s} fit {r['fit_seconds']:6.2f} s  explain "
                      f"{0 if pd.isna(r['explain_seconds']) else r['explain_seconds']:6.2f} s (wall in its worker, one thread)")
            print(f"  cached, new folder   {cached:6.1f} s; CPU {cached_cpu:.1f} s")
            print(f"  unchanged rerun      {rerun:6.1f} s   (goal <= 2 s); CPU {rerun_cpu:.1f} s")


if __name__ == "__main__":
    main()
