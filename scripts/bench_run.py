#!/usr/bin/env python
"""Wall time of a harness run against its fit floor.

    python scripts/bench_run.py +experiment=size_sweep [overrides ...]
    python scripts/bench_run.py --rerun +experiment=reproduce
    python scripts/bench_run.py --n-jobs 1 --warm +experiment=interpret pairs=[sw-en] surrogate=ebm   # the overhead of one fit

Runs the real CLI in a fresh cache (cold), reads every metrics.csv it wrote,
and prints: wall time, the fit floor = sum of the computed cells' recorded
fit + predict (+ explain, where a cell is explained) seconds / cells running
at once (n_jobs), or the longest cell's where that is more, and their ratio.
With --rerun it then runs the same command again on the warm cache and
prints the rerun's wall time as a share of the cold run. With --warm it also
runs the same overrides through ``harness.run_experiment`` in this process
(uncached), twice, and prints the second run's overhead over its own floor:
what the harness itself costs once Python and the libraries are loaded. The
cold overhead minus that is start-up: the interpreter, the imports and Hydra's
composing of the config (twice: once to find the run mode). With --keep DIR the
run dirs and the cache are written below DIR and kept (its numbers can be read).
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

from harness.timing import STAGES_FILE, fit_floor


def run(overrides: list[str], out: Path, cache: Path) -> float:
    env = {**os.environ, "HARNESS_CACHE_DIR": str(cache)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness", *overrides, f"hydra.run.dir={out}", "progress=false"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def parts(out: Path, n_jobs: int) -> None:
    """For a reproduction: each part's wall time beside the floor of the cells it computed itself."""
    record = out / "reproduce.json"
    if not record.exists():
        return
    seconds = json.loads(record.read_text())["seconds"]
    for part, wall in seconds.items():
        if part == "total":
            continue
        fl = fit_floor(out / part, n_jobs)[0]
        print(f"  {part:<14} wall {wall:7.1f} s   floor {fl:7.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rerun", action="store_true", help="also time an unchanged rerun on the warm cache")
    parser.add_argument("--n-jobs", type=int, default=2, help="cells at once (must match the run's n_jobs)")
    parser.add_argument("--keep", type=Path, default=None, help="write the runs and the cache below this folder and keep them")
    parser.add_argument("--warm", action="store_true", help="also time the run in this process, libraries loaded")
    args, overrides = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        tmp = args.keep.resolve() if args.keep else Path(tmp)
        wall = run([*overrides, f"n_jobs={args.n_jobs}"], tmp / "cold", tmp / "cache")
        fl, cells = fit_floor(tmp / "cold", args.n_jobs)
        print(f"run: {' '.join(overrides)}")
        print(f"cells fitted: {cells}, n_jobs: {args.n_jobs}")
        print(f"wall time: {wall:.1f} s")
        print(f"fit floor: {fl:.1f} s  (sum of fit + predict + explain seconds / {args.n_jobs}, at least the longest cell's)")
        print(f"ratio wall / floor: {wall / fl:.3f}; overhead wall − floor: {wall - fl:.1f} s")
        parts(tmp / "cold", args.n_jobs)
        if args.rerun:
            again = run([*overrides, f"n_jobs={args.n_jobs}"], tmp / "warm", tmp / "cache")
            print(f"unchanged rerun: {again:.1f} s = {again / wall:.1%} of the cold run")
        if args.warm:
            warm = in_process(overrides, args.n_jobs, tmp / "in-process")
            print(f"in this process, libraries loaded: overhead {warm:.1f} s; start-up (cold − warm overhead) "
                  f"{wall - fl - warm:.1f} s")
    return 0


def in_process(overrides: list[str], n_jobs: int, out: Path) -> float:
    """The harness's own overhead (wall − floor) of the second of two uncached runs through the Python API."""
    import harness

    name = next(o.split("=", 1)[1] for o in overrides if o.startswith("+experiment="))
    rest = [o for o in overrides if not o.startswith("+experiment=")] + [f"n_jobs={n_jobs}", "cache=false", "progress=false"]
    for attempt in ("first", "second"):
        t0 = time.perf_counter()
        harness.run_experiment(name, rest, output_dir=out / attempt)
        wall = time.perf_counter() - t0
    stages = json.loads((out / "second" / STAGES_FILE).read_text())["stages"]
    print("  stages of the second:", ", ".join(f"{k} {v['seconds']:.2f} s" for k, v in stages.items()))
    return wall - fit_floor(out / "second", n_jobs)[0]


if __name__ == "__main__":
    sys.exit(main())
