"""The experiment of docs/architecture.md's recipe 4: every surrogate fitted on all rows, its training MSE."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from harness.cells import Cell, Eval, run_cells
from harness.experiments.base import ModuleExperiment
from harness.experiments.common import datasets_of
from harness.experiments.options import TablesOptions
from harness.options import option
from harness.results import atomic_write_text, write_csv

KEYS = ["experiment", "dataset", "surrogate", "seed"]


@dataclasses.dataclass
class FitAllOptions(TablesOptions):
    digits: int = option(3, "significant digits of the summary", minimum=1)


def run(setup):
    datasets = datasets_of(setup)
    cells = [Cell(keys=(("experiment", "fit_all"), ("dataset", ds.name)), train=ds.name, train_rows=tuple(range(len(ds))),
                  surrogate=spec, seed=seed, evals=(Eval(ds.name, tuple(range(len(ds)))),))
             for ds in datasets.values() for seed in setup.seeds for spec in setup.surrogates]
    rows = run_cells(cells, datasets, setup.run, label="fit_all").rows
    write_csv(rows, setup.run.output_dir / "metrics.csv")
    return EXPERIMENT.finish(rows.assign(digits=setup.options.digits), setup.run)


def summarise(rows: pd.DataFrame, out: Path) -> pd.DataFrame:
    summary = rows.groupby(["dataset", "surrogate"], as_index=False)["mse"].mean()
    digits = int(rows["digits"].iloc[0])
    atomic_write_text(out / "summary.md", "\n".join(f"- {r.dataset} {r.surrogate}: training MSE {r.mse:.{digits}g}"
                                                    for r in summary.itertuples()) + "\n")
    return summary


EXPERIMENT = ModuleExperiment("fit_all", "Every surrogate on all rows", KEYS, run, summarise, options=FitAllOptions)
