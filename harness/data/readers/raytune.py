"""A Ray Tune experiment folder:
``data=raytune data.path=~/ray_results/NAME data.metric=accuracy data.mode=max``.

Every folder at or below ``data.path`` holding a ``params.json`` is a trial;
the files are parsed here, so reading needs no Ray (the ``raytune`` extra
installs Ray Tune to make runs; the slow tests check this reader against it).

* **Parameters**: ``params.json`` flattened with ``/`` as Ray itself does
  (``{"schedule": {"eta0": …}}`` is ``schedule/eta0``; a key ``schedule/eta0``
  beside it is refused, as the two would be one name); a list or tuple is
  one categorical level written ``(64, 64)`` (brackets are not allowed in
  model feature names); ``null`` or a missing key means unset, so the
  parameter is conditional (``harness.data.infer``). Ray Tune stores no
  search space, so types follow the table reader's rules
  (``harness.data.readers.table``; ``data.types`` overrides them) and columns with
  a single value are dropped and reported.
* **Reports**: ``result.json`` (one JSON object per line), else
  ``progress.csv``; nested metrics are flattened with ``/`` too. A report's
  budget is its ``training_iteration`` (which Ray fills in), else its position;
  an iteration or a metric value that is no number (``"5"``, ``null``,
  ``"0.92"``) is refused with its file and line.
* ``data.metric`` and ``data.mode`` (min or max) come from the user: the
  trial folders do not record them.
* ``data.report``: ``last`` (default) takes each trial's last report within
  the budget, ``best`` its best by ``mode``. ``data.budget``
  (``harness.data.readers.runs``): ``max`` considers every report; a value considers
  the reports up to that iteration and drops the trials that stopped before
  it; ``feature`` makes every report a row, with ``training_iteration`` as a
  feature (``report`` must then be ``last``).
* Trials that failed (Ray writes ``error.txt`` into the folder) are dropped
  and counted as ``ERROR``, like trials with no report of the metric (``no
  result``), a last report (or every report, for ``best``) that is not a
  finite number (``non-finite result``) and, with a budget value, trials that
  stopped before it (``short of the budget``): ``Dataset.dropped``.
  With ``budget=feature`` a trial's non-finite reports are left out.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import numbers
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from harness.data import infer
from harness.data.readers import runs
from harness.data.readers.table import read_csv_exact
from harness.data.dataset import Dataset
from harness.data.readers.base import Reader, ReaderOptions
from harness.data.sources import file_hash
from harness.errors import ConfigError, DataError, one_line
from harness.options import option

log = logging.getLogger(__name__)

REPORTS = ("result.json", "progress.csv")
ERRORS = ("error.txt", "error.pkl")
ITERATION = "training_iteration"


@dataclasses.dataclass
class RayTuneOptions(ReaderOptions):
    """A Ray Tune experiment folder (one params.json + result.json/progress.csv per trial); reading needs no Ray."""

    kind: str = "raytune"
    path: Optional[str] = option(None, "the experiment folder (required)")
    metric: Optional[str] = option(None, "the reported metric to model (required)")
    mode: Optional[str] = option(None, "min or max: which direction of the metric is better (required)",
                                 choices=("min", "max"))
    report: str = option("last", "last (each trial's last report within the budget) or best (its best by mode)",
                         choices=("last", "best"))
    budget: Any = option(runs.MAX, "training_iteration: max (every report), a value (reports up to it), or feature "
                                   "(every report a row)")
    types: Any = option(None, values=str, help="per-parameter scale (linear, log or categorical), as for "
                                                      "data=table")
    name: Optional[str] = option(None, "dataset name; null = the experiment folder's name")
    drop_constant: bool = option(True, "drop (and report) parameters that hold a single value")
    max_levels: int = option(20, "numeric parameters with at most this many distinct values keep them as levels",
                             minimum=1)
    min_rows: int = option(10, "fewer rows than this is an error", minimum=1)


class RayTuneReader(Reader):
    """``data=raytune``: one row per trial (or per report with ``budget=feature``) of a Ray Tune experiment."""

    kind = "raytune"
    Options = RayTuneOptions

    def load(self) -> Dataset:
        return load(self.options)

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and next(path.rglob("params.json"), None) is not None


def load(opts: RayTuneOptions | dict) -> Dataset:
    opts = opts if isinstance(opts, RayTuneOptions) else RayTuneOptions.parse(opts)
    for key in ("path", "metric", "mode"):
        if getattr(opts, key) in (None, ""):
            raise ConfigError(f"data.{key} is required for data=raytune (e.g. data.metric=accuracy data.mode=max)")
    choice = runs.budget_option(opts.budget)
    if choice == runs.FEATURE and opts.report == "best":
        raise ConfigError("data.report=best picks one report per trial; with data.budget=feature every report is a "
                          "row, so use data.report=last")
    metric, maximize = str(opts.metric), opts.mode == "max"
    path = Path(str(opts.path)).expanduser()
    trials = trial_folders(path)
    where = f"Ray Tune experiment {path}"

    rows, dropped = _rows(path, trials, metric, choice, opts.report, maximize)
    counts = ", ".join(f"{n} {s}" for s, n in dropped.items())
    if dropped:
        log.warning("%s: dropped trials: %s", where, counts)
    infer.check_rows(len(rows), opts.min_rows, where, f" (trials with a result{'; dropped: ' if dropped else ''}"
                     f"{counts})")

    infer.check_scores([r[metric] for _, _, r in rows], where, f"{metric} results")
    params = pd.DataFrame([p for _, p, _ in rows])
    if choice == runs.FEATURE:
        if ITERATION in params.columns:
            raise DataError(f"{where}: a parameter is named {ITERATION!r}, the feature data.budget=feature adds")
        params[ITERATION] = [r[ITERATION] for _, _, r in rows]
    types = {str(k): infer.check_scale(str(v), f"data.types.{k}") for k, v in (opts.types or {}).items()}
    unknown = sorted(set(types) - set(params.columns))
    if unknown:
        raise ConfigError(f"data.types names {unknown[0]!r}, which is not a parameter; parameters: "
                          f"{', '.join(params.columns)}")
    constant = [c for c in params.columns if opts.drop_constant and params[c].nunique(dropna=False) <= 1]
    if constant:
        log.warning("%s: dropped parameters with a single value: %s", where, ", ".join(constant))
    names = [c for c in params.columns if c not in constant]
    if not names:
        raise DataError(f"{where}: no parameter varies across the trials kept")
    columns = [infer.typed(c, params[c], types.get(c), opts.max_levels, where,
                           lambda i: str(rows[i][0] / "params.json")) for c in names]
    absent = {c: int(params[c].isna().sum()) for c in names if params[c].isna().any()}
    X, schema, conditions = infer.assemble(columns, where)

    extras = pd.DataFrame({"trial_id": [str(r.get("trial_id", f.name)) for f, _, r in rows],
                           ITERATION: [r[ITERATION] for _, _, r in rows],
                           "time_total_s": [r.get("time_total_s", math.nan) for _, _, r in rows]})
    shape = {"metric": opts.metric, "mode": opts.mode, "report": opts.report, "budget": opts.budget,
             "drop_constant": opts.drop_constant, "max_levels": opts.max_levels}
    files = {str(p.relative_to(path)): file_hash(p) for f in trials for p in sorted(f.iterdir())
             if p.name in ("params.json", *REPORTS, *ERRORS)}
    return Dataset(
        name=str(opts.name or path.name),
        X=X,
        y=pd.Series([float(r[metric]) for _, _, r in rows], name=metric),
        schema=schema,
        extras=extras,
        maximize=maximize,
        fingerprint=Reader.fingerprint({"files": files, **shape, "types": types,
                                        "typed": infer.typed_digest(X, schema)}),
        source=str(path),
        label=metric,
        dropped=dropped,
        dropped_columns=tuple(constant),
        absent=absent,
        conditions=tuple(conditions),
        details={"trials": len(trials), "report": opts.report, "budget": opts.budget},
    )


def trial_folders(path: Path) -> list[Path]:
    """The folders at or below ``path`` that hold a trial's params.json, in path order."""
    if not path.is_dir():
        raise DataError(f"data.path={str(path)!r} is not a folder; data=raytune reads a Ray Tune experiment folder")
    found = sorted(p.parent for p in path.rglob("params.json"))
    if not found:
        hint = "; it holds a runhistory.json: a SMAC3 run? use data=smac" \
            if next(path.rglob("runhistory.json"), None) else ""
        raise DataError(f"{path} is not a Ray Tune experiment: no trial folder (params.json) in it or below{hint}")
    return found


def _rows(path: Path, trials: list[Path], metric: str, choice, report: str,
          maximize: bool) -> tuple[list[tuple], dict]:
    """(trial folder, flat params, report) per row, and the trials dropped, counted by reason."""
    rows, dropped, reported = [], Counter(), set()
    for folder in trials:
        if any((folder / e).is_file() for e in ERRORS):
            dropped["ERROR"] += 1
            continue
        reports = _reports(folder, metric)
        reported.update(k for r in reports for k in r)
        picked, reason = _pick(reports, metric, choice, report, maximize)
        if reason:
            dropped[reason] += 1
        params = _flat(runs.read_json(folder / "params.json"), folder / "params.json")
        rows += [(folder, params, r) for r in picked]
    if reported and metric not in reported:
        found = sorted(k for k in reported if k != ITERATION)
        raise ConfigError(f"data.metric={metric!r} is not reported by any trial in {path}; "
                          f"reported: {', '.join(found)}")
    return rows, dict(dropped)


def _reports(folder: Path, metric: str) -> list[dict]:
    """A trial's reports, flattened, each with its training_iteration (a number) and the metric, where reported,
    a number (or null/NaN: not a finite result); anything else is refused with its file and line."""
    result, progress = folder / REPORTS[0], folder / REPORTS[1]
    if result.is_file() and result.stat().st_size:
        reports, places = [], []
        for n, line in enumerate(result.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                report = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{result}, line {n}: not valid JSON ({exc.msg})") from None
            if not isinstance(report, dict):
                raise DataError(f"{result}, line {n}: expected a JSON object, got {type(report).__name__}")
            report.pop("config", None)
            reports.append(_flat(report, result))
            places.append(f"{result}, line {n}")
    elif progress.is_file() and progress.stat().st_size:
        try:
            frame = read_csv_exact(progress)
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise DataError(f"cannot read {progress}: {one_line(exc)}") from None
        frame = frame[[c for c in frame.columns if not str(c).startswith("config/")]]
        reports = [{k: v for k, v in r.items() if not (isinstance(v, float) and math.isnan(v))}
                   for r in frame.to_dict("records")]
        places = [f"{progress}, row {i}" for i in range(1, len(reports) + 1)]
    else:
        return []
    for i, (r, place) in enumerate(zip(reports, places), start=1):
        r.setdefault(ITERATION, i)
        if not _finite(r[ITERATION]):
            raise DataError(f"{place}: {ITERATION} is {_shown(r[ITERATION])}; Ray writes a whole number there")
        if r.get(metric) is not None and not _number(r[metric]):
            raise DataError(f"{place}: {metric} is {_shown(r[metric])}, not a number")
    return reports


def _pick(reports: list[dict], metric: str, choice, report: str, maximize: bool) -> tuple[list[dict], str]:
    """The reports that become rows (one per trial: its last or best within the budget; every one with
    budget=feature), or none and the reason the trial is dropped."""
    if isinstance(choice, float):
        if not reports or max(r[ITERATION] for r in reports) < choice:
            return [], "short of the budget"
        reports = [r for r in reports if r[ITERATION] <= choice]
    reports = [r for r in reports if metric in r]
    if not reports:
        return [], "no result"
    if report == "last" and choice != runs.FEATURE:
        reports = [max(reports, key=lambda r: r[ITERATION])]
    scored = [r for r in reports if _finite(r[metric])]
    if not scored:
        return [], "non-finite result"
    if report == "best":
        return [max(scored, key=lambda r: r[metric] if maximize else -r[metric])], ""
    return scored, ""


def _finite(value) -> bool:
    """A usable score: a finite number (numpy's too, as progress.csv gives them), not a boolean."""
    return _number(value) and math.isfinite(value)


def _number(value) -> bool:
    """A number (finite or not; numpy's too), not a boolean, nor a number written as text."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _shown(value) -> str:
    """A JSON value as the file wrote it: "5" for text, null, true."""
    return json.dumps(value.item() if isinstance(value, np.generic) else value, default=str)


def _flat(d: dict, path: Path) -> dict:
    """Nested maps flattened with ``/``; lists and tuples as one text level ``(a, b)``. Two keys that flatten to
    one name (a key ``opt/lr`` beside ``{"opt": {"lr": …}}``) are refused: one would overwrite the other."""
    if not isinstance(d, dict):
        raise DataError(f"{path}: expected a JSON object, got {type(d).__name__}")
    out, origin = {}, {}
    for keys, value in _leaves(d):
        name = "/".join(keys)
        if name in out:
            raise DataError(f"{path}: {_spelled(origin[name])} and {_spelled(keys)} both flatten to the name "
                            f"{name!r}; one would overwrite the other")
        out[name] = "(" + ", ".join(infer.text(v) for v in value) + ")" if isinstance(value, (list, tuple)) else value
        origin[name] = keys
    return out


def _leaves(d: dict, keys: tuple = ()):
    """(keys from the top, value) of every value that is not a map."""
    for key, value in d.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*keys, str(key)))
        else:
            yield (*keys, str(key)), value


def _spelled(keys: tuple) -> str:
    """A value's place in the JSON object: ``["opt"]["lr"]``."""
    return "".join(f"[{json.dumps(k)}]" for k in keys)
