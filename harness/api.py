"""The public Python API: explain a table with glassbox surrogates, run an experiment.

Both go through the same machinery as the command line — the cell engine
(fits cached by content, cells over the cores) and the experiments'
registry — so a number computed from Python equals the CLI's.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from harness.cells import Cell, Eval, run_cells
from harness.config import RunOptions, compose, distinct, flag, integer
from harness.data.dataset import Dataset
from harness.errors import ConfigError, HarnessError
from harness.experiments.base import ExperimentResult
from harness.interpretation import Interpretation
from harness.seeds import check_seed
from harness.surrogates.registry import load_spec

log = logging.getLogger("harness")


class Explanation(Interpretation):
    """An :class:`~harness.interpretation.Interpretation` that can draw itself."""

    def plot(self, path: str | Path | None = None, top: int = 12):
        """Importance bars and every feature's shape in one figure; saved to ``path`` if given, else returned.

        Returns the matplotlib Figure (open, for a notebook) or the saved path.
        """
        from harness.render.record import record_figure

        return record_figure(self, path=path, top=top)


def as_dataset(data, target: str | None = None, *, maximize: bool | None = None,
               features: Sequence[str] | None = None, types: dict | None = None, name: str | None = None,
               options: Mapping | None = None) -> Dataset:
    """A Dataset from a DataFrame, a path (a table file, an Optuna storage, a SMAC3 or Ray Tune run folder: its kind
    detected, ``harness.data.detect``), an Optuna study or a Dataset. ``maximize``: None keeps the source's direction
    (a table's default: higher is better)."""
    if isinstance(data, Dataset):
        return data
    from harness.data.readers import table

    if isinstance(data, (str, Path)) and not table.TableReader.detect(Path(str(data))):
        return _source(data, target, maximize, types, name, options)
    opts = table.TableOptions.parse({"target": target, "maximize": True if maximize is None else maximize,
                                     "types": types or {}, "name": name,
                                     "features": list(features) if features else None, **(options or {})})
    if isinstance(data, pd.DataFrame):
        return table.from_frame(data, opts.replace(name=name or "table"), where="the DataFrame")
    if isinstance(data, (str, Path)):
        return table.TableReader(opts.replace(path=str(data))).load()
    if hasattr(data, "get_trials") and hasattr(data, "directions"):
        from harness.data.readers.optuna_study import _objective, from_study

        index, _ = _objective(target, data)
        return from_study(data, objective=index, name=name)
    raise ConfigError(f"data: expected a pandas DataFrame, a table path, an Optuna study or a Dataset, "
                      f"got {type(data).__name__}")


def explain(data, target: str | None = None, surrogates: Iterable[str] = ("ebm",), seed: int = 0, *,
            maximize: bool | None = None, features: Sequence[str] | None = None, types: dict | None = None,
            options: Mapping | None = None, n_jobs: int = 1, cache: bool = False,
            cache_dir: str | Path | None = None) -> dict[str, Explanation]:
    """Fit each surrogate on every row of ``data`` and explain it: ``{surrogate: Explanation}``.

    ``data``: a pandas DataFrame (one row per configuration, ``target`` the score column), a path — a
    CSV/TSV/Parquet table, an Optuna storage (``.db``/``.sqlite`` file or URL), a SMAC3 run folder or a Ray Tune
    experiment folder, its kind detected as ``harness explain PATH`` detects it —, an Optuna study (``target``: the
    objective's index or name for a multi-objective study) or a ``harness.data.Dataset``. For a run, ``target`` is the
    objective (Optuna, SMAC3) or the metric (Ray Tune), ``maximize`` the direction where the source does not say it
    (a table: default True; Ray Tune: required), and ``options`` any other option of that kind's reader
    (``{"study": "my-study"}``, ``{"budget": 45}``; ``conf/data/<kind>.yaml``). ``surrogates``: names of
    ``conf/surrogate/*.yaml`` or ``conf/method/*.yaml`` (``ebm``, ``ebm_fast``, ``gam``, ``fanova``, …). ``seed``
    drives every estimator's ``random_state``. Feature types follow the table reader (``types`` overrides per column,
    e.g. ``{"lr": "log"}``). Fits are cached only with ``cache=True``. A surrogate that cannot fit or explain the
    table raises a HarnessError naming it and why.
    """
    maximize = None if maximize is None else flag(maximize, "maximize")
    ds = as_dataset(data, target, maximize=maximize, features=features, types=types, options=options)
    names = [surrogates] if isinstance(surrogates, str) else list(surrogates)
    if not names:
        raise ConfigError("surrogates: name at least one (e.g. surrogates=('ebm',))")
    specs = [load_spec(n) for n in distinct([str(n) for n in names], "surrogates")]
    seed = check_seed(seed)
    rows = tuple(range(len(ds)))
    on_train = Eval(dataset=ds.name, rows=rows, keys=(("eval_on", "train"),))
    cells = [Cell(keys=(("experiment", "explain"), ("dataset", ds.name)), train=ds.name, train_rows=rows, surrogate=spec,
                  seed=seed, evals=(on_train,), explain=True) for spec in specs]
    opts = RunOptions(output_dir=Path("."), n_jobs=integer(n_jobs, "n_jobs", minimum=1), cache=flag(cache, "cache"),
                      cache_dir=Path(cache_dir) if cache_dir else None)
    result = run_cells(cells, {ds.name: ds}, opts, label="explain")
    out = {}
    for cell, row in zip(cells, result.rows.to_dict("records")):
        record = result.interpretation(cell)
        if record is None:
            reason = row.get("reason") or row.get("status")
            raise HarnessError(f"surrogate {cell.surrogate.name!r} could not explain {ds.name}: {reason}")
        out[cell.surrogate.name] = Explanation(**{f: getattr(record, f) for f in record.__dataclass_fields__})
    return out


# The reader option that takes ``target`` and how ``maximize`` is said, per kind of run a path may be.
TARGET_OPTION = {"optuna": "objective", "smac": "objective", "raytune": "metric"}


def _source(path, target, maximize, types, name, options) -> Dataset:
    """The run at ``path`` (not a table file), its kind detected."""
    from harness.data import load_dataset
    from harness.data.detect import detect, source_options

    kind = detect(path)
    given = dict(options or {})
    if target is not None:
        given[TARGET_OPTION[kind]] = target
    if maximize is not None:
        if kind == "raytune":
            given["mode"] = "max" if maximize else "min"
        elif kind == "smac" and maximize:
            raise ConfigError(f"maximize=True: {path} is a SMAC3 run, which minimises its cost")
        elif kind == "optuna":
            given["maximize"] = maximize
    if types:
        given["types"] = types
    if name:
        given["name"] = name
    return load_dataset(source_options(path, kind, **given))


def _overrides(overrides) -> list[str]:
    """A list of override strings: ``"seed=0"`` is one override (not seven), None is none."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    try:
        return [str(o) for o in overrides]
    except TypeError:
        raise ConfigError(f"overrides: expected a list of strings such as ['seed=0'], got {type(overrides).__name__}") from None


def run_experiment(name: str, overrides: Iterable[str] = (), output_dir: str | Path | None = None) -> ExperimentResult:
    """Run ``+experiment=NAME`` with command-line style ``overrides`` (``["seed=0", "surrogate=[ebm,gam]"]``).

    Outputs go to ``output_dir`` (default ``results/runs/<name>/<time>`` under the current folder, as on
    the command line). Returns the rows, the tidy tables, the summary table and the files written.
    """
    from harness.app import register_configs, run

    register_configs()
    overrides = _overrides(overrides)
    cfg = compose([f"+experiment={name}", *overrides])
    out = Path(output_dir) if output_dir else Path("results/runs") / str(name) / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    return run(cfg, output_dir=out, overrides=overrides).wait()
