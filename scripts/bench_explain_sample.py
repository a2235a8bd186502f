#!/usr/bin/env python
"""What explaining on a seeded sample of rows costs in accuracy, and saves in time, against explaining on all rows.

    python scripts/bench_explain_sample.py [--rows 100000] [--data synthetic_random] [--samples 2000 5000 10000 20000]
                                           [--seeds 0 1 2] [--surrogates ebm_fast tree xgboost]

Fits each surrogate once on all rows of a synthetic table (``--data``: ``synthetic_random``, the drawn function
of seed 0 with continuous features, or ``synthetic``, the NMT schema), explains it on
every row and on seeded samples (``harness.cells.explained_rows``, the rows the cell engine explains
above ``explain_sample``'s threshold), and prints per sample size: explain seconds, the largest
difference of an importance (main terms and pairs) from the full-row value as a share of the largest
importance, the Spearman correlation of the main-term importances with the full-row ones (rank_agreement),
whether the top 3 main terms are the same, and the mean correlation of the shapes (``agreement``), each
as the worst over the sample seeds.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from harness.cells import explained_rows
from harness.config import compose, to_plain
from harness.synthetic import generate
from harness.explainers import explain
from harness.interpretation import agreement
from harness.surrogates import build, load_spec


def importance_error(sample, full) -> float:
    s, f = (r.importances.set_index("term")["importance"] for r in (sample, full))
    return float((s - f).abs().max() / f.max())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--data", default="synthetic_random", choices=["synthetic_random", "synthetic"])
    ap.add_argument("--samples", type=int, nargs="+", default=[2000, 5000, 10000, 20000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--surrogates", nargs="+", default=["ebm_fast", "tree", "xgboost"])
    args = ap.parse_args(argv)
    ds, _ = generate(to_plain(compose([f"data={args.data}", f"data.n_rows={args.rows}"]).data))
    print(f"table: {ds.name}, {len(ds)} rows, {len(ds.schema.names)} features")
    print(f"{'surrogate':>9} {'rows':>7} {'explain s':>9} {'max |Δimp|/max':>15} {'spearman':>8} {'top-3 same':>10}"
          f" {'shape r':>7}")
    for name in args.surrogates:
        est = build(load_spec(name), ds.schema, seed=1, n_jobs=1)
        X, _ = ds.features("raw")
        est.fit(X, ds.y)
        t0 = time.perf_counter()
        full = explain(est, ds)
        print(f"{name:>9} {len(ds):7d} {time.perf_counter() - t0:9.1f} {'(all rows)':>15}", flush=True)
        for k in args.samples:
            seconds, errors, rows = [], [], []
            for seed in args.seeds:
                shown, _ = explained_rows(ds, k, seed)
                t0 = time.perf_counter()
                record = explain(est, shown)
                seconds.append(time.perf_counter() - t0)
                errors.append(importance_error(record, full))
                rows.append(agreement(record, full))
            worst = min(rows, key=lambda r: r["spearman"])
            top3 = all(r["top3_overlap"] == 1 for r in rows)
            shape = min(r["shape_r_mean"] for r in rows)
            print(f"{name:>9} {k:7d} {np.mean(seconds):9.1f} {max(errors):15.4f} {worst['spearman']:8.3f}"
                  f" {str(top3):>10} {shape:7.3f}", flush=True)
    print(f"(worst over sample seeds {args.seeds}; explain s: mean)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
