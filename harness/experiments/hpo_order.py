"""HPO sampling orders (paper §5.3, Figure 6): do surrogates hold up on what an HPO method sampled?

Each method visits the training pool in its own order; the surrogates are
trained on the first p % of that order. The random order is the size sweep's
nested subsets, so those cells are shared with ``size_sweep`` through the
cell cache. Beside the surrogates' test error, the HPO view — the best score
found after k evaluations (``harness.analysis.hpo_order``) — says which method
found good configurations. Tables and figures: ``harness.render.hpo_order``;
the paper's claims, on its NMT pairs only: ``harness.paper.hpo_order``.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.hpo_order import mean_regret, regret_curve, regret_stats
from harness.analysis.summary import explain_sample_note, mean_std
from harness.cells import run_cells
from harness.experiments.base import ModuleExperiment
from harness.experiments.common import datasets_of, prefix_cells, split_of
from harness.hpo import approximation
from harness.paper import hpo_order as paper
from harness.paper import on_paper_data
from harness.paper.claims import write_claims
from harness.render import hpo_order as render
from harness.results import atomic_write_text, refuse_duplicates, write_csv
from harness.text import file_part
from harness.timing import stage

log = logging.getLogger("harness")

KEYS = ["experiment", "dataset", "surrogate", "seed", "order_method", "size_pct"]
TABLES = ("metrics", "hpo_regret")


def orders_of(setup, pools: list[tuple]) -> list[dict[str, np.ndarray]]:
    """Each method's visiting order of each (dataset, split, seed)'s training pool, computed over the cores.

    Orders are cached on disk by content; BO on a 600-row pool takes seconds, so they run in parallel like cells.
    """
    from joblib import Parallel, delayed

    from harness.hpo import order_cache, order_pool

    opts, options = setup.run, setup.options
    params = options.method_params or {}
    cache_dir = order_cache(opts.cache, opts.cache_dir)
    methods = list(options.methods)
    tasks = []
    for ds, split, seed in pools:
        pool = ds.take(split.train)
        X, y = pool.scaled().to_numpy(), pool.y.to_numpy()
        tasks += [delayed(order_pool)(m, X, y, seed, n_init=options.n_init, maximize=ds.maximize,
                                      cache_dir=cache_dir, **params.get(m, {})) for m in methods]
    with stage("orders"), Parallel(n_jobs=min(opts.n_jobs, len(tasks)) or 1) as par:
        orders = iter(par(tasks))
    return [{m: next(orders) for m in methods} for _ in pools]


def cells_of(setup, explain: bool = False):
    datasets = datasets_of(setup)
    specs, sizes = list(setup.surrogates), list(setup.options.sizes)
    pools = [(ds, split_of(setup, ds, seed), seed) for ds in datasets.values() for seed in setup.seeds]
    cells, regret = [], []
    params = setup.options.method_params or {}
    for (ds, split, seed), orders in zip(pools, orders_of(setup, pools)):
        for method, order in orders.items():
            keys = {"experiment": "hpo_order", "order_method": method}
            cells += prefix_cells(ds, split, order, sizes, specs, seed, keys, explain=explain)
            # which algorithm built the order: "" exact, else the bounded-cost variant in force (harness.hpo)
            curve = regret_curve(ds, split, order, seed, method)
            regret.append(curve.assign(approximation=approximation(method, len(order), params.get(method, {}))))
    return cells, datasets, pd.concat(regret, ignore_index=True)


def run(setup):
    opts = setup.run
    with stage("split"):  # splits, prefixes and regret curves (loading and orders are stages of their own)
        cells, datasets, regret = cells_of(setup, explain=setup.explain)
    result = run_cells(cells, datasets, opts, label="hpo_order")
    write_csv(result.rows, opts.output_dir / "metrics.csv")
    write_csv(regret, opts.output_dir / "hpo_regret.csv")
    log.info("hpo_order: %d cells (%d computed, %d cached) in %.1f s", len(cells), result.computed, result.cached, result.wall_seconds)
    for line in render.approximations(regret):
        log.info("hpo_order: %s", line)
    return EXPERIMENT.finish(result.rows, opts, hpo_regret=regret)


def summarise(rows: pd.DataFrame, out: Path, hpo_regret: pd.DataFrame | None = None) -> pd.DataFrame:
    refuse_duplicates(rows, KEYS, "hpo_order metrics")
    summary = mean_std(rows, ["dataset", "surrogate", "order_method", "size_pct", "n_train"])
    write_csv(summary, out / "summary.csv")
    lines = [render.TITLE, *render.mse_sections(summary)]
    for ds, part in summary.groupby("dataset", sort=False):
        render.hpo_order_curves(part, out / f"hpo_order_{file_part(ds)}.png", title=f"{ds}: test MSE by HPO sampling order")
    if hpo_regret is not None and len(hpo_regret):
        lines += render.regret_section(mean_regret(hpo_regret))
        lines += [f"- {line}" for line in render.approximations(hpo_regret)]
        render.regret_curves(regret_stats(hpo_regret), out / "hpo_regret.png")
    lines += explain_sample_note(rows).splitlines()
    # the paper's claims are about its NMT tables (it studied sw-en), not a user's
    claims = [c for ds in on_paper_data(dict.fromkeys(summary["dataset"])) for c in paper.claims(summary, ds)]
    if claims:
        lines += paper.claims_section(claims)
    write_claims(claims, out)
    text = "\n".join(lines)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


EXPERIMENT = ModuleExperiment("hpo_order", "HPO sampling orders (paper §5.3, Figure 6)", KEYS, run, summarise, TABLES)
