"""Fidelity against a known truth: does an explanation say what actually generated the table?

On a synthetic table (``harness.synthetic``) the generating function is known, so each surrogate — an
EBM, a baseline or one of the field's importance methods (fANOVA, PED-ANOVA, MDI, permutation, SHAP), fitted
on all rows and explained as in the interpret experiment — is scored against the truth of those rows, in the
sense its importance measures (``harness.analysis.fidelity.sense_of``). ``grid`` says which tables:

* ``default`` or ``full`` (``harness.synthetic.table_grid``): per run seed, many tables each with its own
  **drawn** function (the draw's options from ``data.random``), sizes, noise levels and samplings dealt in a
  balanced design — the leaderboard of methods (``harness.analysis.leaderboard``); ``n_tables`` says how many;
* lists ``{n_rows, snr, sampling}``: every combination, on the one function ``data`` describes, a fresh table
  per run seed (the generator's seed is the run seed) — how size, noise and skew move one truth.

A sampled table is the first rows an HPO method visits in a pool. The run seed seeds the fits. Tables are
named by their settings, described in ``tables.md`` / ``tables.csv``. Every fit is also scored on
``test_rows`` fresh uniform rows of the same function (``sample_rows``, a seed derived from the table's)
against the noise-free signal: ``r2`` says how much of the true function it recovered. Scores:
``harness.analysis.fidelity``; figures and markdown: ``harness.render.fidelity`` / ``leaderboard``.

``explainers`` (a mapping surrogate -> more explainers by name, e.g. ``{ebm_fast: [top_gamma]}``) reads a surrogate's
fit with more explainers, each scored as a method of its own, ``<surrogate>+<explainer>`` (metrics rows copied from the
fit's, with the explainer's own seconds): one fit, several explanations. Every record's intervals and settled
orderings are scored against the truth in its own sense (``harness.analysis.fidelity.interval_scores``).
"""
from __future__ import annotations

import hashlib
import json
import logging
from itertools import product
from pathlib import Path

import pandas as pd

from harness.analysis import fidelity as analysis
from harness.analysis import leaderboard
from harness.analysis.fidelity import GRID
from harness.analysis.summary import reference_surrogate
from harness.cells import Cell, Eval, cell_id, run_cells
from harness.config import as_list
from harness.data.dataset import Dataset
from harness.synthetic import TARGET, describe, generate, sample_rows, table_grid, true_function, truth_of
from harness.synthetic.grid import GRIDS
from harness.synthetic.truth import GAMMA
from harness.errors import ConfigError
from harness.experiments.base import ModuleExperiment
from harness.interpretation import Interpretation
from harness.interpretation.scoring import DEFAULT_THRESHOLD, shape_errors
from harness.hpo import sampler
from harness.render import fidelity as render
from harness.render import leaderboard as board_render
from harness.results import atomic_write_text, read_table, refuse_duplicates, write_csv
from harness.seeds import Stream, derive

log = logging.getLogger("harness")

NAME = "fidelity"
KEYS = ["experiment", "dataset", "surrogate", "seed", *GRID]
TABLES = ("metrics", "scores", "shape_errors", "importances", "shapes", "tables")
SAMPLING_COST = {"bo": 2, "gb": 1, "tpe": 1}  # relative cost of generating a table by sampling (BO orders take longest)


# ---------------------------------------------------------------- the tables


def settings_of(setup) -> list[tuple[dict, int, dict]]:
    """(grid point, run seed, generator settings) of every table: a named grid's drawn tables, or every combination."""
    grid, data = setup.options.grid, setup.data.as_dict()
    if data.get("kind") != "synthetic":
        raise ConfigError("fidelity needs a synthetic table with a known truth: run it with data=synthetic "
                          f"(got data.kind={data.get('kind')!r})")
    if isinstance(grid, str):
        if grid not in GRIDS:
            raise ConfigError(f"grid={grid!r} is unknown: name one of {', '.join(GRIDS)}, or give lists of {', '.join(GRID)}")
        n, random = setup.options.n_tables, data.get("random") if data.get("schema") == "random" else None
        return [({k: s[k] for k in GRID}, seed, {**s, "maximize": data.get("maximize", True)})
                for seed in setup.seeds for s in table_grid(seed, grid, n_tables=n, random=random)]
    grid = grid or {}
    if not isinstance(grid, dict) or set(grid) - set(GRID):
        raise ConfigError(f"grid: expected {' or '.join(GRIDS)}, or lists of {', '.join(GRID)}; got {grid!r}")
    values = [as_list(grid.get(k)) or [data.get(k)] for k in GRID]
    points = [dict(zip(GRID, combo)) for combo in product(*values)]
    data["pool_size"] = setup.options.pool_size
    return [(p, seed, {**data, **p, "name": None, "seed": seed}) for seed in setup.seeds for p in points]


def test_table(train: Dataset, X: pd.DataFrame) -> Dataset:
    """Rows ``X`` scored by ``train``'s noise-free signal: how much of the true function a fit recovered.

    It records ``train``'s generator, so ``truth_of`` gives the truth over these uniform rows: the global truth.
    """
    signal = true_function(train.generator)(X)
    digest = hashlib.sha256(json.dumps({"signal_of": train.fingerprint, "X": {c: X[c].tolist() for c in X}}).encode())
    return Dataset(name=f"{train.name}-test", X=X, y=pd.Series(signal, name=TARGET), schema=train.schema,
                   maximize=train.maximize, fingerprint=digest.hexdigest(),
                   generator=train.generator, details={"signal_of": train.name})


def tables_of(setup) -> list[tuple[dict, int, Dataset, Interpretation, Dataset]]:
    """(grid point, seed, table, truth, test table) for every table, over ``opts.n_jobs`` cores.

    Tables that differ only in ``n_rows`` are prefixes of one HPO order of one pool, so each such group is
    one task: the order (seconds for BO) is computed once and read from the order cache for the others.
    """
    from joblib import Parallel, delayed

    opts, test_rows = setup.run, setup.options.test_rows
    made = settings_of(setup)
    groups: dict[str, list[int]] = {}
    for i, (_, _, settings) in enumerate(made):
        groups.setdefault(json.dumps({k: v for k, v in settings.items() if k != "n_rows"}, sort_keys=True), []).append(i)
    slowest_first = sorted(groups.values(), key=lambda idx: SAMPLING_COST.get(made[idx[0]][2]["sampling"], 0), reverse=True)
    order = sampler(opts.cache, opts.cache_dir)
    tasks = (delayed(_group_tables)([made[i][2] for i in idx], test_rows, order) for idx in slowest_first)
    with Parallel(n_jobs=max(1, min(opts.n_jobs, len(groups))), batch_size=1) as par:
        results = par(tasks)
    tables = {i: table for idx, group in zip(slowest_first, results) for i, table in zip(idx, group)}
    return [(point, seed, *tables[i]) for i, (point, seed, _) in enumerate(made)]


def _group_tables(group: list[dict], test_rows: int, order) -> list[tuple[Dataset, Interpretation, Dataset]]:
    """The tables of one function and pool; one set of fresh uniform test rows of that function for all."""
    X_test = sample_rows(group[0], test_rows, derive(int(group[0]["seed"]), Stream.FIDELITY_TEST))
    out = []
    for settings in group:
        ds, truth = generate(settings, order)
        out.append((ds, truth, test_table(ds, X_test)))
    return out


def extra_explainers(extra: dict, specs) -> dict[str, tuple[str, ...]]:
    """``explainers``: surrogate -> the names of the more explainers its fits are read with (surrogates not run
    are left out)."""
    names = {s.name for s in specs}
    return {k: tuple(v) for k, v in extra.items() if k in names}


def cells_of(setup):
    tables = tables_of(setup)
    specs = setup.surrogates
    extra = extra_explainers(setup.options.explainers, specs)
    datasets, cells = {}, []
    for point, seed, ds, _, test in tables:
        datasets[ds.name], datasets[test.name] = ds, test
        ev = Eval(dataset=test.name, rows=tuple(range(len(test))))
        keys = (("experiment", NAME), ("dataset", ds.name), *point.items())
        cells += [Cell(keys=keys, train=ds.name, train_rows=tuple(range(len(ds))), surrogate=spec, seed=seed, evals=(ev,),
                       explain=True, explainers=extra.get(spec.name, ())) for spec in specs]
    return cells, datasets, tables


def labelled_rows(result, cells) -> pd.DataFrame:
    """The metrics rows, and for each extra explainer of a cell a copy of its rows as the method ``<surrogate>+<name>``
    with that explainer's own seconds (and, where it failed, its reason as the method's own)."""
    parts = [result.rows]
    for c in cells:
        cid = result.ids[c]
        mine = result.rows[result.rows["cell_id"] == cid[:16]]
        for label in c.explainer_labels()[1:]:
            why = [r for r in str(mine["reason"].iloc[0] if len(mine) else "").split("; ") if r.startswith(f"not explained by {label}:")]
            parts.append(mine.assign(surrogate=label, explain_seconds=result.explain_seconds.get(cid, {}).get(label, float("nan")),
                                     reason=why[0].replace(f" by {label}:", ":") if why else ""))
    return pd.concat(parts, ignore_index=True)


def bands_of(setup, tables) -> dict:
    """Each table size -> its size band's least size (``size_bands``: the edges where a band starts; null: one per size)."""
    edges = setup.options.size_bands
    return leaderboard.size_bands([t[0]["n_rows"] for t in tables], None if edges is None else list(edges))


def run(setup):
    opts, threshold = setup.run, setup.options.pair_threshold
    cells, datasets, tables = cells_of(setup)
    band = bands_of(setup, tables)
    result = run_cells(cells, datasets, opts, label=NAME)
    out = opts.output_dir
    made = {ds.name: (ds, truth, test) for _, _, ds, truth, test in tables}
    truths: dict[tuple[str, str, float], tuple[Interpretation, Interpretation]] = {}

    def truth_in(name: str, sense: str, gamma: float = GAMMA) -> tuple[Interpretation, Interpretation]:
        """The table's truth and the global one (over the test rows), in ``sense``; each computed once (a local truth
        depends on the generator alone: both are the same)."""
        if (name, sense, gamma) not in truths:
            ds, truth, test = made[name]
            table = truth if sense == "mean" else truth_of(ds, sense=sense, gamma=gamma)
            truths[name, sense, gamma] = (table, table if sense == "local" else truth_of(test, sense=sense))
        return truths[name, sense, gamma]

    scores, errors, frames = [], [], {"importances": [], "shapes": []}
    for c, label in ((c, label) for c in cells for label in c.explainer_labels()):
        d = result.records.get(cell_id(c, datasets), {}).get(label)
        if d is None:  # a failed fit or explanation: its metrics row says why
            continue
        record, point = Interpretation.from_dict(d), {k: c.key_dict[k] for k in GRID}
        sense, scored_on = analysis.sense_of(record.measure, record.sense)
        gamma = analysis.gamma_of(record.measure)
        truth, overall = truth_in(c.train, sense, gamma)
        keys = {"experiment": NAME, "dataset": c.train, "surrogate": label, "seed": c.seed, **point}
        scores.append({**keys, "size_band": band[point["n_rows"]], **analysis.fit_scores(truth, overall, record, threshold),
                       **analysis.interval_scores(truth_in(c.train, analysis.matching_truth(record), gamma)[0], record)})
        if scored_on == "all":
            errors.append(shape_errors(truth, record).assign(**keys, truth_sense=sense))
        for name, f in record.frames(experiment=NAME, seed=c.seed, **point).items():
            if name in frames:
                frames[name].append(f)
    for point, seed, ds, _, _ in tables:  # the truths scored against: "truth" (mean |term| on the rows), "truth_fanova", …
        for sense, gamma in sorted({(s, g) for (n, s, g) in truths if n == ds.name} | {("mean", GAMMA)}):
            rec = truth_in(ds.name, sense, gamma)[0]
            rec.surrogate = "truth" if sense == "mean" else f"truth_{sense}" + (f"{gamma:g}" if gamma != GAMMA else "")
            for name, f in rec.frames(experiment=NAME, seed=seed, **point).items():
                if name in frames:
                    frames[name].append(f)
    described = pd.DataFrame([{"experiment": NAME, "dataset": ds.name, "seed": seed, **point,
                               "fingerprint": ds.fingerprint, "settings": json.dumps(ds.generator, sort_keys=True),
                               "description": describe(ds)} for point, seed, ds, _, _ in tables])
    write_csv(labelled_rows(result, cells), out / "metrics.csv")
    tidy = {"scores": pd.DataFrame(scores), "tables": described,
            "shape_errors": _lead(pd.concat(errors, ignore_index=True)) if errors else pd.DataFrame(),
            **{name: _lead(pd.concat(parts, ignore_index=True)) for name, parts in frames.items()}}
    for name, frame in tidy.items():
        write_csv(frame, out / f"{name}.csv")
    log.info("fidelity: %d fits on %d tables (%d computed, %d cached) in %.1f s; wrote %s",
             len(cells), len(tables), result.computed, result.cached, result.wall_seconds, out)
    # Read back what was written, so a single run is summarised exactly as harness.aggregate summarises a multirun.
    return EXPERIMENT.finish(read_table(out / "metrics.csv"), opts,
                  **{name: read_table(out / f"{name}.csv") if len(frame) else frame for name, frame in tidy.items()})


def _lead(df: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in KEYS if c in df.columns]
    return df[[*first, *[c for c in df.columns if c not in first]]]


def summarise(rows: pd.DataFrame, out: Path, scores=None, shape_errors=None, importances=None, shapes=None,
              tables=None) -> pd.DataFrame:
    """Means per grid point, the leaderboard over tables, figures, the tables' descriptions."""
    refuse_duplicates(rows, KEYS, "fidelity metrics")
    scored = analysis.scored_fits(rows, scores)
    summary = analysis.grid_summary(scored)
    write_csv(summary, out / "summary.csv")
    setting = analysis.reference_setting(summary) if analysis.is_factorial(summary) else None
    if setting is not None:  # the grid's figures need every combination
        render.figures(summary, out)
        if importances is not None and len(importances) and shapes is not None:
            render.shape_figure(analysis.first_seed_records(importances, shapes, setting), out)
    board = _leaderboard(rows, scored, out)
    if tables is not None and len(tables):
        atomic_write_text(out / "tables.md", render.tables_markdown(tables))
    threshold = scores["pair_threshold"].iloc[0] if scores is not None and len(scores) else DEFAULT_THRESHOLD
    text = render.document(analysis.summary_means(scored), summary, setting, tables, threshold, board)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


def _leaderboard(rows: pd.DataFrame, scored: pd.DataFrame, out: Path) -> str:
    """leaderboard.csv / leaderboard_by_size.csv / paired.csv / verdicts.csv, leaderboard.md and its figures; the
    markdown ("" without a successful fit)."""
    fits = leaderboard.fits_of(scored)
    if not len(fits):
        return ""
    reference = reference_surrogate(rows, leaderboard.methods_of(fits))
    frames = leaderboard.board(fits, reference, int(rows["seed"].min()))
    for name, frame in frames.items():
        write_csv(frame.assign(experiment=NAME)[["experiment", *frame.columns]], out / f"{name}.csv")
    board_render.figures(frames["leaderboard"], frames["leaderboard_by_size"], out)
    judged = frames["paired"].assign(outcome=leaderboard.outcomes(frames["paired"]))
    text = board_render.document(frames["leaderboard"], judged, frames["verdicts"], reference, fits,
                                 analysis.method_senses(scored), leaderboard.unexplained(scored),
                                 frames.get("leaderboard_by_sampling"), frames.get("honesty"))
    atomic_write_text(out / "leaderboard.md", text)
    return text


EXPERIMENT = ModuleExperiment(
    "fidelity", "Fidelity on synthetic tables with known truth: the leaderboard of importance methods", KEYS, run, summarise, TABLES,
)
