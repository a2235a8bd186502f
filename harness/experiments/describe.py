"""First contact with the data: size, target range and value counts of every table."""
from __future__ import annotations

import logging

import pandas as pd

from harness.experiments.base import ExperimentResult, ModuleExperiment
from harness.experiments.common import datasets_of
from harness.results import write_csv
from harness.text import fmt_value
from harness.timing import stage

log = logging.getLogger("harness")


def describe(ds) -> pd.DataFrame:
    """Tidy rows: one per (dataset, feature, value) plus a target summary per dataset."""
    rows = [
        {
            "dataset": ds.name,
            "feature": ds.target,
            "value": stat,
            "count": len(ds),
            "stat": float(getattr(ds.y, stat)()),
        }
        for stat in ("min", "mean", "max")
    ]
    for f in ds.schema:
        counts = ds.X[f.name].value_counts().sort_index()
        rows += [
            {"dataset": ds.name, "feature": f.name, "value": v, "count": int(c), "stat": float("nan")}
            for v, c in counts.items()
        ]
    return pd.DataFrame(rows)


def run(setup):
    opts = setup.run
    datasets = list(datasets_of(setup).values())
    with stage("summary"):
        table = pd.concat([describe(ds) for ds in datasets], ignore_index=True)
    write_csv(table, opts.output_dir / "describe.csv")
    lines = [f"{'dataset':8} {'rows':>5} {'target':>10} {'min':>8} {'mean':>6} {'max':>6}  value counts"]
    for ds in datasets:
        counts = "; ".join(
            f"{f.display} " + " ".join(f"{fmt_value(v)}:{c}" for v, c in ds.X[f.name].value_counts().sort_index().items())
            for f in ds.schema
        )
        lines.append(
            f"{ds.name:8} {len(ds):5d} {ds.target:>10} {ds.y.min():8.2f} {ds.y.mean():6.2f} {ds.y.max():6.2f}  {counts}"
        )
    lines.append(f"{'total':8} {sum(len(d) for d in datasets):5d}")
    text = "\n".join(lines)
    log.info("%s", text)
    log.info("wrote %s", opts.output_dir / "describe.csv")
    return ExperimentResult("describe", opts.output_dir, tables={"describe": table}, summary=table)


def summarise(rows, out, **tables):
    """The describe table is its own summary."""
    return rows


EXPERIMENT = ModuleExperiment(
    "describe", "The tables: rows, target range and value counts", ("dataset", "feature", "value"), run, summarise,
)
