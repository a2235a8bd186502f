"""Size sweep (paper §5.1–5.2, Table 2, Figure 5): train on nested subsets, test on a fixed split.

The tables and figure are drawn by ``harness.render.size_sweep``; on the paper's data the published Table 2 row and
the paper's claims come from ``harness.paper.size_sweep``.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from harness.analysis.summary import explain_sample_note, mean_std
from harness.cells import run_cells
from harness.experiments.base import ModuleExperiment
from harness.experiments.common import datasets_of, prefix_cells, split_of
from harness.hpo.random_order import random_order
from harness.paper import on_paper_data
from harness.paper import size_sweep as paper
from harness.paper.claims import write_claims
from harness.render import size_sweep as render
from harness.results import atomic_write_text, refuse_duplicates, write_csv
from harness.text import file_part
from harness.timing import stage

log = logging.getLogger("harness")

KEYS = ["experiment", "dataset", "surrogate", "seed", "size_pct"]


def cells_of(setup, explain: bool = False):
    datasets = datasets_of(setup)
    specs, sizes = list(setup.surrogates), list(setup.options.sizes)
    cells = []
    for ds in datasets.values():
        for seed in setup.seeds:
            split = split_of(setup, ds, seed)
            order = random_order(len(split.train), seed)
            keys = {"experiment": "size_sweep", "order_method": "random"}
            cells += prefix_cells(ds, split, order, sizes, specs, seed, keys, explain=explain)
    return cells, datasets


def run(setup):
    opts = setup.run
    with stage("split"):
        cells, datasets = cells_of(setup, explain=setup.explain)
    result = run_cells(cells, datasets, opts, label="size_sweep")
    rows = result.rows
    write_csv(rows, opts.output_dir / "metrics.csv")
    log.info(
        "size_sweep: %d cells (%d computed, %d cached) in %.1f s; wrote %s",
        len(cells), result.computed, result.cached, result.wall_seconds, opts.output_dir,
    )
    return EXPERIMENT.finish(rows, opts)


def summarise(rows: pd.DataFrame, out: Path) -> pd.DataFrame:
    """Mean ± std per (dataset, surrogate, size), the Table 2 comparison and the Figure 5 plot."""
    refuse_duplicates(rows, KEYS, "size_sweep metrics")
    summary = mean_std(rows, ["dataset", "surrogate", "size_pct", "n_train"])
    write_csv(summary, out / "summary.csv")
    on_paper = on_paper_data(dict.fromkeys(summary["dataset"]))
    text = render.table2_markdown(summary, paper.beside(on_paper) if on_paper else None, paper.CITES if on_paper else ("", ""))
    claims = paper.claims(summary) if on_paper else []
    if claims:
        text += paper.claims_markdown(claims)
    text += explain_sample_note(rows)
    write_claims(claims, out)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    for ds, part in summary.groupby("dataset"):
        render.size_curves(part, out / f"size_sweep_{file_part(ds)}.png", title=f"{ds}: test metrics vs training size")
    return summary


EXPERIMENT = ModuleExperiment("size_sweep", "Size sweep (paper §5.1–5.2, Table 2, Figure 5)", KEYS, run, summarise)
