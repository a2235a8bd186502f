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
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from harness.cells import Cell, Eval, cell_id, run_cells
from harness.config import as_list, seeds_of, to_plain
from harness.data.dataset import Dataset
from harness.data.synthetic import TARGET, describe, generate, true_function, truth_of
from harness.errors import ConfigError
from harness.analysis.summary import mean_std
from harness.experiments.base import Experiment
from harness.experiments.common import specs_of
from harness.explanations import Interpretation, records_of
from harness.explanations.scoring import DEFAULT_THRESHOLD, score, shape_errors
from harness.hpo import sampler
from harness.seeds import Stream, derive
from harness.render import stability as plots
from harness.render.interpret import shape_grid
from harness.results import atomic_write_text, refuse_duplicates, write_csv

log = logging.getLogger("harness")

NAME = "fidelity"
GRID = ("n_rows", "snr", "sampling")
KEYS = ["experiment", "dataset", "surrogate", "seed", *GRID]
TABLES = ("metrics", "scores", "shape_errors", "importances", "shapes", "tables")
TOP_K = 3
SAMPLING_COST = {"bo": 2, "gb": 1}  # relative cost of generating a table by sampling (BO orders take longest)
SCORES = ("spearman", "kendall", f"top{TOP_K}_overlap", "importance_error", "shape_nrmse", "shape_r_mean", "pair_precision",
          "pair_recall", "pair_hits_at_k", "global_spearman", "global_importance_error", "global_shape_nrmse")
LABELS = {"spearman": "Spearman ρ of importances vs truth", "kendall": "Kendall τ of importances vs truth",
          f"top{TOP_K}_overlap": f"top-{TOP_K} overlap with truth", "importance_error": "importance error (relative)",
          "shape_nrmse": "shape error (pooled nRMSE)",
          "shape_r_mean": "shape correlation with truth", "pair_precision": "pair precision", "pair_recall": "pair recall",
          "pair_hits_at_k": "true pairs among top-|true| pairs", "r2": "test R² vs noise-free signal"}


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
        scores.append({**keys, **score(truth, record, threshold), "pair_threshold": threshold,
                       **{f"global_{k}": v for k, v in score(overall, record, threshold).items() if f"global_{k}" in SCORES}})
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
    return EXPERIMENT.finish(pd.read_csv(out / "metrics.csv"), opts,
                  **{name: pd.read_csv(out / f"{name}.csv") if len(frame) else frame for name, frame in tidy.items()})


def _lead(df: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in KEYS if c in df.columns]
    return df[[*first, *[c for c in df.columns if c not in first]]]


# ---------------------------------------------------------------- summary


def summarise(rows: pd.DataFrame, out: Path, scores=None, shape_errors=None, importances=None, shapes=None,
              tables=None) -> pd.DataFrame:
    """Mean over seeds per surrogate and grid point, one table per surrogate, figures, the tables' descriptions."""
    refuse_duplicates(rows, KEYS, "fidelity metrics")
    on = ["dataset", "surrogate", "seed"]
    scored = (rows.assign(**dict.fromkeys(SCORES, np.nan)) if scores is None or not len(scores)
              else rows.merge(scores.drop(columns=[*GRID, "experiment"]), on=on, how="left"))
    by = ["surrogate", "sampling", "snr", "n_rows"]
    summary = mean_std(scored, by, metrics=[*SCORES, "r2"])
    write_csv(summary, out / "summary.csv")
    setting = _reference_setting(summary)
    parts = ["# Fidelity: surrogates' explanations scored against the known truth of synthetic tables\n",
             "## Reading\n", _reading(scored), "",
             f"## At one setting: {_setting_text(setting)} (mean ± std over seeds)\n",
             _setting_markdown(summary, setting), "",
             "## Over the whole grid (mean over every grid point and seed)\n", _overall_markdown(scored), "",
             "## Skew: mean over sizes and noise levels, by how the rows were sampled\n", _skew_markdown(scored), ""]
    sampling = {v: i for i, v in enumerate(dict.fromkeys(summary["sampling"]))}
    for sur, g in summary.groupby("surrogate", sort=False):
        g = g.sort_values(["sampling", "snr", "n_rows"], key=lambda c: c.map(sampling) if c.name == "sampling" else c)
        parts += [f"## {sur}: mean over seeds per grid point\n", _surrogate_markdown(g), ""]
    for metric in ("spearman", "importance_error", "shape_nrmse", "pair_recall", "r2"):
        plots.grid_curves(summary, metric, LABELS[metric], out / f"fidelity_{metric}.png",
                          title=f"{LABELS[metric]} vs table size (mean over seeds)")
    if importances is not None and len(importances) and shapes is not None:
        _shape_figure(importances, shapes, setting, out)
    if tables is not None and len(tables):
        text = "\n\n".join(f"- {d}\n\n  Settings: `{s}`" for d, s in zip(tables["description"], tables["settings"]))
        atomic_write_text(out / "tables.md", "# The generated tables\n\n" + text + "\n")
        seeds = tables["seed"].nunique()
        parts += ["## The tables\n",
                  f"{len(tables)} tables ({seeds} seeds × {len(tables) // max(seeds, 1)} grid points), each described in "
                  "tables.md with its complete settings (tables.csv: settings JSON; "
                  "`harness.data.synthetic.generate(json.loads(settings))` rebuilds it). The first:\n",
                  tables["description"].iloc[0], ""]
    threshold = scores["pair_threshold"].iloc[0] if scores is not None and len(scores) else DEFAULT_THRESHOLD
    parts.append(_method_note(threshold))
    text = "\n".join(parts)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


def _reference_setting(summary: pd.DataFrame) -> dict:
    """The most favourable size, the middle noise level, the first sampling listed: one setting to quote."""
    snrs = sorted(summary["snr"].unique())
    return {"n_rows": summary["n_rows"].max(), "snr": snrs[(len(snrs) - 1) // 2], "sampling": summary["sampling"].iloc[0]}


def _setting_text(s: dict) -> str:
    return f"n_rows = {s['n_rows']}, snr = {s['snr']:g}, sampling = {s['sampling']}"


def _at(summary: pd.DataFrame, s: dict) -> pd.DataFrame:
    return summary[(summary["n_rows"] == s["n_rows"]) & (summary["snr"] == s["snr"]) & (summary["sampling"] == s["sampling"])]


def _pm(r, col: str, digits: int = 2) -> str:
    mean, std = r.get(f"{col}_mean", np.nan), r.get(f"{col}_std", np.nan)
    if pd.isna(mean):
        return "–"
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if pd.notna(std) else f"{mean:.{digits}f}"


HEAD = ["Spearman", "Kendall", f"top-{TOP_K}", "imp. error", "shape nRMSE", "shape r", "pair prec.", "pair recall", "pair hits@k",
        "test R²"]
COLS = [*[c for c in SCORES if not c.startswith("global_")], "r2"]


def _setting_markdown(summary: pd.DataFrame, s: dict) -> str:
    lines = ["| surrogate | " + " | ".join(HEAD) + " |", "|" + "---|" * (len(HEAD) + 1)]
    for _, r in _at(summary, s).iterrows():
        lines.append(f"| {r['surrogate']} | " + " | ".join(_pm(r, c) for c in COLS) + " |")
    return "\n".join(lines)


def _overall_markdown(scored: pd.DataFrame) -> str:
    ok = scored[scored["status"] == "ok"]
    mean = ok.groupby("surrogate", sort=False)[COLS].mean()
    lines = ["| surrogate | " + " | ".join(HEAD) + " |", "|" + "---|" * (len(HEAD) + 1)]
    for s, r in mean.iterrows():
        lines.append(f"| {s} | " + " | ".join("–" if pd.isna(v) else f"{v:.2f}" for v in r) + " |")
    failed = scored[scored["status"] != "ok"].groupby("surrogate").size()
    if len(failed):
        lines.append("\nFailed fits (not averaged): " + ", ".join(f"{s} {n}" for s, n in failed.items()))
    return "\n".join(lines)


def _reading(scored: pd.DataFrame) -> str:
    """Per surrogate, in words: how its shapes and predictions move from uniform rows to each HPO-skewed sampling."""
    ok = scored[scored["status"] == "ok"]
    mean = ok.groupby(["surrogate", "sampling"], sort=False)[["shape_nrmse", "global_shape_nrmse", "r2"]].mean()
    samplings = list(dict.fromkeys(ok["sampling"]))
    base, skewed = samplings[0], samplings[1:]
    if not skewed:
        return f"Only {base} sampling ran: see the tables for the effect of size and noise."
    lines = [f"Mean over sizes, noise levels and seeds; shape error 0 = exact, 1 = no better than drawing no effect. "
             f"From {base} rows to {' / '.join(skewed)}:\n"]
    for sur in dict.fromkeys(ok["surrogate"]):
        def moved(col: str) -> str:
            return f"{mean.at[(sur, base), col]:.2f} → " + " / ".join(f"{mean.at[(sur, m), col]:.2f}" for m in skewed)
        lines.append(f"- **{sur}**: shape error against the truth of the rows it saw {moved('shape_nrmse')}, against the "
                     f"truth over the whole space {moved('global_shape_nrmse')}; test R² {moved('r2')}.")
    lines.append("\nWhere the first stays flat and the second grows, the explanation is faithful to the skewed rows but not "
                 "to the search space: on a sample an HPO method chose, part of an interaction shows up as main effect, and "
                 "values the method rarely visited are estimated from a few rows.")
    return "\n".join(lines)


def _skew_markdown(scored: pd.DataFrame) -> str:
    """Against the table's own truth and the global one: does skew mislead about the function, or only about the rows?"""
    ok = scored[scored["status"] == "ok"]
    cols = ["spearman", "global_spearman", "importance_error", "global_importance_error", "shape_nrmse", "global_shape_nrmse", "r2"]
    mean = ok.groupby(["surrogate", "sampling"], sort=False)[cols].mean()
    lines = ["| surrogate | sampling | Spearman (table / global) | imp. error (table / global) | shape nRMSE (table / global) "
             "| test R² |", "|---|---|---|---|---|---|"]
    for sur, m in product(dict.fromkeys(ok["surrogate"]), dict.fromkeys(ok["sampling"])):
        if (sur, m) not in mean.index:
            continue
        r = mean.loc[(sur, m)]
        lines.append(f"| {sur} | {m} | " + " | ".join(f"{r[a]:.2f} / {r[b]:.2f}" for a, b in zip(cols[:-1:2], cols[1:-1:2]))
                     + f" | {r['r2']:.2f} |")
    lines.append("\n*table*: against the truth of the rows the surrogate saw (on a skewed sample part of an interaction "
                 "becomes main effect: that is that table's truth); *global*: against the truth over fresh uniform rows, "
                 "what holds for the whole search space.")
    return "\n".join(lines)


def _surrogate_markdown(g: pd.DataFrame) -> str:
    head = ["sampling", "snr", "n_rows", *HEAD]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in g.iterrows():
        lines.append(f"| {r['sampling']} | {r['snr']:g} | {r['n_rows']} | "
                     + " | ".join("–" if pd.isna(r[f"{c}_mean"]) else f"{r[f'{c}_mean']:.2f}" for c in COLS) + " |")
    return "\n".join(lines)


def _shape_figure(importances: pd.DataFrame, shapes: pd.DataFrame, s: dict, out: Path) -> None:
    """Each surrogate's shapes over the truth's, at the quoted setting and the first seed."""
    imp = importances[(importances["n_rows"] == s["n_rows"]) & (importances["snr"] == s["snr"])
                      & (importances["sampling"] == s["sampling"])]
    if not len(imp):
        return
    imp = imp[imp["seed"] == imp["seed"].min()]
    records = records_of(imp, shapes[shapes["dataset"].isin(imp["dataset"].unique()) & (shapes["seed"] == imp["seed"].min())],
                         by=("surrogate", "dataset", "seed"))
    recs = list(records.values())
    truth = next((r for r in recs if r.surrogate == "truth"), None)
    if truth is None:
        return
    shape_grid(truth, [r for r in recs if r is not truth], {}, "target", out / "shapes_vs_truth.png",
               title=f"{truth.dataset}: each surrogate's shapes over the true ones (black)")


def _method_note(threshold: float) -> str:
    return "\n".join([
        "## How fidelity is scored\n",
        "Every surrogate is fitted on all rows of a table and explained as in the interpret experiment; the truth is the "
        "generating function decomposed on the same rows (`harness.data.synthetic.truth_of`).",
        "",
        "- **Ranking**: Spearman and Kendall τ-b of the single-feature importances with the true ones (features without a "
        "true effect tie at 0, so a perfect ranking of the others scores Kendall < 1); top-3 overlap. Rank correlations "
        "ignore size, and even a model of pure noise ranks features with more levels higher (here the null features "
        "have the fewest), so *imp. error* = Σ |importance − true importance| / Σ true importance over single features "
        "checks the sizes (0 = exact, 1 = e.g. all importances 0).",
        "- **Shapes**: per feature, both shapes re-centred to a row-weighted mean of 0 on the values both hold; "
        "RMSE of the difference weighted by rows, divided by the true shape's row-weighted RMS (nRMSE, per feature in "
        "shape_errors.csv). The summary's *shape nRMSE* pools all features: sqrt(Σ rmse²) / sqrt(Σ scale²), so a "
        "spurious effect of a feature without a true one counts as error. 0 = exact, 1 = as large as the truth itself "
        "(predicting no effect at all scores 1). *shape r*: mean Pearson correlation over features with a true effect and "
        "≥ 3 values.",
        f"- **Pairs**: a pair is detected when its importance ≥ {threshold:g} × the surrogate's largest single-feature "
        "importance (`pair_threshold`); precision and recall over the true pairs. Models without pair terms (ridge, the "
        "additive GAM) detect none: recall 0, precision undefined (–). *hits@k*: share of true pairs among the surrogate's "
        "top-k pair terms, k = number of true pairs (threshold-free).",
        "- **Test R²**: on fresh uniform rows of the same generator (another seed), against the noise-free signal f(X).",
        "",
    ])


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
