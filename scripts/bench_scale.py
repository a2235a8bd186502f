#!/usr/bin/env python
"""How each stage of the one-table experiments grows with the table: wall time, peak memory, growth exponents.

    python scripts/bench_scale.py [--sizes 1000 10000 100000] [--experiments describe size_sweep hpo_order interpret stability]
                                  [--sources synthetic table] [--n-jobs 1] [--keep DIR] [--report-only]

For each source, table size and experiment it runs the real CLI (``scripts/bench_run.py``'s ``run``) in a
fresh cell cache and reads back what the run recorded: ``stages.json`` (``harness.timing``: exclusive wall
seconds and peak resident MB of load, split, orders, cells, summary and figures; ``other`` is the rest;
``startup`` the process's start, imports and config composition, outside the record) and
the cells' own fit + predict and explain seconds from ``metrics.csv`` (``harness.timing.cell_work``).
Sources: ``synthetic`` is the generator (``data=synthetic data.n_rows=N``: the NMT schema, whose features
take a few levels each), ``table`` the same rows written to a CSV and read through ``data=table``, and
``continuous`` the generator's drawn function of seed 0 (``data=synthetic_random``: continuous features, so
every row holds distinct values and shapes have a point per row). Each stage's growth exponent log(t₂/t₁)/log(n₂/n₁) is printed
between consecutive sizes (blank where the smaller time is under 0.05 s: noise, not growth), then a
markdown table for the README. With ``--keep DIR`` the runs stay below DIR and a later call with other
sizes adds to them (runs already there are not repeated); ``--report-only`` prints the table from DIR.

With n_jobs 1 every cell is fitted in the run's own process, so its peak memory is in the record.
Experiment settings are in ``EXPERIMENTS`` (one seed, ebm_fast; the additive surrogates and TreeSHAP).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from bench_run import run  # noqa: E402
from harness.timing import STAGES_FILE, cell_work, fit_floor  # noqa: E402

EXPERIMENTS = {
    "describe": ["+experiment=describe", "pairs=null"],
    "size_sweep": ["+experiment=size_sweep", "seed=0", "sizes=[10,50,100]", "surrogate=[ebm_fast,gam,linear]"],
    "hpo_order": ["+experiment=hpo_order", "seed=0", "sizes=[10,50,100]", "methods=[random,gb]", "surrogate=[ebm_fast]"],
    "interpret": ["+experiment=interpret", "pairs=null", "seed=0", "surrogate=[ebm_fast,tree]"],
    "stability": ["+experiment=stability", "seed=0", "sizes=[10,50,100]", "methods=[random,gb]", "surrogate=[ebm_fast]"],
}
STAGES = ["startup", "load", "split", "orders", "cells", "fits", "explanations", "summary", "figures", "other", "total"]
NOISE = 0.05  # seconds: below this a ratio of times says nothing


def csv_table(n: int, folder: Path) -> list[str]:
    """The synthetic generator's n rows written as a CSV; the overrides that read it through ``data=table``."""
    from harness.config import compose, to_plain
    from harness.synthetic import generate

    path = folder / f"synthetic_{n}.csv"
    ds, _ = generate(to_plain(compose(data_overrides("synthetic", n, folder)).data))
    if not path.exists():
        ds.X.assign(**{ds.target: ds.y}).to_csv(path, index=False)
    return ["data=table", f"data.path={path}", f"data.target={ds.target}", f"data.name=table{n}"]


def data_overrides(source: str, n: int, folder: Path) -> list[str]:
    if source == "table":
        return csv_table(n, folder)
    return [f"data={'synthetic_random' if source == 'continuous' else 'synthetic'}", f"data.n_rows={n}"]


def measure(source: str, experiment: str, n: int, root: Path, n_jobs: int) -> dict:
    """One run's record (cached as record.json below ``root``)."""
    where = root / source / experiment / str(n)
    record_path = where / "record.json"
    if record_path.exists():
        return json.loads(record_path.read_text())
    where.mkdir(parents=True, exist_ok=True)
    overrides = [*EXPERIMENTS[experiment], *data_overrides(source, n, root), f"n_jobs={n_jobs}"]
    wall = run(overrides, where / "run", where / "cache")
    stages = json.loads((where / "run" / STAGES_FILE).read_text())
    work = cell_work(where / "run")
    floor = fit_floor(where / "run", n_jobs)[0]
    record = {"wall": wall, "floor": floor, "overrides": overrides, "load": os.getloadavg()[0],
              "seconds": {name: s["seconds"] for name, s in stages["stages"].items()},
              "peak_mb": {name: s["peak_mb"] for name, s in stages["stages"].items()}}
    record["seconds"].update(fits=float((work["fit"] + work["predict"]).sum()), explanations=float(work["explain"].sum()),
                             other=stages["other_seconds"], total=stages["total_seconds"],
                             startup=wall - stages["total_seconds"])
    record_path.write_text(json.dumps(record, indent=2))
    return record


def exponent(a: float | None, b: float | None, n1: int, n2: int) -> str:
    if a is None or b is None or min(a, b) < NOISE:
        return ""
    return f"{math.log(b / a) / math.log(n2 / n1):.2f}"


def report(records: dict, sizes: list[int]) -> None:
    """Per (source, experiment): each stage's seconds and peak MB per size, and the exponents between sizes."""
    head = " | ".join([*(f"{n // 1000}k s" for n in sizes), *(f"{n // 1000}k MB" for n in sizes),
                       *(f"exp {a // 1000}k→{b // 1000}k" for a, b in zip(sizes, sizes[1:]))])
    print(f"| source | experiment | stage | {head} |")
    print("|" + " --- |" * (3 + 2 * len(sizes) + len(sizes) - 1))
    for (source, experiment), by_size in records.items():
        for stage in STAGES:
            secs = [by_size.get(n, {}).get("seconds", {}).get(stage) for n in sizes]
            if not any(secs):  # a stage this experiment does not have
                continue
            mbs = [by_size.get(n, {}).get("peak_mb", {}).get(stage) for n in sizes]
            cells = [f"{s:.2f}" if s is not None else "" for s in secs] + [f"{m:.0f}" if m else "" for m in mbs]
            cells += [exponent(secs[i], secs[i + 1], sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
            print(f"| {source} | {experiment} | {stage} | " + " | ".join(cells) + " |")
    print("\nwall / fit floor per run (floor: fit + predict + explain seconds / n_jobs), and the 1-min load average:")
    for (source, experiment), by_size in records.items():
        for n, r in sorted(by_size.items()):
            ratio = r["wall"] / r["floor"] if r["floor"] else math.nan
            print(f"  {source:9} {experiment:10} {n:7d} rows: wall {r['wall']:7.1f} s, floor {r['floor']:7.1f} s,"
                  f" ratio {ratio:5.2f}, load {r['load']:.2f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--experiments", nargs="+", default=list(EXPERIMENTS), choices=list(EXPERIMENTS))
    ap.add_argument("--sources", nargs="+", default=["synthetic", "table", "continuous"],
                    choices=["synthetic", "table", "continuous"])
    ap.add_argument("--n-jobs", type=int, default=1, help="cells at once (1: their memory is in the record)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the runs below this folder (and reuse those there)")
    ap.add_argument("--report-only", action="store_true", help="print the table from the runs kept in --keep")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="harness-scale-") as tmp:
        root = args.keep.resolve() if args.keep else Path(tmp)
        records: dict = {}
        for source in args.sources:
            for experiment in args.experiments:
                for n in args.sizes:
                    if args.report_only:
                        path = root / source / experiment / str(n) / "record.json"
                        if not path.exists():
                            continue
                        rec = json.loads(path.read_text())
                    else:
                        rec = measure(source, experiment, n, root, args.n_jobs)
                        print(f"{source} {experiment} {n}: wall {rec['wall']:.1f} s", file=sys.stderr, flush=True)
                    records.setdefault((source, experiment), {})[n] = rec
        report(records, args.sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
