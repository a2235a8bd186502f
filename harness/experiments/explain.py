"""Explain one finished HPO run: ``python -m harness explain PATH`` (or ``+experiment=explain data=...``).

Every surrogate listed is fitted once on all rows of the run's table and explained by its own method (EBM's terms,
fANOVA's variance shares, permutation importance, PED-ANOVA …), its ablation path from a reference configuration to
the best one predicted on the same fit (``harness.explainers.ablation``); once more on held-out rows (the split, or
k folds) to measure how well it predicts what it did not see. All of it goes through the cell engine, so a rerun of
an unchanged run computes nothing.

The run writes the tidy tables (``metrics``, ``importances``, ``shapes``, ``interactions``, ``ablation``, ``best``,
``space``, ``next_space``, ``sampling``, ``holdout``, ``trust``, ``features``) and ``explain.json`` (the source's
facts and the page's settings); the summary turns them into ``explain.md``, the figures, the next search space as
files its tool loads, and ``explain.html``, one self-contained page (``harness.render.explain``).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import importance, sampling, search_space, trust
from harness.cells import Cell, Eval, cell_id, run_cells
from harness.data import configurations as configs
from harness.errors import ConfigError
from harness.experiments.base import Experiment, ExperimentResult
from harness.experiments.common import datasets_of, split_of
from harness.experiments.options import ExplainOptions
from harness.interpretation import Interpretation
from harness.results import read_table, write_csv, write_json
from harness.seeds import Stream, rng
from harness.timing import stage

log = logging.getLogger("harness")

NAME = "explain"
KEYS = ["experiment", "dataset", "surrogate", "seed", "eval_on", "fold"]
TABLES = ("metrics", "importances", "shapes", "interactions", "ablation", "best", "space", "next_space", "sampling",
          "holdout", "trust", "features")
FACTS = "explain.json"
ABLATION = "ablation"


def run(setup):
    opts, o = setup.run, setup.options
    with stage("load"):
        datasets = datasets_of(setup)
    if len(datasets) != 1:
        raise ConfigError(f"explain reads one run; data= gives {len(datasets)} tables ({', '.join(datasets)}): "
                          "point it at one (drop data.task, or name one NMT pair)")
    if len(setup.seeds) != 1:
        raise ConfigError(f"explain fits each surrogate once: give one seed (seed=0), got {list(setup.seeds)}")
    ds = next(iter(datasets.values()))
    names = [s.name for s in setup.surrogates]
    reference = o.reference or names[0]
    if reference not in names:
        raise ConfigError(f"reference={reference!r} is not among the surrogates ({', '.join(names)})")
    full, held = cells_of(setup, ds)
    result = run_cells(full + held, datasets, opts, label=NAME)
    out = opts.output_dir
    write_csv(result.rows, out / "metrics.csv")
    with stage("tables"):
        tables = {name: [] for name in ("importances", "shapes", "interactions")}
        paths = []
        for c in full:
            record = result.interpretation(c)
            if record is None:  # a failed fit or explanation: its metrics row says why
                continue
            frames = record.frames(experiment=NAME, seed=c.seed)
            frames["importances"]["method"] = record.method
            frames["importances"]["measure"] = record.measure
            for name in tables:
                tables[name].append(frames[name])
            path = result.interpretation(c, f"{c.surrogate.name}+{ABLATION}")
            if path is not None:
                paths.append(ablation_rows(c.surrogate.name, path))
        frames = {name: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
                  for name, parts in tables.items()}
        frames["ablation"] = pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(columns=ABLATION_COLUMNS)
        frames["best"] = best_table(ds, o.best)
        space = search_space.declared(ds, setup.data.kind)
        frames["space"] = space
        effects = importance.effects(frames["importances"], reference) if len(frames["importances"]) and (
            frames["importances"]["surrogate"] == reference).any() else None
        frames["next_space"] = (search_space.narrowed(ds, space, effects, o.good_fraction, o.negligible)
                                if effects is not None else pd.DataFrame(columns=search_space.NEXT_COLUMNS))
        frames["sampling"] = sampling.spread(ds)
        frames["holdout"] = trust.holdout(result.rows)
        frames["trust"] = trust.against_benchmark(len(ds), names)
        frames["features"] = pd.DataFrame({"dataset": ds.name, "feature": ds.schema.names,
                                           "label": [f.display for f in ds.schema]})
        for name, frame in frames.items():
            write_csv(frame, out / f"{name}.csv")
        write_json(facts(ds, setup, reference), out / FACTS)
    log.info("explain: %d fits (%d computed, %d cached) in %.1f s; wrote %s", len(full) + len(held), result.computed,
             result.cached, result.wall_seconds, out)
    return EXPERIMENT.finish(result.rows, opts, **{name: read_table(out / f"{name}.csv") for name in TABLES[1:]})


def cells_of(setup, ds) -> tuple[list[Cell], list[Cell]]:
    """The full-data cells (explained, with the ablation path) and the held-out cells (scored only)."""
    seed, rows = setup.seeds[0], tuple(range(len(ds)))
    keys = (("experiment", NAME), ("dataset", ds.name))
    on_train = Eval(dataset=ds.name, rows=rows, keys=(("eval_on", "train"), ("fold", 0)))
    full = [Cell(keys=keys, train=ds.name, train_rows=rows, surrogate=spec, seed=seed, evals=(on_train,), explain=True,
                 explainers=(ABLATION,)) for spec in setup.surrogates]
    held = []
    for fold, (train, test) in enumerate(folds(setup, ds), start=1):
        ev = Eval(dataset=ds.name, rows=tuple(int(i) for i in test), keys=(("eval_on", "holdout"), ("fold", fold)))
        held += [Cell(keys=keys, train=ds.name, train_rows=tuple(int(i) for i in train), surrogate=spec, seed=seed,
                      evals=(ev,)) for spec in setup.surrogates]
    return full, held


def folds(setup, ds) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, held-out rows) per fold: the split's, or k seeded folds of the rows."""
    k = setup.options.folds
    if k is None:
        split = split_of(setup, ds, setup.seeds[0])
        return [(split.train, split.test)]
    if k > len(ds):
        raise ConfigError(f"folds={k}: the run has {len(ds)} rows; give at most that many folds")
    perm = rng(setup.seeds[0], Stream.SPLIT).permutation(len(ds))
    parts = np.array_split(perm, k)
    return [(np.sort(np.concatenate(parts[:i] + parts[i + 1:])), np.sort(part)) for i, part in enumerate(parts)]


ABLATION_COLUMNS = ["surrogate", "step", "hyperparameter", "changed", "from", "to", "predicted", "change",
                    "reference_kind", "observed_best", "best_row"]


def ablation_rows(surrogate: str, record: Interpretation) -> pd.DataFrame:
    """One row per step of a surrogate's ablation path, step 0 the reference configuration's prediction."""
    a = record.extras["ablation"]
    common = {"surrogate": surrogate, "reference_kind": a["reference_kind"], "observed_best": a["observed_best"],
              "best_row": a["best_row"] + 1}
    rows = [{**common, "step": 0, "hyperparameter": "", "changed": "", "from": "", "to": "",
             "predicted": a["predicted_reference"], "change": np.nan}]
    rows += [{**common, "step": i, "hyperparameter": s["hyperparameter"], "changed": ", ".join(s["changed"]),
              "from": _values(s["from"]), "to": _values(s["to"]), "predicted": s["predicted"], "change": s["change"]}
             for i, s in enumerate(a["steps"], start=1)]
    return pd.DataFrame(rows, columns=ABLATION_COLUMNS)


def _values(config: dict) -> str:
    return "; ".join(f"{k}={'unset' if v is None else v}" for k, v in config.items())


def best_table(ds, k: int) -> pd.DataFrame:
    """The ``k`` best configurations: rank, row (from 1), score, what the source records beside them (runs averaged,
    trial number or id), and each hyperparameter's value ("" where unset)."""
    extras = [c for c in ("n_runs", "cost_std", "config_id", "number", "trial_id", "budget") if c in ds.extras]
    rows = []
    for rank, i in enumerate(configs.best_rows(ds, k), start=1):
        config = configs.of_row(ds, i)
        rows.append({"rank": rank, "row": i + 1, ds.target: float(ds.y.iloc[i]),
                     **{c: ds.extras[c].iloc[i] for c in extras},
                     **{h: "" if v is None else v for h, v in config.items()}})
    return pd.DataFrame(rows)


def facts(ds, setup, reference: str) -> dict:
    """What the page says of the source and of itself, beside the tidy tables."""
    o = setup.options
    return {
        "name": ds.name, "kind": setup.data.kind, "source": ds.source or ds.name, "rows": len(ds),
        "target": ds.target, "label": ds.label or ds.target, "unit": ds.unit, "maximize": ds.maximize,
        "dropped": dict(ds.dropped), "dropped_columns": list(ds.dropped_columns),
        "conditions": [{"features": list(c.features), "indicator": c.indicator, "condition": c.condition,
                        "active_rows": c.active_rows} for c in ds.conditions],
        "details": dict(ds.details), "has_defaults": bool(ds.defaults),
        "surrogates": [s.name for s in setup.surrogates], "reference": reference, "seed": setup.seeds[0],
        "folds": o.folds, "train_fraction": setup.split.train_fraction,
        "page": {"title": o.title or f"Explanation of {ds.name}", "pairs": o.pairs, "good_fraction": o.good_fraction,
                 "negligible": o.negligible},
    }


class Explain(Experiment):
    """The explain experiment; its summary ends with the self-contained page, built once every figure is drawn."""

    name = NAME
    title = "Explanation of one HPO run"
    keys = tuple(KEYS)
    tables = TABLES
    Options = ExplainOptions

    def run(self, setup) -> ExperimentResult:
        return run(setup)

    def summarise(self, rows: pd.DataFrame, out: Path, **tables: pd.DataFrame):
        from harness.render import explain as render

        return render.summary(rows, out, **tables)

    def finish(self, rows, opts, **tables) -> ExperimentResult:
        result = super().finish(rows, opts, **tables)
        from harness.render import explain as render

        with stage("page"):
            render.page(opts.output_dir)
        return result


EXPERIMENT = Explain()
