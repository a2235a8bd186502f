"""Time the HPO orders on the real sw-en training pool (614 rows) and check BO's refit schedule.

    python scripts/bench_hpo_orders.py [--seeds 0 1 2 3 4] [--compare-seeds 0] [--compare-every 1]

Prints, per method and seed, the wall time of one full order (no cache);
then, for the comparison seeds, how far BO's order with the default
refit schedule (and a few alternatives) is from the
order that refits the kernel hyperparameters every ``--compare-every``
steps; then how far GB's rank-one-updated inverse has drifted from a direct
inverse after all updates.
"""
from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau, spearmanr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
_SHARED = REPO.parent / "shared" / "data" / "nmt_hpo"
if "HARNESS_DATA_DIR" not in os.environ and _SHARED.is_dir():
    os.environ["HARNESS_DATA_DIR"] = str(_SHARED)

from harness.data.readers.nmt import load_pair  # noqa: E402
from harness.data.splits import train_test_split  # noqa: E402
from harness.hpo import METHODS, order_pool  # noqa: E402
from harness.hpo._pool import initial_points  # noqa: E402
from harness.hpo.bo import bo_order, refit_sizes, run_bo  # noqa: E402
from harness.hpo.gb_dense import HarmonicGraph, knn_graph  # noqa: E402

N_INIT = 3
_DEFAULTS = inspect.signature(bo_order).parameters
DEFAULT_SCHEDULE = tuple(_DEFAULTS[p].default for p in ("refit_growth", "refit_every_step_until", "refit_until"))
# (growth, every step until this fraction of the pool, no refit after this fraction); None: one fit at n_init
SCHEDULES = (
    DEFAULT_SCHEDULE,
    (1.25, 0.1, 1.0),
    (1.25, 0.2, 0.5),
    (1.1, 0.1, 0.5),
    (1.25, 0.0, 1.0),
    (2.0, 0.0, 1.0),
    None,
)
PREFIXES = (0.05, 0.10, 0.20, 0.30)


def train_pool(seed: int) -> tuple[np.ndarray, np.ndarray]:
    ds = load_pair("sw-en")
    train = train_test_split(len(ds), seed).train
    return ds.scaled().to_numpy(dtype=float)[train], ds.y.to_numpy(dtype=float)[train]


def agreement(a: np.ndarray, b: np.ndarray, y: np.ndarray) -> dict:
    """How alike two visiting orders are, overall and in the prefixes HPO curves are read from."""
    n = len(a)
    pos_a, pos_b = np.empty(n, int), np.empty(n, int)
    pos_a[a], pos_b[b] = np.arange(n), np.arange(n)
    differs = np.flatnonzero(a != b)
    out = {
        "same_prefix": int(differs[0]) if differs.size else n,
        "spearman": spearmanr(pos_a, pos_b)[0],
        "kendall": kendalltau(pos_a, pos_b)[0],
    }
    for p in PREFIXES:
        k = int(np.ceil(p * n))
        out[f"overlap@{p:.0%}"] = len(set(a[:k]) & set(b[:k])) / k
    best = np.argmax(y)
    out["best_at"] = (int(pos_a[best]), int(pos_b[best]))
    top10, k = set(np.argsort(-y)[:10]), int(np.ceil(0.3 * n))
    out["top10@30%"] = (len(top10 & set(a[:k])), len(top10 & set(b[:k])))
    return out


def time_methods(seeds, methods) -> None:
    print(f"== full order of the 614-row sw-en training pool, n_init={N_INIT} (seconds) ==")
    print(f"{'method':>7} " + " ".join(f"{'seed ' + str(s):>8}" for s in seeds) + f" {'mean':>7} {'max':>7}")
    pools = {s: train_pool(s) for s in seeds}
    for method in methods:
        times = []
        for s in seeds:
            X, y = pools[s]
            t0 = time.perf_counter()
            order = order_pool(method, X, y, seed=s, n_init=N_INIT)
            times.append(time.perf_counter() - t0)
            assert np.array_equal(np.sort(order), np.arange(len(y)))
        print(f"{method:>7} " + " ".join(f"{t:8.2f}" for t in times) + f" {np.mean(times):7.2f} {max(times):7.2f}")


def compare_schedules(seeds, every: int) -> None:
    print(f"\n== BO refit schedule vs refitting every {every} step(s) ==")
    for s in seeds:
        X, y = train_pool(s)
        n = len(y)
        init = initial_points(n, N_INIT, s)
        t0 = time.perf_counter()
        reference = run_bo(X, y, init, range(N_INIT, n, every))
        t_ref = time.perf_counter() - t0
        print(f"seed {s}: reference ({len(range(N_INIT, n, every))} refits) took {t_ref:.1f} s")
        header = None
        for schedule in SCHEDULES:
            sizes = [N_INIT] if schedule is None else refit_sizes(N_INIT, n, *schedule)
            t0 = time.perf_counter()
            order = run_bo(X, y, init, sizes)
            elapsed = time.perf_counter() - t0
            stats = agreement(order, reference, y)
            if header is None:
                header = list(stats)
                print(f"  {'schedule':<41} {'refits':>6} {'time s':>7} " + " ".join(f"{h:>11}" for h in header))
            if schedule is None:
                label = "fit once (at n_init)"
            else:
                growth, dense, until = schedule
                label = (f"each step to {dense:.0%}, " if dense else "") + f"x{growth} to {until:.0%}"
                label += " (default)" if schedule == DEFAULT_SCHEDULE else ""
            cells = [f"{v:11.3f}" if isinstance(v, float) else f"{str(v):>11}" for v in stats.values()]
            print(f"  {label:<41} {len(sizes):6d} {elapsed:7.2f} " + " ".join(cells))
    print("  (same_prefix: steps before the orders first differ; overlap@p: shared share of the first p of"
          " the pool;\n   best_at: step at which the pool's best is visited, top10@30%: how many of the 10 best"
          " are in the first 30%, each as (schedule, reference))")


def gb_inverse_drift(seed: int) -> None:
    """Largest relative error of the Schur-updated Δ_UU⁻¹ against a direct inverse, along a full run."""
    X, y = train_pool(seed)
    W, length_scale = knn_graph(X)
    lap = np.diag(W.sum(axis=1)) - W
    graph = HarmonicGraph(W, initial_points(len(y), N_INIT, seed), y)
    worst, step = 0.0, 0
    while len(graph.unlabelled) > 1:
        graph.label(int(np.argmax(graph.expected_influence())))
        step += 1
        if step % 100 == 0:
            U = graph.unlabelled
            direct = np.linalg.inv(lap[np.ix_(U, U)])
            worst = max(worst, np.abs(graph.G - direct).max() / np.abs(direct).max())
    degree = (W > 0).sum(axis=1)
    print(f"\n== GB graph (seed {seed}): k=10, length scale {length_scale:.3f}, degree {degree.min()}–{degree.max()};"
          f" inverse drift after rank-one updates (every 100 steps): max rel. error {worst:.1e} ==")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--compare-seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--compare-every", type=int, default=1, help="reference refits the kernel every k steps")
    args = ap.parse_args(argv)
    time_methods(args.seeds, args.methods)
    if args.compare_seeds:
        compare_schedules(args.compare_seeds, args.compare_every)
    gb_inverse_drift(args.seeds[0])


if __name__ == "__main__":
    main()
