"""Explanation stability: from how many rows, and under which sampling, can a surrogate's explanation be trusted?

The paper judges models trained on little (§5.1–5.2) or HPO-skewed (§5.3)
data by their test error alone. Here the explanation itself is judged. The
cells are hpo_order's own — every method's order prefixes, the random order
being the size sweep's subsets — explained, so with ``explain`` on in those
experiments they come from the cell cache instead of being refitted. Each
cell's explanation is compared with its own full-data fit and with the
reference EBM's (``ebm`` if it ran, else the first EBM listed — the paper's
model); what "stable" means is in ``harness.analysis.stability``, the figures
and markdown in ``harness.render.stability``, and the paper's 30 % claim,
checked only on the paper's data, in ``harness.paper.stability``.

Everything after the fits is recomputed from the tidy ``metrics``,
``importances`` and ``shapes`` tables, so a multirun aggregates the same way.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pandas as pd
from harness.analysis import stability as analysis
from harness.analysis.stability import FULL, RECORD_KEYS
from harness.analysis.summary import ebm_surrogates, explain_sample_note, reference_surrogate
from harness.cells import cell_id, run_cells
from harness.experiments import hpo_order
from harness.experiments.base import ModuleExperiment
from harness.interpretation import Interpretation, records_of
from harness.paper import on_paper_data
from harness.paper import stability as paper
from harness.paper.claims import write_claims
from harness.render import stability as render
from harness.results import atomic_write_text, read_table, refuse_duplicates, write_csv
from harness.timing import stage

log = logging.getLogger("harness")

NAME = "stability"
KEYS = ["experiment", "dataset", "surrogate", "seed", "order_method", "size_pct"]
TABLES = ("metrics", "importances", "shapes")


def run(setup):
    opts, fraction, sizes = setup.run, setup.options.stable_fraction, list(setup.options.sizes)
    if FULL not in sizes:  # the full-data reference is the 100 % cell
        setup = setup.replace(options=dataclasses.replace(setup.options, sizes=[*sizes, FULL]))
    with stage("split"):
        cells, datasets, _ = hpo_order.cells_of(setup, explain=True)
    result = run_cells(cells, datasets, opts, label=NAME)
    # stable_fraction rides along in the rows so that a multirun's aggregation applies the run's own criterion
    rows = result.rows.assign(experiment=NAME, stable_fraction=fraction)
    tables: dict[str, list] = {"importances": [], "shapes": []}
    for c in cells:
        d = result.interpretations.get(cell_id(c, datasets))
        if d is None:  # a failed fit: its metrics row says why
            continue
        keys = {**c.key_dict, "experiment": NAME, "seed": c.seed, "n_train": len(c.train_rows)}
        frames = Interpretation.from_dict(d).frames(**keys)
        for name in tables:
            tables[name].append(frames[name])
    out = opts.output_dir
    write_csv(rows, out / "metrics.csv")
    for name, parts in tables.items():
        write_csv(_experiment_first(pd.concat(parts, ignore_index=True)) if parts else pd.DataFrame(), out / f"{name}.csv")
    log.info("stability: %d cells (%d computed, %d cached) in %.1f s; wrote %s",
             len(cells), result.computed, result.cached, result.wall_seconds, out)
    # Read back what was written, so a single run is summarised exactly as harness.aggregate summarises a multirun.
    return EXPERIMENT.finish(read_table(out / "metrics.csv"), opts,
                  **{name: read_table(out / f"{name}.csv") if parts else None for name, parts in tables.items()})


def _experiment_first(df: pd.DataFrame) -> pd.DataFrame:
    return df[["experiment", *[c for c in df.columns if c != "experiment"]]]


def summarise(rows: pd.DataFrame, out: Path, importances=None, shapes=None) -> pd.DataFrame:
    """Agreement per cell, spread over seeds, rows until stable, figures, the paper's 30 % claim and a plain reading."""
    refuse_duplicates(rows, KEYS, "stability metrics")
    fraction = analysis.run_fraction(rows)
    if importances is None or not len(importances):
        atomic_write_text(out / "summary.md", render.NOTHING)
        write_claims([], out)
        return pd.DataFrame()
    records = records_of(importances, shapes, by=RECORD_KEYS)
    reference = reference_surrogate(rows, list(dict.fromkeys(rows["surrogate"])))
    stab = analysis.stability_table(rows, records, reference)
    write_csv(stab, out / "stability.csv")
    write_csv(_labelled(analysis.importance_spread(importances)), out / "importance_spread.csv")
    summary = analysis.agreement_summary(stab)
    write_csv(summary, out / "summary.csv")
    stable = _labelled(analysis.stable_sizes(stab, fraction))
    write_csv(stable, out / "stable_sizes.csv")
    # the paper's claim is about its EBM on its tables: a user's table, or a run without an EBM, checks none
    paper_run = bool(on_paper_data(rows["dataset"].unique())) and reference in ebm_surrogates(rows)
    claims = paper.claims(stab, stable, fraction, reference) if paper_run else []
    claims_text = write_claims(claims, out, title=f"The paper's claim, checked on {reference}'s explanations")

    need = render.requirement(fraction, stab["seed"].nunique())
    render.figures(summary, stable, fraction, need, out)
    text = render.document(summary, stable, analysis.reference_spread(importances, reference), reference, fraction, need,
                           claims_text, analysis.earliest_stable(stable)) + explain_sample_note(rows)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The table with the experiment's name as its first column, as every tidy table of a run starts."""
    df.insert(0, "experiment", NAME)
    return df


EXPERIMENT = ModuleExperiment(
    "stability", "Stability of interpretations under less and skewed data", KEYS, run, summarise, TABLES,
)
