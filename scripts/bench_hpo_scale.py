"""Time and peak memory of BO and GB orders on large synthetic pools, exact and bounded-cost, and how alike they are.

    python scripts/bench_hpo_scale.py [--sizes 1000 5000 20000] [--gb-extra 100000] [--exact-sizes 1000 2000]
                                      [--compare-seeds 0 1 2] [--dims 5]

Each order runs in its own process (so the peak resident memory is its own):
wall and CPU seconds (CPU is what to read on a shared machine), peak RSS above
the process's baseline after building the pool, and the growth exponents
log(x₂/x₁)/log(n₂/n₁) of CPU time and memory between consecutive sizes.
Then, at the largest exact size, the approximate order is compared with the
exact one for each comparison seed (Spearman of positions, shared share of
the first 5 %/10 %, the step at which the pool's best is visited, how many of
the best 1 % are in the first 5 %), with a random order as the scale of "unlike".

The pool: uniform features in [0, 1]^dims and a smooth multimodal target with
noise (an HPO-like surface: one broad optimum, ripples, irrelevant features).
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_hpo_orders import agreement  # noqa: E402
from harness.hpo import approximation, order_pool  # noqa: E402
from harness.hpo.random_order import random_order  # noqa: E402


def synthetic_pool(n: int, dims: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, n, dims]))
    X = rng.random((n, dims))
    weights = np.r_[1.0, 0.6, 0.3, np.zeros(dims - 3)] if dims >= 3 else np.ones(dims)
    y = -(((X - 0.3) ** 2) @ weights) + 0.1 * np.sin(6 * X[:, 0]) * np.cos(4 * X[:, 1 % dims])
    return X, y + 0.02 * rng.normal(size=n)


def _usage() -> tuple[float, float]:
    """(CPU seconds, peak resident MB) of this process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def run_one(method: str, n: int, approx: str, seed: int, dims: int, out: str) -> None:
    """Child process: one order; prints its wall and CPU time and peak memory as JSON and saves the order."""
    X, y = synthetic_pool(n, dims, seed)
    cpu0, base = _usage()
    t0 = time.perf_counter()
    order = order_pool(method, X, y, seed=seed, approx=approx)
    wall = time.perf_counter() - t0
    cpu, peak = _usage()
    np.save(out, order)
    print(json.dumps({"wall": wall, "cpu": cpu - cpu0, "peak_mb": peak - base,
                      "note": approximation(method, n, {"approx": approx})}))


def measure(method: str, n: int, approx: str, seed: int, dims: int) -> tuple[dict, np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "order.npy")
        proc = subprocess.run([sys.executable, __file__, "--one", method, str(n), approx, str(seed), str(dims), out],
                              capture_output=True, text=True, check=True)
        return json.loads(proc.stdout.strip().splitlines()[-1]), np.load(out)


def scaling_table(runs: list[tuple[str, str, list[int]]], dims: int) -> None:
    print(f"== one full order, synthetic pool with {dims} features, seed 0 ==")
    print(f"{'method':>6} {'path':>11} {'rows':>7} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} "
          f"{'exp(cpu)':>8} {'exp(MB)':>8}")
    notes = {}
    for method, approx, sizes in runs:
        prev = None
        for n in sizes:
            stats, order = measure(method, n, approx, 0, dims)
            assert np.array_equal(np.sort(order), np.arange(n))
            growth = ("", "")
            if prev is not None:
                ratio = math.log(n / prev[0])
                growth = (f"{math.log(stats['cpu'] / prev[1]) / ratio:8.2f}",
                          f"{math.log(max(stats['peak_mb'], 1) / max(prev[2], 1)) / ratio:8.2f}")
            print(f"{method:>6} {approx:>11} {n:7d} {stats['wall']:8.1f} {stats['cpu']:8.1f} {stats['peak_mb']:8.0f} "
                  f"{growth[0]:>8} {growth[1]:>8}", flush=True)
            prev = (n, stats["cpu"], stats["peak_mb"])
            if stats["note"]:
                notes[method] = stats["note"].split(": ", 1)[1]
    print("  (peak MB: resident memory above the process's own after building the pool; exp: growth exponent"
          " log(x2/x1)/log(n2/n1) from the row above)")
    for method, note in notes.items():
        print(f"  {method} approximate: {note}")


def compare(method: str, n: int, seeds, dims: int) -> None:
    print(f"\n== {method}: approximate vs exact order at {n} rows ==")
    header = None
    for seed in seeds:
        _, y = synthetic_pool(n, dims, seed)
        exact = measure(method, n, "exact", seed, dims)[1]
        rows = {"approximate": measure(method, n, "approximate", seed, dims)[1], "random": random_order(n, seed)}
        for label, order in rows.items():
            stats = agreement(order, exact, y)
            top = set(np.argsort(-y)[: max(1, n // 100)].tolist())
            k5 = math.ceil(0.05 * n)
            stats["top1%@5%"] = (len(top & set(order[:k5].tolist())), len(top & set(exact[:k5].tolist())))
            stats = {key: stats[key] for key in ("spearman", "overlap@5%", "overlap@10%", "best_at", "top1%@5%")}
            if header is None:
                header = list(stats)
                print(f"  {'seed':>4} {'order':>11} " + " ".join(f"{h:>13}" for h in header))
            cells = [f"{v:13.3f}" if isinstance(v, float) else f"{str(v):>13}" for v in stats.values()]
            print(f"  {seed:4d} {label:>11} " + " ".join(cells), flush=True)
    print("  (spearman of visiting positions and overlap@p (shared share of the first p of the pool) against the"
          " exact order;\n   best_at: step at which the pool's best is visited, top1%@5%: how many of the best 1 %"
          " are in the first 5 %, each as (this order, exact))")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", nargs=6, help=argparse.SUPPRESS)
    ap.add_argument("--methods", nargs="+", default=["gb", "bo"], choices=["gb", "bo"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    ap.add_argument("--gb-extra", type=int, nargs="*", default=[100000], help="further sizes for GB only")
    ap.add_argument("--exact-sizes", type=int, nargs="*", default=[1000, 2000])
    ap.add_argument("--compare-seeds", type=int, nargs="*", default=[0, 1, 2])
    ap.add_argument("--dims", type=int, default=5)
    args = ap.parse_args(argv)
    if args.one:
        method, n, approx, seed, dims, out = args.one
        return run_one(method, int(n), approx, int(seed), int(dims), out)
    runs = []
    for method in args.methods:
        if args.exact_sizes:
            runs.append((method, "exact", args.exact_sizes))
        runs.append((method, "approximate", args.sizes + (args.gb_extra if method == "gb" else [])))
    scaling_table(runs, args.dims)
    if args.exact_sizes and args.compare_seeds:
        for method in args.methods:
            compare(method, max(args.exact_sizes), args.compare_seeds, args.dims)


if __name__ == "__main__":
    main()
