"""HPO sampling orders (paper §5.3, Figure 6): do surrogates hold up on what an HPO method sampled?

Each method visits the training pool in its own order; the surrogates are
trained on the first p % of that order. The random order is the size sweep's
nested subsets, so those cells are shared with ``size_sweep`` through the
cell cache. Beside the surrogates' test error, the HPO view — the best score
found after k evaluations — says which method found good configurations.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from harness.render import figures as plots
from harness.cells import run_cells
from harness.paper.claims import Claim, verdict, write_claims
from harness.config import as_list, flag, seeds_of, to_plain
from harness.data.nmt import PAIRS
from harness.errors import ConfigError
from harness.analysis.summary import mean_std
from harness.experiments.base import Experiment
from harness.experiments.common import datasets_of, prefix_cells, sizes_of, specs_of, split_of
from harness.hpo import METHODS
from harness.results import atomic_write_text, refuse_duplicates, write_csv

log = logging.getLogger("harness")

KEYS = ["experiment", "dataset", "surrogate", "seed", "order_method", "size_pct"]
TABLES = ("metrics", "hpo_regret")


def methods_of(cfg) -> list[str]:
    methods = [str(m) for m in as_list(cfg.get("methods"))]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ConfigError(f"methods: unknown HPO method(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(METHODS)}")
    return methods


def orders_of(cfg, pools: list[tuple], opts) -> list[dict[str, np.ndarray]]:
    """Each method's visiting order of each (dataset, split, seed)'s training pool, computed over the cores.

    Orders are cached on disk by content; BO on a 600-row pool takes seconds, so they run in parallel like cells.
    """
    from joblib import Parallel, delayed

    from harness.hpo import order_cache, order_pool

    params = to_plain(cfg.get("method_params")) or {}
    cache_dir = order_cache(opts.cache, opts.cache_dir)
    methods = methods_of(cfg)
    tasks = []
    for ds, split, seed in pools:
        pool = ds.take(split.train)
        X, y = pool.scaled().to_numpy(), pool.y.to_numpy()
        tasks += [delayed(order_pool)(m, X, y, seed, n_init=int(cfg.get("n_init", 3)), maximize=ds.maximize,
                                      cache_dir=cache_dir, **params.get(m, {})) for m in methods]
    with Parallel(n_jobs=min(opts.n_jobs, len(tasks)) or 1) as par:
        orders = iter(par(tasks))
    return [{m: next(orders) for m in methods} for _ in pools]


def cells_of(cfg, opts, explain: bool = False):
    datasets = datasets_of(cfg, opts)
    specs, sizes = specs_of(cfg), sizes_of(cfg)
    pools = [(ds, split_of(cfg, ds, seed), seed) for ds in datasets.values() for seed in seeds_of(cfg)]
    cells, regret = [], []
    for (ds, split, seed), orders in zip(pools, orders_of(cfg, pools, opts)):
        for method, order in orders.items():
            keys = {"experiment": "hpo_order", "order_method": method}
            cells += prefix_cells(ds, split, order, sizes, specs, seed, keys, explain=explain)
            regret.append(regret_curve(ds, split, order, seed, method))
    return cells, datasets, pd.concat(regret, ignore_index=True)


def regret_curve(ds, split, order, seed: int, method: str) -> pd.DataFrame:
    """Best score found after k evaluations, and its gap to the pool's best (≥ 0 in either direction)."""
    y = ds.y.to_numpy()[split.train][order]
    best = np.maximum.accumulate(y) if ds.maximize else np.minimum.accumulate(y)
    top = y.max() if ds.maximize else y.min()
    return pd.DataFrame({
        "experiment": "hpo_order", "dataset": ds.name, "seed": seed, "order_method": method,
        "k": np.arange(1, len(y) + 1), "best": best, "regret": np.abs(top - best),
    })


def run(cfg, opts):
    cells, datasets, regret = cells_of(cfg, opts, explain=flag(cfg.get("explain", False), "explain"))
    result = run_cells(cells, datasets, opts, label="hpo_order")
    write_csv(result.rows, opts.output_dir / "metrics.csv")
    write_csv(regret, opts.output_dir / "hpo_regret.csv")
    log.info("hpo_order: %d cells (%d computed, %d cached) in %.1f s", len(cells), result.computed, result.cached, result.wall_seconds)
    return EXPERIMENT.finish(result.rows, opts, hpo_regret=regret)


def summarise(rows: pd.DataFrame, out: Path, hpo_regret: pd.DataFrame | None = None) -> pd.DataFrame:
    refuse_duplicates(rows, KEYS, "hpo_order metrics")
    summary = mean_std(rows, ["dataset", "surrogate", "order_method", "size_pct", "n_train"])
    write_csv(summary, out / "summary.csv")
    claims = []
    lines = ["# HPO sampling orders: test MSE of surrogates trained on the first p % of each method's order\n"]
    for ds, part in summary.groupby("dataset", sort=False):
        lines.append(f"## {ds}\n")
        for sur, g in part.groupby("surrogate", sort=False):
            lines += [f"### {sur}: test MSE, mean ± std over seeds\n", _table(g), ""]
        plots.hpo_order_curves(part, out / f"hpo_order_{ds}.png", title=f"{ds}: test MSE by HPO sampling order")
        if ds in PAIRS:  # the paper's claims are about its NMT tables (it studied sw-en), not a user's
            reference = part[part["surrogate"] == part["surrogate"].iloc[0]]
            claims += paper_claims(reference, ds)
    if hpo_regret is not None and len(hpo_regret):
        lines += ["## The HPO view: regret of the best configuration found after k evaluations\n", _regret_table(hpo_regret), ""]
        plots.regret_curves(hpo_regret, out / "hpo_regret.png")
    if claims:
        lines += ["## The paper's claims (first surrogate listed; the paper used EBM)\n", *[c.markdown() for c in claims], ""]
    write_claims(claims, out)
    text = "\n".join(lines)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


def _table(g: pd.DataFrame) -> str:
    sizes = list(dict.fromkeys(g.sort_values("size_pct")["size_pct"]))
    head = "| method | " + " | ".join(f"{s:g} %" for s in sizes) + " |"
    lines = [head, "|" + "---|" * (len(sizes) + 1)]
    for m, mg in g.groupby("order_method", sort=False):
        mg = mg.set_index("size_pct")
        cells = [f"{mg.at[s, 'mse_mean']:.2f} ± {mg.at[s, 'mse_std']:.2f}" if s in mg.index and pd.notna(mg.at[s, "mse_mean"]) else "–" for s in sizes]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _regret_table(regret: pd.DataFrame, ks=(5, 10, 20, 50, 100)) -> str:
    mean = regret.groupby(["dataset", "order_method", "k"], sort=False)["regret"].mean()
    lines = ["| dataset | method | " + " | ".join(f"k={k}" for k in ks) + " |", "|" + "---|" * (len(ks) + 2)]
    for (ds, m), g in mean.groupby(level=[0, 1], sort=False):
        g = g.droplevel([0, 1])
        lines.append(f"| {ds} | {m} | " + " | ".join(f"{g.get(k, float('nan')):.2f}" for k in ks) + " |")
    lines.append("\nRegret = pool best − best found so far (mean over seeds); 0 means the best configuration was found.")
    return "\n".join(lines)


def paper_claims(summary: pd.DataFrame, dataset: str) -> list[Claim]:
    """Paper §5.3: (a) BO and random fall sharply 5→30 %; (b) GB stays highest; (c) BO lowest from 15 % on."""
    mse = summary.pivot_table(index="size_pct", columns="order_method", values="mse_mean")
    sur = summary["surrogate"].iloc[0]
    claims = []
    if {5, 30, 100} <= set(mse.index):
        drops = {}
        for m in ("bo", "random"):
            if m in mse:
                total = mse.at[5, m] - mse.at[100, m]
                drops[m] = ((mse.at[5, m] - mse.at[30, m]) / mse.at[5, m], (mse.at[5, m] - mse.at[30, m]) / total if total else np.nan)
        ok = [rel >= 0.4 and share >= 0.75 for rel, share in drops.values()]
        claims.append(Claim(
            "hpo_order", f"{dataset}-a", f"{dataset}: with {sur}, BO and random fall sharply from 5 % to 30 %",
            verdict(sum(ok), len(ok)),
            "; ".join(f"{m}: MSE {mse.at[5, m]:.2f} → {mse.at[30, m]:.2f} → {mse.at[100, m]:.2f} at 5/30/100 %, "
                      f"{rel:.0%} lower at 30 %, {share:.0%} of the 5→100 % fall done by 30 %" for m, (rel, share) in drops.items())
            + " (sharp = ≥ 40 % lower and ≥ 75 % of the total fall done by 30 %)",
        ))
    if {"gb", "bo", "random"} <= set(mse.columns):
        # at 100 % every order holds the whole pool: the three training sets are one and the same
        mse = mse.loc[[s for s in mse.index if s < 100]]
        highest = mse.idxmax(axis=1)
        held = [s for s in mse.index if highest[s] == "gb"]
        claims.append(Claim(
            "hpo_order", f"{dataset}-b", f"{dataset}: with {sur}, GB's MSE stays the highest of the three",
            verdict(len(held), len(mse.index)),
            f"GB highest at {len(held)} of {len(mse.index)} sizes below 100 %; "
            + ", ".join(f"{s:g} %: gb {mse.at[s, 'gb']:.2f} / bo {mse.at[s, 'bo']:.2f} / random {mse.at[s, 'random']:.2f}" for s in mse.index),
        ))
        late = [s for s in mse.index if s >= 15]
        lowest = mse.loc[late].idxmin(axis=1)
        held = [s for s in late if lowest[s] == "bo"]
        claims.append(Claim(
            "hpo_order", f"{dataset}-c", f"{dataset}: with {sur}, from 15 % on BO has the lowest MSE",
            verdict(len(held), len(late)),
            f"BO lowest at {len(held)} of {len(late)} sizes from 15 % to below 100 %"
            + (f"; not at {', '.join(f'{s:g} % ({lowest[s]})' for s in late if lowest[s] != 'bo')}" if len(held) < len(late) else ""),
        ))
    return claims


class HPOOrder(Experiment):
    name = "hpo_order"
    title = "HPO sampling orders (paper §5.3, Figure 6)"
    keys = tuple(KEYS)
    tables = TABLES

    def run(self, cfg, opts):
        return run(cfg, opts)

    def summarise(self, rows, out, **tables):
        return summarise(rows, out, **tables)


EXPERIMENT = HPOOrder()
