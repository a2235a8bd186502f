"""Transfer (paper §5.4, Figure 7): fit on one task, score on every task — and when does it work?

A task is one table: an NMT pair (``pairs=[...]``) or one task of a table of
many (``data=table data.task=<column>``); the tidy tables call it a pair
(``train_pair``, ``test_pair``) on either. One fit per (train task, seed,
surrogate), scored on every task's test split, gives a train × test matrix
per surrogate. Beside the paper's MSE the summary reports SRC and MRR (a shift
in score level between tasks costs MSE but no ranking), the share of test rows
holding values the training task never had, the split of MSE into squared mean
shift and residual variance, how well the similarity of two tasks' EBM
interpretations predicts transfer, and a leave-one-task-out model trained on
the other tasks pooled. Matrices list the paper's pairs in the paper's order,
any other tasks ordered by similarity (``analysis.transfer.similarity_order``).

Here: the grid and the summary's order. Numbers: ``harness.analysis.transfer``;
figures and markdown: ``harness.render.transfer``; the paper's claims and words
about its pairs: ``harness.paper.transfer``, only when the tables are its pairs.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import transfer as analysis
from harness.analysis.summary import ebm_surrogates, main_ebm, mean_std
from harness.cells import Cell, Eval, run_cells
from harness.data.dataset import Dataset
from harness.data.pooled import leave_one_out, rows_in
from harness.errors import ConfigError
from harness.experiments.base import ModuleExperiment
from harness.experiments.common import datasets_of, split_of
from harness.paper import PAIRS, on_paper_data
from harness.paper import transfer as paper
from harness.paper.claims import write_claims
from harness.render import transfer as render
from harness.results import atomic_write_text, refuse_duplicates, write_csv
from harness.text import file_part

log = logging.getLogger("harness")

NAME = "transfer"
KEYS = ["experiment", "feed", "train_kind", "train_pair", "test_pair", "surrogate", "seed"]
TABLES = ("metrics", "importances", "shapes")
FEEDS = ("raw", "scaled")
POOLED = "others"  # train_pair of a leave-one-task-out row: every task but the test task, pooled
CORNER = "tested_on\\trained_on"  # the first column of a matrix CSV


# --- cells -------------------------------------------------------------------------------------------


def _keys(feed: str, kind: str, train_pair: str) -> tuple:
    return (("experiment", NAME), ("feed", feed), ("train_kind", kind), ("train_pair", train_pair))


def _test_eval(name: str, split) -> Eval:
    return Eval(dataset=name, rows=tuple(int(i) for i in split.test), keys=(("test_pair", name),))


def pair_cells(datasets: dict[str, Dataset], splits: dict, specs, seeds, feed: str) -> list[Cell]:
    """One cell per (seed, train task, surrogate), scored on the test split of every task."""
    cells = []
    for seed in seeds:
        evals = tuple(_test_eval(name, splits[name, seed]) for name in datasets)
        for name in datasets:
            train_rows = tuple(int(i) for i in splits[name, seed].train)
            cells += [
                Cell(keys=_keys(feed, "pair", name), train=name, train_rows=train_rows, surrogate=spec, seed=seed,
                     evals=evals, feed=feed, explain=spec.is_ebm)
                for spec in specs
            ]
    return cells


def pooled_cells(pooled: dict[str, Dataset], splits: dict, specs, seeds, feed: str) -> list[Cell]:
    """Train on the union of the other tasks' training splits, test on the held-out task's test split."""
    cells = []
    for held, ds in pooled.items():
        for seed in seeds:
            rows = np.concatenate([rows_in(ds, part, splits[part, seed].train) for part in ds.parts])
            cells += [
                Cell(keys=_keys(feed, "pooled", POOLED), train=ds.name, train_rows=tuple(int(i) for i in rows),
                     surrogate=spec, seed=seed, evals=(_test_eval(held, splits[held, seed]),), feed=feed)
                for spec in specs
            ]
    return cells


def run(setup):
    opts, feed = setup.run, setup.options.feed
    datasets = datasets_of(setup)
    if len(datasets) < 2:
        raise ConfigError(f"transfer needs at least two tasks, got {list(datasets)}; set pairs=[...] (NMT) "
                          "or data.task=<column> (a table of tasks)")
    specs, seeds = setup.surrogates, setup.seeds
    splits = {(name, seed): split_of(setup, ds, seed) for name, ds in datasets.items() for seed in seeds}
    pooled = leave_one_out(datasets, feed)
    cells = pair_cells(datasets, splits, specs, seeds, feed) + pooled_cells(pooled, splits, specs, seeds, feed)
    everything = {**datasets, **{ds.name: ds for ds in pooled.values()}}
    result = run_cells(cells, everything, opts, label=NAME)
    rows = result.rows.merge(analysis.unseen_table(cells, everything), how="left", validate="many_to_one",
                             on=["train_kind", "train_pair", "test_pair", "seed"])
    write_csv(rows, opts.output_dir / "metrics.csv")
    tables = analysis.interpretation_tables(cells, result, everything, NAME)
    for name, frame in tables.items():
        write_csv(frame, opts.output_dir / f"{name}.csv")
    log.info("transfer: %d cells (%d computed, %d cached) in %.1f s; wrote %s",
             len(cells), result.computed, result.cached, result.wall_seconds, opts.output_dir)
    return EXPERIMENT.finish(rows, opts, **tables)


# --- summary -----------------------------------------------------------------------------------------


def summarise(rows: pd.DataFrame, out: Path, importances: pd.DataFrame | None = None,
              shapes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Matrices, heatmaps, diagnostics, leave-one-task-out and, on the paper's pairs, its claims, from tidy tables only."""
    refuse_duplicates(rows, KEYS, "transfer metrics")
    rows = analysis.with_resid_var(rows)
    summary = mean_std(rows, ["feed", "train_kind", "train_pair", "test_pair", "surrogate"], metrics=analysis.METRICS)
    write_csv(summary, out / "summary.csv")
    surrogates = list(dict.fromkeys(rows["surrogate"]))
    ebms = ebm_surrogates(rows)
    feeds = [f for f in FEEDS if f in set(rows["feed"])]
    order, how = task_order(summary, analysis.pair_order(rows), surrogates, ebms, feeds)
    on_paper = on_paper_data(order)
    md = render.header(order, how, sorted(rows["seed"].unique()), surrogates, feeds, paper.CITE if on_paper else "")
    sim_tables, pooled_tables = [], []
    for feed in feeds:
        s_feed = summary[summary["feed"] == feed]
        present = set(s_feed["surrogate"])
        surs, feed_ebms = [x for x in surrogates if x in present], [x for x in ebms if x in present]
        suffix = "" if feed == "raw" else f"_{feed}"
        md.append(f"## feed = {feed}\n")
        md += _matrices(s_feed, order, surs, feed_ebms, out, suffix)
        md += _unseen(s_feed, order, surs[0], out, suffix, feed, bool(on_paper))
        for ebm in feed_ebms:
            md += render.decomposition_md(ebm, *analysis.shift2_share(s_feed, order, ebm))
            sim = analysis.similarity_table(importances, shapes, s_feed, order, ebm, feed)
            md += _diagnostics(sim, ebm, out, suffix, bool(on_paper))
            sim_tables.append(sim)
        pooled_tables.append(analysis.pooled_table(s_feed, order))
        md += render.pooled_md(pooled_tables[-1], main_ebm(feed_ebms) or surs[0])
    if sim_tables:
        write_csv(pd.concat(sim_tables, ignore_index=True), out / "transfer_similarity.csv")
    write_csv(pd.concat(pooled_tables, ignore_index=True), out / "transfer_pooled.csv")
    if len(feeds) > 1:
        md += render.feed_comparison_md(analysis.feed_comparison(summary, order, surrogates, feeds))
    if on_paper:
        md += _paper_claims(summary, on_paper, ebms, feeds, out)
    text = "\n".join(md)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


def task_order(summary: pd.DataFrame, tasks: list[str], surrogates, ebms, feeds) -> tuple[list[str], str]:
    """The paper's pairs in the paper's order; other tasks ordered by the similarity of their transfer (and how)."""
    if len(on_paper_data(tasks)) == len(tasks):
        return [p for p in PAIRS if p in tasks], "the paper's order"
    if len(tasks) < 3:
        return tasks, "as configured"
    feed = "raw" if "raw" in feeds else feeds[0]
    s = summary[summary["feed"] == feed]
    present = set(s["surrogate"])
    sur = main_ebm([x for x in ebms if x in present]) or next(x for x in surrogates if x in present)
    return analysis.similarity_order(s, sur, tasks), f"ordered by similarity of {sur}'s transfer SRC (feed={feed})"


def matrix_csv(m: pd.DataFrame, path: Path) -> Path:
    return write_csv(m.rename_axis(index=CORNER, columns=None).reset_index(), path)


def _matrices(s: pd.DataFrame, order, surrogates, ebms, out: Path, suffix: str) -> list[str]:
    """Every surrogate's matrices as CSV and heatmaps and its row of the overview; the EBMs' also in the markdown."""
    md, overviews = [], {}
    for sur in surrogates:
        mats = analysis.matrices(s, sur, order)
        for m, (mean, std) in mats.items():
            if m in ("shift2", "resid_var") and sur not in ebms:
                continue
            matrix_csv(mean, out / f"transfer_{m}_{file_part(sur)}{suffix}.csv")
            matrix_csv(std, out / f"transfer_{m}_{file_part(sur)}{suffix}_std.csv")
        render.surrogate_heatmaps(mats, out / f"transfer_{file_part(sur)}{suffix}.png", sur)
        overviews[sur] = analysis.overview(mats)
        if sur in ebms:
            md += render.ebm_matrices_md(sur, mats)
    return md + render.overview_md(overviews, suffix)


def _unseen(s: pd.DataFrame, order, any_surrogate: str, out: Path, suffix: str, feed: str, on_paper: bool):
    """Unseen-value shares depend on the data only: any surrogate's rows carry them."""
    ood = analysis.matrix(s, any_surrogate, "ood_share_mean", order)
    extrap = analysis.matrix(s, any_surrogate, "extrap_share_mean", order)
    matrix_csv(ood, out / f"transfer_ood_share{suffix}.csv")
    matrix_csv(extrap, out / f"transfer_extrap_share{suffix}.csv")
    render.unseen_heatmaps(ood, extrap, out / f"transfer_unseen{suffix}.png", feed)
    return render.unseen_md(ood, extrap, feed, paper.FEED_NOTE if on_paper else render.FEED_NOTE)


def _diagnostics(sim: pd.DataFrame, ebm: str, out: Path, suffix: str, on_paper: bool) -> list[str]:
    corr = analysis.predictor_correlations(sim)
    scatter = f"transfer_similarity_{file_part(ebm)}{suffix}.png" if len(sim) else None
    if scatter:
        render.similarity_figure(sim, corr, out / scatter, ebm)
    return render.diagnostics_md(ebm, corr, scatter, **(paper.SIMILARITY_WORDS if on_paper else {}))


def _paper_claims(summary: pd.DataFrame, pairs: list[str], ebms, feeds, out: Path) -> list[str]:
    """The paper's claims on its ``pairs``, judged on the main EBM of the raw feed (else of the first feed)."""
    feed = "raw" if "raw" in feeds else feeds[0]
    s = summary[summary["feed"] == feed]
    ebm = main_ebm([x for x in ebms if x in set(s["surrogate"])])
    if not ebm:
        return []
    claims = paper.claims(s, pairs, ebm, feed)
    write_claims(claims, out, title="Transfer (paper §5.4): the paper's claims")
    return paper.claims_intro(ebm, feed) + render.claims_md(claims)


EXPERIMENT = ModuleExperiment("transfer", "Transfer across tasks (paper §5.4, Figure 7)", KEYS, run, summarise, TABLES)
