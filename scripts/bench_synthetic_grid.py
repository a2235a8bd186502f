#!/usr/bin/env python
"""Time what a leaderboard on drawn synthetic tables pays before any model is fitted.

    python scripts/bench_synthetic_grid.py [--grid default] [--seed 0] [--pools 150 300 600 1200 2000]

Prints: the seconds to generate every table of ``table_grid(seed, grid)`` with
its mean |term| and variance truths (HPO orders computed, not cached), by
sampling; then the seconds of one TPE order on a uniform random pool of
each size (12 features), beside BO and GB on the pools up to 600 rows.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from harness.synthetic import generate, table_grid, truth_of
from harness.hpo import order_pool, sampler


def grid_seconds(seed: int, grid: str) -> None:
    per_sampling: dict[str, list[float]] = defaultdict(list)
    order = sampler(cache=False)
    t_all = time.perf_counter()
    for table in table_grid(seed, grid):
        t0 = time.perf_counter()
        ds, _ = generate(table, order)
        truth_of(ds, sense="fanova")
        per_sampling[table["sampling"]].append(time.perf_counter() - t0)
    total = time.perf_counter() - t_all
    print(f"grid {grid!r} (seed {seed}): {sum(map(len, per_sampling.values()))} tables in {total:.1f} s")
    for sampling, secs in sorted(per_sampling.items()):
        print(f"  {sampling:8s} {len(secs):3d} tables  mean {np.mean(secs):6.2f} s  max {np.max(secs):6.2f} s")


def order_seconds(pools: list[int]) -> None:
    rng = np.random.default_rng(0)
    print("one full order (seconds), 12 uniform features, y = smooth + noise")
    for n in pools:
        X = rng.random((n, 12))
        y = -((X[:, :3] - 0.3) ** 2).sum(axis=1) + 0.1 * rng.normal(size=n)
        row = []
        for method in ("tpe", "bo", "gb"):
            if method != "tpe" and n > 600:
                continue
            t0 = time.perf_counter()
            order_pool(method, X, y, seed=0)
            row.append(f"{method} {time.perf_counter() - t0:6.2f}")
        print(f"  pool {n:5d}: " + "   ".join(row))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", default="default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pools", type=int, nargs="+", default=[150, 300, 600, 1200, 2000])
    args = ap.parse_args()
    grid_seconds(args.seed, args.grid)
    order_seconds(args.pools)


if __name__ == "__main__":
    main()
