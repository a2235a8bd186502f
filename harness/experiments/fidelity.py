"""Fidelity against a known truth: does a surrogate's explanation say what actually generated the table?

On a real HPO table explanations can only be compared with each other. On a
synthetic one (``harness.data.synthetic``) the generating function is known,
so each surrogate — fitted on all rows of the table, explained as in the
interpret experiment — is scored against the truth of those rows (``score``).
The grid varies the table's size (``n_rows``), its noise (``snr``) and its
skew (``sampling``: uniform, or the first rows an HPO method visits in a
pool of ``data.pool_size``); every other generator setting comes from
``data``. Each run seed is a fresh table (the generator's seed is the run
seed) and seeds the fits. Tables are named by their settings
(``data.name`` is ignored), described in ``tables.md`` and ``tables.csv``.

Prediction quality is recorded beside fidelity: every fit is scored on
``test_rows`` fresh uniform rows (drawn with a seed derived from the run
seed) against the table's noise-free signal f(X), so ``r2`` says how much of
the true function the surrogate recovered, wherever the table's rows lay.

This module makes the tables and fits; the scores and their means are
``harness.analysis.fidelity``'s, the figures and markdown
``harness.render.fidelity``'s.
"""
from __future__ import annotations

import hashlib
import json
import logging
from itertools import product
from pathlib import Path

import pandas as pd

from harness.analysis import fidelity as analysis
from harness.analysis.fidelity import GRID
from harness.cells import Cell, Eval, cell_id, run_cells
from harness.config import as_list, seeds_of, to_plain
from harness.data.dataset import Dataset
from harness.data.synthetic import TARGET, describe, generate, true_function, truth_of
from harness.errors import ConfigError
from harness.experiments.base import Experiment
from harness.experiments.common import specs_of
from harness.explanations import Interpretation
from harness.explanations.scoring import DEFAULT_THRESHOLD, shape_errors
from harness.hpo import sampler
from harness.render import fidelity as render
from harness.results import atomic_write_text, read_table, refuse_duplicates, write_csv
from harness.seeds import Stream, derive

log = logging.getLogger("harness")

NAME = "fidelity"
KEYS = ["experiment", "dataset", "surrogate", "seed", *GRID]
TABLES = ("metrics", "scores", "shape_errors", "importances", "shapes", "tables")
SAMPLING_COST = {"bo": 2, "gb": 1}  # relative cost of generating a table by sampling (BO orders take longest)


# ---------------------------------------------------------------- the tables


def grid_of(cfg) -> list[dict]:
    """Every combination of the grid's values, in the order given."""
    grid = to_plain(cfg.get("grid")) or {}
    unknown = sorted(set(grid) - set(GRID))
    if unknown:
        raise ConfigError(f"grid: unknown key(s) {', '.join(unknown)}; the grid varies {', '.join(GRID)}")
    data = to_plain(cfg.data)
    values = [as_list(grid.get(k)) or [data.get(k)] for k in GRID]
    return [dict(zip(GRID, combo)) for combo in product(*values)]


def test_table(train: Dataset, X: pd.DataFrame) -> Dataset:
    """Rows ``X`` scored by ``train``'s noise-free signal: how much of the true function a fit recovered.

    It records ``train``'s generator, so ``truth_of`` gives the truth over these uniform rows: the global truth.
    """
    signal = true_function(train.meta["generator"])(X)
    digest = hashlib.sha256(json.dumps({"signal_of": train.fingerprint, "X": {c: X[c].tolist() for c in X}}).encode())
    return Dataset(name=f"{train.name}-test", X=X, y=pd.Series(signal, name=TARGET), schema=train.schema,
                   maximize=train.maximize, fingerprint=digest.hexdigest(),
                   meta={"generator": train.meta["generator"], "signal_of": train.name})


def tables_of(cfg, opts) -> list[tuple[dict, int, Dataset, Interpretation, Dataset]]:
    """(grid point, seed, table, truth, test table) for every grid point and seed, over ``opts.n_jobs`` cores.

    The tables that differ only in ``n_rows`` are prefixes of one HPO order of one pool, so each such group
    is one task: the order (seconds for BO) is computed once and read from the order cache for the others.
    """
    from joblib import Parallel, delayed

    data = to_plain(cfg.data)
    if data.get("kind") != "synthetic":
        raise ConfigError("fidelity needs a synthetic table with a known truth: run it with data=synthetic "
                          f"(got data.kind={data.get('kind')!r})")
    test_rows = int(cfg.get("test_rows", 2000))
    points = grid_of(cfg)
    groups: dict[tuple, list[int]] = {}
    for seed in seeds_of(cfg):
        for i, point in enumerate(points):
            groups.setdefault((seed, *[(k, v) for k, v in point.items() if k != "n_rows"]), []).append(i)
    slowest_first = sorted(groups.items(), key=lambda g: SAMPLING_COST.get(points[g[1][0]]["sampling"], 0), reverse=True)
    order = sampler(opts.cache, opts.cache_dir)
    tasks = (delayed(_group_tables)(data, key[0], [points[i] for i in idx], test_rows, order) for key, idx in slowest_first)
    with Parallel(n_jobs=max(1, min(opts.n_jobs, len(groups))), batch_size=1) as par:
        results = par(tasks)
    made = {}
    for ((seed, *_), idx), tables in zip(slowest_first, results):
        made.update({(seed, i): table for i, table in zip(idx, tables)})
    return [(points[i], seed, *made[(seed, i)]) for seed in seeds_of(cfg) for i in range(len(points))]


def _group_tables(data: dict, seed: int, points: list[dict], test_rows: int, order) -> list[tuple[Dataset, Interpretation, Dataset]]:
    X_test = generate({**data, "name": None, "sampling": "uniform", "n_rows": test_rows, "seed": derive(seed, Stream.FIDELITY_TEST)})[0].X
    out = []
    for point in points:
        ds, truth = generate({**data, **point, "name": None, "seed": seed}, order)
        out.append((ds, truth, test_table(ds, X_test)))
    return out


def cells_of(cfg, opts):
    tables = tables_of(cfg, opts)
    specs = specs_of(cfg)
    datasets, cells = {}, []
    for point, seed, ds, _, test in tables:
        datasets[ds.name], datasets[test.name] = ds, test
        ev = Eval(dataset=test.name, rows=tuple(range(len(test))))
        keys = (("experiment", NAME), ("dataset", ds.name), *point.items())
        cells += [Cell(keys=keys, train=ds.name, train_rows=tuple(range(len(ds))), surrogate=spec, seed=seed, evals=(ev,),
                       explain=True) for spec in specs]
    return cells, datasets, tables


def run(cfg, opts):
    threshold = float(cfg.get("pair_threshold", DEFAULT_THRESHOLD))
    cells, datasets, tables = cells_of(cfg, opts)
    result = run_cells(cells, datasets, opts, label=NAME)
    out = opts.output_dir
    truths = {ds.name: (truth, truth_of(test)) for _, _, ds, truth, test in tables}
    scores, errors, frames = [], [], {"importances": [], "shapes": []}
    for point, seed, ds, truth, _ in tables:
        for name, f in truth.frames(experiment=NAME, seed=seed, **point).items():
            if name in frames:
                frames[name].append(f)
    for c in cells:
        d = result.interpretations.get(cell_id(c, datasets))
        if d is None:  # a failed fit: its metrics row says why
            continue
        record, (truth, overall) = Interpretation.from_dict(d), truths[c.train]
        keys = {"experiment": NAME, "dataset": c.train, "surrogate": c.surrogate.name, "seed": c.seed,
                **{k: c.key_dict[k] for k in GRID}}
        scores.append({**keys, **analysis.fit_scores(truth, overall, record, threshold)})
        errors.append(shape_errors(truth, record).assign(**keys))
        for name, f in record.frames(experiment=NAME, seed=c.seed, **{k: c.key_dict[k] for k in GRID}).items():
            if name in frames:
                frames[name].append(f)
    described = pd.DataFrame([{"experiment": NAME, "dataset": ds.name, "seed": seed, **point,
                               "fingerprint": ds.fingerprint, "settings": json.dumps(ds.meta["generator"], sort_keys=True),
                               "description": describe(ds)} for point, seed, ds, _, _ in tables])
    write_csv(result.rows, out / "metrics.csv")
    tidy = {"scores": pd.DataFrame(scores), "tables": described,
            "shape_errors": _lead(pd.concat(errors, ignore_index=True)) if errors else pd.DataFrame(),
            **{name: _lead(pd.concat(parts, ignore_index=True)) for name, parts in frames.items()}}
    for name, frame in tidy.items():
        write_csv(frame, out / f"{name}.csv")
    log.info("fidelity: %d fits on %d tables (%d computed, %d cached) in %.1f s; wrote %s",
             len(cells), len(tables), result.computed, result.cached, result.wall_seconds, out)
    # Read back what was written, so a single run is summarised exactly as harness.report summarises a multirun.
    return EXPERIMENT.finish(read_table(out / "metrics.csv"), opts,
                  **{name: read_table(out / f"{name}.csv") if len(frame) else frame for name, frame in tidy.items()})


def _lead(df: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in KEYS if c in df.columns]
    return df[[*first, *[c for c in df.columns if c not in first]]]


def summarise(rows: pd.DataFrame, out: Path, scores=None, shape_errors=None, importances=None, shapes=None,
              tables=None) -> pd.DataFrame:
    """Mean over seeds per surrogate and grid point, one table per surrogate, figures, the tables' descriptions."""
    refuse_duplicates(rows, KEYS, "fidelity metrics")
    scored = analysis.scored_fits(rows, scores)
    summary = analysis.grid_summary(scored)
    write_csv(summary, out / "summary.csv")
    setting = analysis.reference_setting(summary)
    render.figures(summary, out)
    if importances is not None and len(importances) and shapes is not None:
        render.shape_figure(analysis.first_seed_records(importances, shapes, setting), out)
    if tables is not None and len(tables):
        atomic_write_text(out / "tables.md", render.tables_markdown(tables))
    threshold = scores["pair_threshold"].iloc[0] if scores is not None and len(scores) else DEFAULT_THRESHOLD
    text = render.document(scored, summary, setting, tables, threshold)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


class Fidelity(Experiment):
    name = "fidelity"
    title = "Fidelity on synthetic tables with known truth"
    keys = tuple(KEYS)
    tables = TABLES

    def run(self, cfg, opts):
        return run(cfg, opts)

    def summarise(self, rows, out, **tables):
        return summarise(rows, out, **tables)


EXPERIMENT = Fidelity()
