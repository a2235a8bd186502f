"""Explain one finished HPO run: ``python -m harness explain PATH`` (or ``+experiment=explain data=...``).

Every surrogate listed is fitted once on all rows of the run's table and explained by its own method (EBM's terms,
fANOVA's variance shares, permutation importance, PED-ANOVA …), its ablation path from a reference configuration to
the best one predicted on the same fit (``harness.explainers.ablation``); once more on held-out rows (the split, or
k folds) to measure how well it predicts what it did not see. All of it goes through the cell engine, so a rerun of
an unchanged run computes nothing.

The run writes the tidy tables (``metrics``, ``importances``, ``shapes``, ``interactions``, ``ablation``, ``best``,
``space``, ``next_space``, ``sampling``, ``holdout``, ``trust``, ``features``) and ``explain.json`` (the source's
facts and the page's settings); the summary computes the page's numbers from them (``harness.analysis.explain_page``:
``summary.csv``, ``effects.csv``, ``orderings.csv``, ``agreement.csv``, ``shape_summary.csv``) and formats them into
``explain.md``, the figures, the next search space as files its tool loads, and ``explain.html``, one self-contained
page (``harness.render.explain``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis import explain_page, importance, sampling, search_space, trust
from harness.analysis.summary import every_surrogate_failed, surrogate_failures
from harness.cells import Cell, Eval, run_cells
from harness.data import configurations as configs
from harness.errors import ConfigError
from harness.experiments.base import Experiment, ExperimentResult
from harness.experiments.common import datasets_of, split_of
from harness.experiments.options import ExplainOptions
from harness.interpretation import Interpretation
from harness.render import drawing
from harness.render import failures as render_failures
from harness.results import atomic_write_text, read_table, write_csv, write_json
from harness.seeds import Stream, rng
from harness.timing import stage

log = logging.getLogger("harness")

NAME = "explain"
KEYS = ["experiment", "dataset", "surrogate", "seed", "eval_on", "fold"]
TABLES = ("metrics", "importances", "shapes", "interactions", "ablation", "best", "space", "next_space", "sampling",
          "holdout", "trust", "features")
FACTS = "explain.json"
ABLATION = "ablation"
RENDERED = ("best", "space", "ablation", "next_space", "sampling", "holdout", "trust")  # tables the page formats as
# they are (the rest reach it through harness.analysis.explain_page)


def run(setup):
    opts, o = setup.run, setup.options
    setup = setup.replace(surrogates=measured_over(setup.surrogates, o.over))
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
    key = run_key(setup, ds)
    if opts.cache and current(opts.output_dir, key):
        log.info("explain: unchanged since the page in %s was written (same run, options and code); nothing "
                 "recomputed", opts.output_dir)
        out = opts.output_dir
        return ExperimentResult(NAME, out, read_table(out / "metrics.csv"),
                                {name: read_table(out / f"{name}.csv") for name in TABLES[1:]},
                                read_table(out / "summary.csv"))
    drawing.warm(opts.n_jobs)  # past the unchanged check: a page found current draws nothing
    full, held, unfit = cells_of(setup, ds)
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
        frames["holdout"] = trust.holdout(result.rows, shared_models(setup.surrogates), ds.y.to_numpy(dtype=float),
                                          unfit)
        frames["trust"] = trust.against_benchmark(len(ds), names, concentrated=bool(sampling.concentrated(frames["sampling"])),
                                                  methods=benchmark_names(setup.surrogates))
        frames["features"] = pd.DataFrame({"dataset": ds.name, "feature": ds.schema.names,
                                           "label": [f.display for f in ds.schema]})
        for name, frame in frames.items():
            write_csv(frame, out / f"{name}.csv")
        write_json(facts(ds, setup, reference) | {"key": key}, out / FACTS)
    log.info("explain: %d fits (%d computed, %d cached) in %.1f s; wrote %s", len(full) + len(held), result.computed,
             result.cached, result.wall_seconds, out)
    return EXPERIMENT.finish(result.rows, opts, **{name: read_table(out / f"{name}.csv") for name in TABLES[1:]})


def measured_over(specs, over: str) -> tuple:
    """With ``over=space`` each surrogate its configuration reads with an additive explainer (EBM's terms, GAM,
    ridge) measures importance over configurations drawn from the declared search space, the global sense the page
    names, however the search sampled its rows (shapes stay on the rows); an explainer configured with its own
    ``over`` keeps it."""
    if over == "rows":
        return tuple(specs)
    from harness.explainers.base import AdditiveExplainer
    from harness.explainers.registry import as_config, make

    out = []
    for s in specs:
        config = as_config(s.explainer)
        if config and "over" not in config and isinstance(make(s.explainer), AdditiveExplainer):
            s = dataclasses.replace(s, explainer={**config, "over": over})
        out.append(s)
    return tuple(out)


def benchmark_names(specs) -> dict[str, str]:
    """A surrogate read the way an explainer preset reads it (``ebm`` over the space: ``ebm_space``) is that preset's
    reading of the surrogate in the benchmark (``ebm_quick+ebm_space``, as the fidelity experiment names its extra
    explainers)."""
    from harness.explainers.registry import preset_of

    return {s.name: f"{s.name}+{preset}" for s in specs if (preset := preset_of(s.explainer)) is not None}


MANIFEST = ".explain-manifest.json"
OWN = ("harness.log", "environment.json", "stages.json")  # the run's own files, not its outputs (and hidden ones:
# .hydra/, the folder's lock, the manifest)


def run_key(setup, ds) -> str:
    """Everything the page is a function of: the options, the surrogates (and their libraries' versions), seeds, split,
    the data's content and the harness's code."""
    from harness.experiments.reproduce import source_digest
    from harness.surrogates.registry import library_version

    blob = {"options": setup.options.as_dict(), "data": setup.data.as_dict(), "fingerprint": ds.fingerprint,
            "surrogates": [dataclasses.asdict(s) | {"version": library_version(s)} for s in setup.surrogates],
            "seeds": list(setup.seeds), "split": setup.split.as_dict(), "code": source_digest()}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def outputs(out: Path) -> dict[str, str]:
    """Every output file of a run folder (not the run's own log, config or timings) and its SHA-256."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] not in OWN and not p.relative_to(out).parts[0].startswith(".")}


def current(out: Path, key: str) -> bool:
    """Whether ``out`` holds the whole page of a run with this ``key``: its manifest's key, every file it lists
    unchanged."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("key") == key and manifest.get("files") == outputs(out)


def cells_of(setup, ds) -> tuple[list[Cell], list[Cell], dict[str, str]]:
    """The full-data cells (explained, with the ablation path), the held-out cells (scored only; one per model:
    methods that read the same model, as fANOVA, permutation and PED-ANOVA read one forest, share its fits), and why
    a model gets none (its folds leave fewer training rows than it fits on)."""
    seed, rows = setup.seeds[0], tuple(range(len(ds)))
    keys = (("experiment", NAME), ("dataset", ds.name))
    on_train = Eval(dataset=ds.name, rows=rows, keys=(("eval_on", "train"), ("fold", 0)))
    full = [Cell(keys=keys, train=ds.name, train_rows=rows, surrogate=spec, seed=seed, evals=(on_train,), explain=True,
                 explainers=(ABLATION,)) for spec in setup.surrogates]
    parts = folds(setup, ds)
    least = min(len(train) for train, _ in parts)
    models = [spec for spec in setup.surrogates if spec.name in shared_models(setup.surrogates)]
    unfit = {spec.name: f"not measured: its held-out fits would train on {least} rows, below its min_rows "
                        f"{spec.min_rows}" for spec in models if least < spec.min_rows}
    held = []
    for fold, (train, test) in enumerate(parts, start=1):
        ev = Eval(dataset=ds.name, rows=tuple(int(i) for i in test), keys=(("eval_on", "holdout"), ("fold", fold)))
        held += [Cell(keys=keys, train=ds.name, train_rows=tuple(int(i) for i in train), surrogate=spec, seed=seed,
                      evals=(ev,)) for spec in models if spec.name not in unfit]
    return full, held, unfit


def shared_models(specs) -> dict[str, list[str]]:
    """The first surrogate of each distinct model -> every surrogate fitting that model (the same estimator, seed
    and threads; only the explainer differs)."""
    groups: dict[str, list[str]] = {}
    for spec in specs:
        model = json.dumps({k: v for k, v in dataclasses.asdict(spec).items() if k not in ("name", "explainer")},
                           sort_keys=True, default=str)
        groups.setdefault(model, []).append(spec.name)
    return {names[0]: names for names in groups.values()}


SMALL = 100  # a run of at most this many rows gets 5-fold cross-validation by default: the split's test rows are few
AUTO_FOLDS = 5


def folds(setup, ds) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, held-out rows) per fold: k seeded folds of the rows, or the split's."""
    k = setup.options.folds
    if k is None and len(ds) <= SMALL:
        k = AUTO_FOLDS
    if k is None:
        split = split_of(setup, ds, setup.seeds[0])
        return [(split.train, split.test)]
    if k > len(ds):
        raise ConfigError(f"folds={k}: the run has {len(ds)} rows; give at most that many folds")
    perm = rng(setup.seeds[0], Stream.SPLIT).permutation(len(ds))
    parts = np.array_split(perm, k)
    return [(np.sort(np.concatenate(parts[:i] + parts[i + 1:])), np.sort(part)) for i, part in enumerate(parts)]


ABLATION_COLUMNS = ["surrogate", "step", "hyperparameter", "changed", "before", "after", "predicted", "change",
                    "reference_kind", "observed_best", "best_row"]


def ablation_rows(surrogate: str, record: Interpretation) -> pd.DataFrame:
    """One row per step of a surrogate's ablation path, step 0 the reference configuration's prediction."""
    a = record.extras["ablation"]
    common = {"surrogate": surrogate, "reference_kind": a["reference_kind"], "observed_best": a["observed_best"],
              "best_row": a["best_row"] + 1}
    rows = [{**common, "step": 0, "hyperparameter": "", "changed": "", "before": "", "after": "",
             "predicted": a["predicted_reference"], "change": np.nan}]
    rows += [{**common, "step": i, "hyperparameter": s["hyperparameter"], "changed": ", ".join(s["changed"]),
              "before": _values(s["from"], s["changed"]), "after": _values(s["to"], s["changed"]), "predicted": s["predicted"],
              "change": s["change"]}
             for i, s in enumerate(a["steps"], start=1)]
    return pd.DataFrame(rows, columns=ABLATION_COLUMNS)


def _values(config: dict, order: list[str]) -> str:
    """``name=value; ...`` in the step's order of change (a cached record's mapping comes back with its keys sorted)."""
    keys = [k for k in order if k in config] + [k for k in config if k not in order]
    return "; ".join(f"{k}={'unset' if config[k] is None else config[k]}" for k in keys)


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
        "models": shared_models(setup.surrogates),
        "folds": o.folds, "train_fraction": setup.split.train_fraction,
        "page": {"title": o.title or f"Explanation of {ds.name}", "pairs": o.pairs, "good_fraction": o.good_fraction,
                 "negligible": o.negligible},
    }


class Explain(Experiment):
    """The explain experiment; its summary ends with the self-contained page, built once every figure is drawn."""

    name = NAME
    title = "Explanation of one HPO run"
    warm_early = False  # an unchanged rerun draws nothing: run() starts the side processes past that check
    keys = tuple(KEYS)
    tables = TABLES
    Options = ExplainOptions

    def run(self, setup) -> ExperimentResult:
        return run(setup)

    def summarise(self, rows: pd.DataFrame, out: Path, **tables: pd.DataFrame):
        """The page's numbers (``harness.analysis.explain_page``), the frames a user may reuse as CSVs beside the
        page, then the page itself; returns the reference's effects (``summary.csv``; empty when it explained
        nothing)."""
        from harness.render import explain as render

        run_facts = json.loads((out / FACTS).read_text(encoding="utf-8"))
        page = explain_page.compute(run_facts, rows, **tables)
        if page.reference_explained:
            for name, frame in (("summary", page.effects), ("effects", page.method_effects),
                                ("orderings", page.orderings), ("agreement", page.agreement),
                                ("shape_summary", page.shapes)):
                write_csv(frame, out / f"{name}.csv")
        render.summary(page, run_facts, out, **{k: tables.get(k) for k in RENDERED})
        return page.effects if page.reference_explained else pd.DataFrame()

    def write_summary(self, rows: pd.DataFrame, out: Path, **tables: pd.DataFrame):
        """``summarise``, then the surrogates that failed (named, with their reason) at the end of explain.md."""
        from harness.render import explain as render

        failures = surrogate_failures(rows)
        if every_surrogate_failed(rows, failures):
            atomic_write_text(out / render.MARKDOWN, render_failures.nothing(self.title, failures))
            return failures
        summary = self.summarise(rows, out, **tables)
        if len(failures):
            render.failures_section(out, failures)
        return summary

    def finish(self, rows, opts, **tables) -> ExperimentResult:
        result = super().finish(rows, opts, **tables)
        from harness.render import explain as render

        with stage("page"):
            render.page(opts.output_dir)
        key = json.loads((opts.output_dir / FACTS).read_text(encoding="utf-8"))["key"]
        write_json({"key": key, "files": outputs(opts.output_dir)}, opts.output_dir / MANIFEST)
        return result


EXPERIMENT = Explain()
