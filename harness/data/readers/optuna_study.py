"""An Optuna study as a table: ``data=optuna data.storage=sqlite:///study.db data.study=NAME``.

Completed trials only; the others are counted by state in
``Dataset.dropped`` and in a warning, as the SMAC3 and Ray Tune readers do. The study's declared distributions, not the
values that happen to have been sampled, give the schema:

* ``FloatDistribution`` / ``IntDistribution``: numeric on a log scale when
  ``log=True``, else linear, over the declared ``[low, high]``. An int (or a
  stepped float) whose grid has at most ``max_levels`` points gets the whole
  grid as ``levels``; otherwise it is continuous.
* ``CategoricalDistribution``: categorical with the choices as levels, in
  declared order, written as text (``None`` -> "None", ``1`` -> "1",
  ``True`` -> "True"), so every categorical column holds strings.
* conditional parameters (absent from some completed trials) follow
  ``harness.data.infer``: a categorical one gets the level "absent"; a
  numeric one is filled with its ``low``, and the numeric parameters unset
  on the same trials share one indicator feature ``has_<first of them>``
  ("False"/"True"); ``Dataset.conditions`` lists them.

The storage is opened without creating tables, so pointing it at the wrong
SQLite file never writes to that file.
"""
from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, List, Optional

import numpy as np
import pandas as pd

from harness.data import infer
from harness.data.dataset import Dataset
from harness.data.readers.base import Reader, ReaderOptions
from harness.data.objectives import direction, find
from harness.data.schema import Feature
from harness.config import distinct
from harness.errors import ConfigError, DataError, one_line
from harness.options import option

log = logging.getLogger(__name__)


@dataclasses.dataclass
class OptunaOptions(ReaderOptions):
    """An Optuna study's completed trials (pip install "harness[optuna]")."""

    kind: str = "optuna"
    storage: Optional[str] = option(None, "an Optuna RDB URL (sqlite:///study.db, postgresql://...) or the path of a "
                                          "SQLite file (required)")
    study: Optional[str] = option(None, "study name; null = the only study in the storage")
    objective: Any = option(None, "multi-objective studies: the objective's index or metric name")
    targets: Optional[List[Any]] = option(None, "several objectives (the tradeoff experiment), e.g. [0, 1] or "
                                                "[accuracy, latency]; the first is modelled unless objective is set")
    maximize: Any = option(None, "null = the study's declared direction; a value that contradicts it is an error")
    name: Optional[str] = option(None, "dataset name; null = the study name")
    max_levels: int = option(20, "int / stepped float parameters with at most this many grid points keep the grid "
                                 "as levels", minimum=1)
    min_rows: int = option(10, "fewer completed trials than this is an error", minimum=1)


class OptunaReader(Reader):
    """``data=optuna``: the completed trials of one study in an Optuna storage."""

    kind = "optuna"
    Options = OptunaOptions

    def load(self) -> Dataset:
        return load(self.options)

    @classmethod
    def detect(cls, path: Path) -> bool:
        text = str(path)
        return "://" in text or (path.suffix.lower() in (".db", ".sqlite", ".sqlite3") and path.is_file())


def _optuna():
    try:
        import optuna
    except ImportError:
        raise DataError('data=optuna needs Optuna: pip install "harness[optuna]"') from None
    return optuna


def _storage_url(storage: str) -> str:
    """An RDB URL; a bare path means a SQLite file, which must exist (SQLite would create an empty one)."""
    url = storage if "://" in storage else f"sqlite:///{Path(storage).expanduser()}"
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        raise DataError(f"missing Optuna storage file {url[len('sqlite:///'):]} (data.storage={storage!r})")
    return url


def load(opts: OptunaOptions | dict) -> Dataset:
    opts = opts if isinstance(opts, OptunaOptions) else OptunaOptions.parse(opts)
    if opts.storage in (None, ""):
        raise ConfigError("data.storage is required for data=optuna (e.g. sqlite:///study.db)")
    optuna = _optuna()
    url = _storage_url(str(opts.storage))
    try:
        storage = optuna.storages.RDBStorage(url, skip_table_creation=True)
        names = sorted(optuna.get_all_study_names(storage=storage))
    except Exception as exc:  # SQLAlchemy / Optuna errors: a wrong URL, not an Optuna database, a newer schema
        below = exc.__cause__ or exc.__context__
        if isinstance(exc, optuna.exceptions.StorageInternalError) and below is not None and str(below).strip():
            # Optuna's wrapper guesses at "invalid data in the commit"; the database's own first line says why
            reason = str(below).strip().splitlines()[0]
        else:
            reason = one_line(exc)
        raise DataError(f"cannot read Optuna storage {url}: {reason}") from None
    study_name = _study_name(opts.study, names, url)
    study = optuna.load_study(study_name=study_name, storage=storage)
    targets = _targets(opts.targets, study)
    index, target = _objective(opts.objective if opts.objective not in (None, "") or not targets else targets[0],
                               study)
    ds = from_study(study, objective=index, name=opts.name, max_levels=opts.max_levels,
                    min_rows=opts.min_rows, where=f"study {study_name!r} in {url}")
    direction(opts.maximize, find(ds, target, "data.objective"))  # the study declares it; an option may only agree
    return replace(ds, source=url, targets=tuple(targets or [target]))


def _targets(targets, study) -> list[str]:
    """``data.targets``: several objectives of a multi-objective study, by index or metric name."""
    if targets in (None, ""):
        return []
    return distinct([_objective(t, study, "data.targets")[1] for t in ([targets] if isinstance(targets, (str, int)) else list(targets))],
                    "data.targets")


def from_study(study, objective: int = 0, target=None, params=None, name=None, max_levels: int = 20,
               min_rows: int = 10, where: str | None = None) -> Dataset:
    """The completed trials of an Optuna study (an object in memory) as a Dataset.

    ``target`` (a function of a FrozenTrial, as Optuna's importance evaluators take it) replaces the
    objective; trials where it is not finite are dropped and counted. ``params`` keeps those parameters
    only, in the order given (default: every parameter of any completed trial in the order first suggested,
    conditional ones included).
    """
    optuna = _optuna()
    where = where or f"study {study.study_name!r}"
    names = _objective_names(study)
    label = names[objective] if target is None else "target"
    value = (lambda t: t.values[objective]) if target is None else target
    trials = study.get_trials(deepcopy=False)
    done = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    skipped = dict(Counter(t.state.name for t in trials if t.state != optuna.trial.TrialState.COMPLETE))
    if not done:
        counts = ", ".join(f"{n} {s}" for s, n in skipped.items()) or "no trials at all"
        raise DataError(f"{where} has no completed trials ({counts})")
    y = np.array([value(t) for t in done], dtype=float)
    if target is None:
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            raise DataError(f"{where}, trial {done[bad[0]].number}: {label} = {y[bad[0]]} is not finite")
    else:  # as Optuna's evaluators do: a target that is not finite leaves the trial out
        keep = np.isfinite(y)
        if (~keep).any():
            skipped["non-finite target"] = int((~keep).sum())
        done, y = [t for t, k in zip(done, keep) if k], y[keep]
    if skipped:  # as the SMAC3 and Ray Tune readers say theirs
        log.warning("%s: dropped trials: %s", where, ", ".join(f"{n} {s}" for s, n in skipped.items()))
    infer.check_rows(len(done), min_rows, where, " (completed trials)")
    if len(np.unique(y)) < 2:
        raise DataError(f"{where}: every completed trial has the same {label} ({y[0]:g}); there is nothing to explain")
    infer.check_scores(y, where, f"{label} values")

    present = list(dict.fromkeys(p for t in done for p in t.params))
    if params is not None:
        unknown = [p for p in params if p not in present]
        if unknown:
            raise ConfigError(f"{where}: no completed trial has parameter(s) {', '.join(map(repr, unknown))}; "
                              f"parameters: {', '.join(present)}")
        present = list(dict.fromkeys(params))
    columns, absent = [], {}
    for pname in present:
        counts = [pname in t.params for t in done]
        if not all(counts):
            absent[pname] = counts.count(False)
        columns += _param(pname, done, max_levels)
    if not columns:
        raise DataError(f"{where}: the completed trials have no parameters")
    X, schema, conditions = infer.assemble(columns, where)

    extras = {"number": [t.number for t in done]}
    for j, other in enumerate(names):
        if target is not None or j != objective:
            extras[other] = [t.values[j] for t in done]
    extras["duration"] = [t.duration.total_seconds() if t.duration else math.nan for t in done]
    content = {
        "study": study.study_name, "objective": objective, "directions": [d.name for d in study.directions],
        "trials": [[t.number, {k: repr(v) for k, v in t.params.items()}, t.values] for t in done],
        "distributions": {n: repr(d) for t in done for n, d in t.distributions.items()},
    }
    if target is not None:  # a target function is known only by its values
        content["target"] = y.tolist()
    maximize = target is None and study.directions[objective] == optuna.study.StudyDirection.MAXIMIZE
    return Dataset(
        name=str(name or study.study_name),
        X=X,
        y=pd.Series(y, name=label),
        schema=schema,
        extras=pd.DataFrame(extras),
        maximize=maximize,
        fingerprint=Reader.fingerprint(content),
        source=where,
        label=label,
        dropped=skipped,
        absent=absent,
        conditions=tuple(conditions),
        objectives={n: {"maximize": d == optuna.study.StudyDirection.MAXIMIZE} for n, d in zip(names, study.directions)},
        details={"study": study.study_name, "objective": objective},
    )


def _study_name(study, names: list[str], url: str) -> str:
    if not names:
        raise DataError(f"Optuna storage {url} holds no studies")
    if study in (None, ""):
        if len(names) > 1:
            raise ConfigError(f"data.study is required: {url} holds {len(names)} studies: {', '.join(names)}")
        return names[0]
    if str(study) not in names:
        raise ConfigError(f"no study {str(study)!r} in {url}; studies: {', '.join(names)}")
    return str(study)


def _objective_names(study) -> list[str]:
    n = len(study.directions)
    return list(study.metric_names or (["value"] if n == 1 else [f"values_{i}" for i in range(n)]))


def _objective(objective, study, option: str = "data.objective") -> tuple[int, str]:
    """Index and column name of the modelled objective: ``data.objective`` as an index or a metric name."""
    names = _objective_names(study)
    listing = ", ".join(f"{i}: {n}" for i, n in enumerate(names))
    if objective in (None, ""):
        if len(names) > 1:
            raise ConfigError(
                f"study {study.study_name!r} has {len(names)} objectives ({listing}); "
                f"choose one with data.objective=INDEX or NAME (several with data.targets=[...])"
            )
        return 0, names[0]
    if isinstance(objective, str) and not objective.lstrip("-").isdigit():
        if objective not in names:
            raise ConfigError(f"{option}={objective!r} is not an objective of study {study.study_name!r}; objectives: {listing}")
        return names.index(objective), objective
    index = int(objective)
    if not 0 <= index < len(names):
        raise ConfigError(
            f"{option}={index} is out of range: study {study.study_name!r} has {len(names)} objective(s) ({listing})"
        )
    return index, names[index]


def _param(name: str, trials, max_levels: int) -> list[tuple[Feature, pd.Series]]:
    """Feature column(s) of one parameter from its declared distribution (ranges joined across trials)."""
    dists = [t.distributions[name] for t in trials if name in t.distributions]
    first = dists[0]
    if hasattr(first, "choices"):
        values = pd.Series([infer.text(t.params[name]) if name in t.params else None for t in trials], dtype=object)
        return [infer.categorical(name, values, levels=first.choices)]
    low, high = min(d.low for d in dists), max(d.high for d in dists)
    levels = ()
    if first.step is not None and (high - low) / first.step + 1 <= max_levels + 1e-9:
        levels = tuple(np.round(np.arange(low, high + first.step / 2, first.step), 12).tolist())
    feature = Feature(name, scale="log" if first.log else "linear", levels=levels, low=low, high=high)
    return [(feature, pd.Series([t.params.get(name, np.nan) for t in trials], dtype=float))]
