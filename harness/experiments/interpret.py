"""Interpretation case study (paper §4, Figures 2–4 and 8–10): every surrogate fitted on all rows of each table, explained.

One fit per (table, surrogate, seed) on all rows, scored in-sample (``eval_on:
train``) and explained the same way for every surrogate
(``harness.explainers``). Writes the tidy ``importances``, ``shapes``
and ``interactions`` tables, the ``features`` table (each table's feature
labels from its schema, so a summary of the tidy tables alone names them as
the schema does), InterpretML's own JSON export of every EBM fit
(``<surrogate>_<table>_seed<k>.json``), the figures, the agreement of each
surrogate with the reference EBM and, on the paper's NMT pairs, the paper's
case-study claims checked on the EBM records (seed-averaged); with several
methods, the agreement matrix between them per table (``method_agreement.csv``). On several tables
(the NMT pairs, or the tasks of ``data=table data.task=<column>``) it adds each
hyperparameter's importance across them (``harness.analysis.across_tasks``).
A conditional hyperparameter (SMAC3's ``solver in {sgd,adam}``) is read over
the rows where it is set, with that share of rows in ``importances.csv``
(``active_share``) and in the summary.

The numbers are computed in ``harness.analysis.interpret``, written for people
in ``harness.render.interpret`` and checked against the paper in
``harness.paper.interpret``.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from harness.analysis import across_tasks
from harness.analysis.interpret import (
    RECORD_KEYS,
    agreement_means,
    agreement_squares,
    agreement_table,
    explained,
    feature_labels,
    fit_table,
    importance_spread,
    method_agreement,
    seed_means,
)
from harness.analysis.summary import ebm_surrogates, explain_sample_note, reference_surrogate
from harness.cells import Cell, Eval, cell_id, run_cells
from harness.experiments.base import ModuleExperiment
from harness.experiments.common import datasets_of
from harness.interpretation import Interpretation, records_of
from harness.paper import interpret as paper
from harness.paper import on_paper_data
from harness.paper.claims import write_claims
from harness.render import across_tasks as render_tasks
from harness.render import interpret as render
from harness.results import atomic_write_text, read_table, refuse_duplicates, write_csv
from harness.text import file_part
from harness.timing import stage

log = logging.getLogger("harness")

NAME = "interpret"
KEYS = ["experiment", "dataset", "surrogate", "seed", "eval_on"]
TABLES = ("metrics", "importances", "shapes", "interactions", "features")


def cells_of(setup) -> tuple[list[Cell], dict]:
    """One cell per (table, seed, surrogate): trained and scored on every row of the table."""
    datasets = datasets_of(setup)
    specs, seeds = setup.surrogates, setup.seeds
    cells = []
    for ds in datasets.values():
        rows = tuple(range(len(ds)))
        on_train = Eval(dataset=ds.name, rows=rows, keys=(("eval_on", "train"),))
        cells += [
            Cell(keys=(("experiment", NAME), ("dataset", ds.name)), train=ds.name, train_rows=rows,
                 surrogate=spec, seed=seed, evals=(on_train,), explain=True)
            for seed in seeds for spec in specs
        ]
    return cells, datasets


def run(setup):
    opts = setup.run
    with stage("split"):
        cells, datasets = cells_of(setup)
    result = run_cells(cells, datasets, opts, label=NAME)
    out = opts.output_dir
    write_csv(result.rows, out / "metrics.csv")
    tables: dict[str, list] = {name: [] for name in ("importances", "shapes", "interactions")}
    for c in cells:
        d = result.interpretations.get(cell_id(c, datasets))
        if d is None:  # a failed fit: its metrics row says why
            continue
        record = Interpretation.from_dict(d)
        frames = record.frames(experiment=NAME, seed=c.seed)
        frames["importances"]["method"] = record.method
        frames["importances"]["measure"] = record.measure
        for name in tables:
            tables[name].append(frames[name])
        if "ebm_json" in record.extras:
            text = json.dumps(record.extras["ebm_json"], indent=2)
            atomic_write_text(out / f"{file_part(c.surrogate.name)}_{file_part(c.train)}_seed{c.seed}.json", text + "\n")
    for name, parts in tables.items():
        write_csv(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(), out / f"{name}.csv")
    write_csv(features_of(datasets), out / "features.csv")
    log.info("interpret: %d fits (%d computed, %d cached) in %.1f s; wrote %s",
             len(cells), result.computed, result.cached, result.wall_seconds, out)
    # Read back what was written, so a single run is summarised exactly as harness.aggregate summarises a multirun.
    return EXPERIMENT.finish(result.rows, opts, **{name: read_table(out / f"{name}.csv") for name in TABLES[1:]})


def features_of(datasets: dict) -> pd.DataFrame:
    """One row per (table, feature): the label its schema gives it (the feature's name where it gives none)."""
    return pd.DataFrame([{"experiment": NAME, "dataset": ds.name, "feature": f.name, "label": f.display}
                         for ds in datasets.values() for f in ds.schema],
                        columns=["experiment", "dataset", "feature", "label"])


def summarise(rows: pd.DataFrame, out: Path, importances=None, shapes=None, interactions=None,
              features=None) -> pd.DataFrame:
    """In-sample fit, figures, agreement with the reference EBM and the paper's claims, from the tidy tables only."""
    refuse_duplicates(rows, KEYS, "interpret metrics")
    fit = fit_table(rows)
    write_csv(fit, out / "summary.csv")
    tables = list(dict.fromkeys(rows["dataset"]))
    paper_run = len(on_paper_data(tables)) == len(tables)  # the paper's words only on its own tables
    parts = [render.title(paper.CITE if paper_run else ""), *render.fit_section(fit)]
    if importances is None or not len(importances):
        atomic_write_text(out / "summary.md", "\n".join(parts + ["No interpretation was recorded (every fit failed).\n"]))
        write_claims([], out)
        return fit
    records = records_of(importances, shapes, interactions, by=RECORD_KEYS)
    surrogates, datasets = explained(rows, records)
    reference = reference_surrogate(rows, surrogates)
    means = seed_means(records, surrogates, datasets)
    labels = feature_labels(features)
    paper_pairs = on_paper_data(datasets)
    unit = paper.UNIT if len(paper_pairs) == len(datasets) else "target"
    spread = importance_spread(importances)
    for d in datasets:  # first: with n_jobs > 1 they are drawn aside while the rest is computed and written
        recs = [means[s, d] for s in [reference, *[s for s in surrogates if s != reference]] if (s, d) in means]
        render.case_figures(recs, labels.get(d, {}), unit, spread.xs(d, level="dataset"), out, d)
    agree = agreement_table(records, reference, NAME)
    write_csv(agree, out / "agreement.csv")
    parts += render.ranking_section(means, spread, reference, datasets, labels, unit)
    parts += render.conditional_section(means, surrogates, datasets, labels)
    parts += render.agreement_section(*agreement_means(agree), reference)
    if len(surrogates) > 1:
        matrix = method_agreement(means, surrogates, datasets, NAME)
        write_csv(matrix, out / "method_agreement.csv")
        squares = agreement_squares(matrix)
        section = render.method_agreement_section(matrix, squares)
        atomic_write_text(out / "method_agreement.md", "\n".join(section))  # the reproduction report's methods section
        parts += section
        render.agreement_heatmaps(squares, out / "method_agreement.png")
    if len(datasets) > 1:
        parts += _across_tasks(importances, surrogates, reference, labels, out)
    claims = []
    if paper_pairs and reference in ebm_surrogates(rows):
        claims = paper.claims({d: means[reference, d] for d in paper_pairs if (reference, d) in means})
    claims_text = write_claims(claims, out, title=f"The paper's case-study claims, checked on {reference} (seed mean)")
    if claims_text:
        parts += ["#" + claims_text]  # a section of the summary
    parts += render.method_section(means, surrogates, datasets[0], paper.METHOD_CITE if paper_run else "")
    parts += explain_sample_note(rows).splitlines()
    text = "\n".join(parts)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return fit


def _across_tasks(importances: pd.DataFrame, surrogates: list[str], reference: str, labels: dict, out: Path) -> list[str]:
    """Each hyperparameter's importance share over the tables: CSV, box plots and the markdown section."""
    shares = across_tasks.importance_shares(importances[importances["surrogate"].isin(surrogates)])
    over = across_tasks.over_tasks(shares)
    write_csv(over, out / f"{render_tasks.FILE}.csv")
    names = {f: label for per_table in labels.values() for f, label in per_table.items()}
    render_tasks.figure(shares, over, surrogates, reference, names, out / f"{render_tasks.FILE}.png")
    return render_tasks.section(over, surrogates, reference, names, shares["dataset"].nunique())


EXPERIMENT = ModuleExperiment(
    "interpret", "Interpretation case study (paper §4, Figures 2–4)", KEYS, run, summarise, TABLES,
)
