"""Trade-offs between objectives (issue #15): Pareto fronts, hypervolume, and what drives and trades each objective.

Per table, its objectives are ``data.targets`` (the NMT tables: dev BLEU, decode time, parameter count; a
user's table: the score columns listed; an Optuna study: the objectives listed), the first set against each
other one. Every surrogate is fitted on all rows (as in ``interpret``) to each objective in its own direction
and unit, and to the trade and gain axes of each front (``harness.analysis.tradeoff`` says what they are);
the explanations' main-term importances say which hyperparameters drive each objective and which move a
configuration along the front. The fronts, hypervolumes and knees come from the table alone.

Writes ``metrics.csv`` (one row per fit), ``importances.csv``, and the table itself as tidy tables —
``objectives.csv`` (direction, unit), ``values.csv`` (every row's objective values), ``configs.csv`` (its
hyperparameters), ``features.csv`` (their labels) — so the summary (``fronts.csv``, ``drivers.csv``,
``trades.csv``, ``along_front.csv``, ``summary.md``, ``tradeoff_<table>.png``) is made from those alone.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import tradeoff as analysis
from harness.analysis.interpret import feature_labels
from harness.analysis.summary import reference_surrogate
from harness.cells import Cell, Eval, run_cells
from harness.data.dataset import Dataset
from harness.data.objectives import Objective, objectives_of, retarget, table_name, targets_of
from harness.errors import ConfigError
from harness.experiments.base import ModuleExperiment
from harness.experiments.common import datasets_of
from harness.render import tradeoff as render
from harness.results import atomic_write_text, read_table, refuse_duplicates, write_csv

log = logging.getLogger("harness")

NAME = "tradeoff"
KEYS = ["experiment", "dataset", "axis", "objective", "versus", "surrogate", "seed", "eval_on"]
TABLES = ("metrics", "importances", "objectives", "values", "configs", "features")


def objectives_for(ds: Dataset) -> list[Objective]:
    """The table's objectives for this experiment: ``data.targets``, at least two."""
    chosen = targets_of(ds)
    if len(chosen) < 2:
        raise ConfigError(f"data.targets: the tradeoff experiment needs at least two objectives of table "
                          f"{table_name(ds)}, got {[o.name for o in chosen]}; known objectives: "
                          f"{', '.join(objectives_of(ds))} (e.g. data.targets=[a,b])")
    return chosen


def fits_of(ds: Dataset) -> list[tuple[dict, Dataset]]:
    """(row keys, table to fit) for each objective, then the trade and gain axes of each front."""
    chosen = objectives_for(ds)
    out = [({"axis": "objective", "objective": o.name, "versus": ""}, retarget(ds, o.name, "data.targets"))
           for o in chosen]
    first = chosen[0]
    for other in chosen[1:]:
        out += [({"axis": kind, "objective": first.name, "versus": other.name},
                 analysis.axis_table(ds, first, other, kind)) for kind in analysis.AXES]
    return out


def cells_of(setup) -> tuple[list[Cell], dict[str, Dataset], dict[str, Dataset]]:
    """One cell per (table, fitted target, seed, surrogate), trained and scored on every row it holds."""
    datasets = datasets_of(setup)
    specs, seeds = setup.surrogates, setup.seeds
    cells, fitted = [], {}
    for ds in datasets.values():
        for keys, table in fits_of(ds):
            fitted[table.name] = table
            rows = tuple(range(len(table)))
            on_train = Eval(dataset=table.name, rows=rows, keys=(("eval_on", "train"),))
            cells += [Cell(keys=(("experiment", NAME), ("dataset", table_name(ds)), *keys.items()), train=table.name,
                           train_rows=rows, surrogate=spec, seed=seed, evals=(on_train,), explain=True)
                      for seed in seeds for spec in specs]
    return cells, datasets, fitted


def table_frames(datasets: dict[str, Dataset]) -> dict[str, pd.DataFrame]:
    """The tables themselves as tidy frames: objectives (direction, unit), values, hyperparameters, labels."""
    objectives, values, configs, features = [], [], [], []
    for ds in datasets.values():
        base = {"experiment": NAME, "dataset": table_name(ds)}
        for position, o in enumerate(objectives_for(ds)):
            column = pd.to_numeric(ds.column(o.name), errors="coerce").dropna()
            objectives.append({**base, "objective": o.name, "position": position, "label": o.display,
                               "unit": o.unit, "maximize": o.maximize, "n_rows": len(column)})
            values.append(pd.DataFrame({**base, "row": column.index, "objective": o.name, "value": column.to_numpy()}))
        n, names = ds.X.shape[0], list(ds.X.columns)
        configs.append(pd.DataFrame({**base, "row": np.repeat(np.arange(n), len(names)), "feature": names * n,
                                     "value": ds.X.to_numpy(dtype=object).ravel()}))
        features.append(pd.DataFrame([{**base, "feature": f.name, "label": f.display} for f in ds.schema]))
    return {"objectives": pd.DataFrame(objectives), "values": pd.concat(values, ignore_index=True),
            "configs": pd.concat(configs, ignore_index=True), "features": pd.concat(features, ignore_index=True)}


def run(setup):
    opts = setup.run
    cells, datasets, fitted = cells_of(setup)
    result = run_cells(cells, fitted, opts, label=NAME)
    out = opts.output_dir
    write_csv(result.rows, out / "metrics.csv")
    parts = []
    for c in cells:
        record = result.interpretation(c)
        if record is not None:  # a failed fit: its metrics row says why
            parts.append(record.frames(**c.key_dict, seed=c.seed)["importances"].assign(method=record.method))
    write_csv(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(), out / "importances.csv")
    for name, frame in table_frames(datasets).items():
        write_csv(frame, out / f"{name}.csv")
    log.info("tradeoff: %d fits (%d computed, %d cached) in %.1f s; wrote %s",
             len(cells), result.computed, result.cached, result.wall_seconds, out)
    return EXPERIMENT.finish(result.rows, opts, **{name: read_table(out / f"{name}.csv") for name in TABLES[1:]})


def summarise(rows: pd.DataFrame, out: Path, importances=None, objectives=None, values=None, configs=None,
              features=None) -> pd.DataFrame:
    """Fronts, hypervolumes, drivers and trades, their figures and markdown, from the tidy tables only."""
    refuse_duplicates(rows, KEYS, "tradeoff metrics")
    # every job of a multirun writes the same table frames: keep one copy
    objectives, values, configs, features = (f.drop_duplicates(ignore_index=True)
                                              for f in (objectives, values, configs, features))
    objectives = objectives.assign(unit=objectives["unit"].astype(object).fillna(""))  # "" reads back as missing
    front, members = analysis.fronts(values, objectives)
    along = analysis.along_front(members, configs)
    for name, frame in (("fronts", front), ("along_front", along)):
        write_csv(frame, out / f"{name}.csv")
    parts = [render.TITLE, *render.objectives_section(objectives), *render.fronts_section(front, objectives)]
    ok = rows[rows["status"] == "ok"]
    if importances is None or not len(importances) or not len(ok):
        atomic_write_text(out / "summary.md", "\n".join(parts + ["No fit was explained (every fit failed).\n"]))
        return front
    means = analysis.main_means(importances)
    reference = reference_surrogate(rows, list(dict.fromkeys(means["surrogate"])))
    drive, trade = analysis.drivers(means), analysis.trades(means)
    write_csv(drive, out / "drivers.csv")
    write_csv(trade, out / "trades.csv")
    labels = feature_labels(features)
    parts += render.fit_section(analysis.fit_r2(rows), reference)
    parts += render.drivers_section(drive, objectives, reference, labels, analysis.same_top_driver(drive, reference))
    parts += render.trades_section(trade, along, reference, labels)
    for d in objectives["dataset"].unique():
        render.figure(d, analysis.objective_values(values, d), objectives, members, drive, trade, reference,
                      labels.get(d, {}), out)
    text = "\n".join(parts)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return front


EXPERIMENT = ModuleExperiment(
    NAME, "Beyond the paper: trade-offs between objectives (BLEU against decode time and model size)", KEYS, run, summarise, TABLES,
)
