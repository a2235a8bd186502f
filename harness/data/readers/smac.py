"""A SMAC3 run folder: ``data=smac data.path=smac3_output/<name>/<seed>``.

``data.path`` is the folder holding ``runhistory.json`` and
``configspace.json`` as SMAC3 2.x writes them, or a folder with exactly one
such run below it. Both are plain JSON, parsed here: reading a run needs
neither SMAC3 nor ConfigSpace (the ``smac`` extra installs SMAC3 to make runs;
the slow tests check this parser against it).

* **Schema** from the declared configuration space: ``uniform_*``,
  ``normal_*``, ``beta_*`` over ``[lower, upper]`` on a log scale when
  ``log``; an integer (or ``q``-stepped float) whose grid has at most
  ``max_levels`` points keeps the grid as levels; ``categorical`` with its
  choices, in declared order, as text; ``ordinal`` numeric with its sequence
  as levels when the sequence is numbers, else categorical in sequence
  order; ``constant`` is left out (it cannot explain anything).
* **Conditions** (``EQ``, ``NEQ``, ``IN``, ``LT``, ``GT``, ``AND``, ``OR``)
  are evaluated on every configuration of the run history, which must set a
  parameter exactly when its condition holds; their text names the activity
  indicator (``harness.data.infer``), e.g. ``active_solver_in_{sgd,adam}``.
* **Trials**: only ``SUCCESS`` trials with a finite cost count; the others are
  counted by status in ``Dataset.dropped``. A status is SMAC3's code (or its
  name, ``"SUCCESS"``, or the enum map ``{"__enum__": "StatusType.SUCCESS"}``);
  a cost is a JSON number (null, NaN and ±Infinity are not finite): text
  (even ``"0.92"``), a map or ``true`` is refused with its trial, and so are
  costs whose mean or spread overflows double precision (±1.7e308). A configuration's trials at
  the chosen budget (``data.budget``, ``harness.data.readers.runs``; SMAC3's budget
  field) are averaged over their seeds and instances: one row per
  configuration (per budget with ``budget=feature``), its cost the mean,
  ``n_runs`` and ``cost_std`` in ``extras``.
* Multi-objective runs (a list of costs per trial): ``data.objective`` picks
  one, by index or by the name ``scenario.json`` gives it.

The cost is minimised. Columns whose values are all the same in the rows
kept are dropped and reported, as for a table.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from harness.data import infer
from harness.data.readers import runs
from harness.data.dataset import Dataset
from harness.data.readers.base import Reader, ReaderOptions
from harness.data.schema import Feature
from harness.data.sources import file_hash
from harness.errors import ConfigError, DataError
from harness.options import option

log = logging.getLogger(__name__)

STATUS = {0: "RUNNING", 1: "SUCCESS", 2: "CRASHED", 3: "TIMEOUT", 4: "MEMORYOUT"}
NUMERIC = ("uniform_float", "uniform_int", "normal_float", "normal_int", "beta_float", "beta_int")
KNOWN = (*NUMERIC, "categorical", "ordinal", "constant")
BUDGET = "budget"

Predicate = Callable[[dict], bool]


@dataclasses.dataclass
class SmacOptions(ReaderOptions):
    """A SMAC3 run folder (runhistory.json + configspace.json); reading needs no extra package."""

    kind: str = "smac"
    path: Optional[str] = option(None, "the run folder, or a folder with exactly one run below it (required)")
    objective: Any = option(None, "multi-objective runs: the cost's index or name (scenario.json objectives)")
    budget: Any = option(runs.MAX, "multi-fidelity: max (each configuration at its highest budget), a budget value, "
                                   "or feature")
    name: Optional[str] = option(None, "dataset name; null = the run's name (the folder above the seed folder)")
    drop_constant: bool = option(True, "drop (and report) parameters that hold a single value in the rows kept")
    max_levels: int = option(20, "int / stepped float parameters with at most this many grid points keep the grid "
                                 "as levels", minimum=1)
    min_rows: int = option(10, "fewer configurations than this (after dropping failed trials) is an error",
                           minimum=1)


class SmacReader(Reader):
    """``data=smac``: the successful trials of one SMAC3 run."""

    kind = "smac"
    Options = SmacOptions

    def load(self) -> Dataset:
        return load(self.options)

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and ((path / "runhistory.json").is_file() or next(path.rglob("runhistory.json"), None)
                                  is not None)


def load(opts: SmacOptions | dict) -> Dataset:
    opts = opts if isinstance(opts, SmacOptions) else SmacOptions.parse(opts)
    if opts.path in (None, ""):
        raise ConfigError("data.path is required for data=smac (a SMAC3 run folder holding runhistory.json)")
    choice = runs.budget_option(opts.budget)
    run = run_folder(Path(str(opts.path)).expanduser())
    space_file, history_file = run / "configspace.json", run / "runhistory.json"
    space = runs.read_json(space_file)
    if not isinstance(space, dict) or not isinstance(space.get("hyperparameters"), list):
        raise DataError(f"{space_file}: not a ConfigSpace JSON file (no 'hyperparameters' list)")
    params = {hp.get("name"): hp for hp in space["hyperparameters"]}
    for name, hp in params.items():
        if hp.get("type") not in KNOWN:
            raise DataError(f"{space_file}: hyperparameter {name!r} has type {hp.get('type')!r}; "
                            f"known types: {', '.join(KNOWN)}")
    conditions = _conditions(space.get("conditions") or [], params, space_file)
    history = runs.read_json(history_file)
    if not isinstance(history, dict) or not isinstance(history.get("data"), list) \
            or not isinstance(history.get("configs"), dict):
        raise DataError(f"{history_file}: not a SMAC3 run history (no 'data' list and 'configs' map)")
    configs = {str(k): _checked(str(k), c, params, conditions, history_file, space_file)
               for k, c in history["configs"].items()}
    index, target = _objective(opts.objective, history["data"], run)
    trials, dropped = _trials(history["data"], configs, index, history_file)
    where = f"SMAC3 run {run}"
    if trials.empty:
        raise DataError(f"{where} has no successful trial ({_counts(dropped) or 'no trials at all'})")
    if dropped:
        log.warning("%s: dropped %s", where, _counts(dropped))
    infer.check_scores(trials["cost"], where, "costs")

    budgets = sorted(trials[BUDGET].dropna().unique().tolist())
    if choice != runs.MAX and not budgets:
        raise ConfigError(f"data.budget={opts.budget}: {history_file} records no budgets (not a multi-fidelity run)")
    trials, unused = _at_budget(trials, choice, history_file)
    rows = trials.groupby(["config_id", BUDGET], sort=False, dropna=False).agg(
        cost=("cost", "mean"), cost_std=("cost", "std"), n_runs=("cost", "size"), time=("time", "mean")).reset_index()
    averaged = int((rows["n_runs"] > 1).sum())
    if averaged:
        log.info("%s: averaged %d configurations over their seeds/instances (up to %d runs each)",
                 where, averaged, int(rows["n_runs"].max()))
    infer.check_rows(len(rows), opts.min_rows, where, " (configurations with a successful trial)")

    chosen = [configs[c] for c in rows["config_id"]]
    constant = [n for n in params if opts.drop_constant and len({repr(c.get(n)) for c in chosen}) <= 1]
    if constant:
        log.warning("%s: dropped parameters with a single value in the rows kept: %s", where, ", ".join(constant))
    columns = [_column(hp, [c.get(name) for c in chosen], opts.max_levels, space_file)
               for name, hp in params.items() if name not in constant and hp["type"] != "constant"]
    if choice == runs.FEATURE:
        if BUDGET in params:
            raise DataError(f"{space_file}: a hyperparameter is named {BUDGET!r}, the feature data.budget=feature adds")
        b = rows[BUDGET].to_numpy(dtype=float)
        columns.append((infer.observed_numeric(BUDGET, b, infer.log_or_linear(b), opts.max_levels), rows[BUDGET]))
    if not columns:
        raise DataError(f"{where}: no parameter varies across the configurations kept")
    unset = {f.name: int((col == infer.ABSENT).sum() if f.is_categorical else col.isna().sum()) for f, col in columns}
    absent = {name: n for name, n in unset.items() if n}
    declared = {child: text for child, (text, _) in conditions.items()}
    X, schema, conds = infer.assemble(columns, where, declared)

    extras = rows[["config_id", BUDGET, "n_runs", "cost_std", "time"] if budgets else
                  ["config_id", "n_runs", "cost_std", "time"]]
    shape = {"objective": opts.objective, "budget": opts.budget, "max_levels": opts.max_levels,
             "drop_constant": opts.drop_constant}
    content = {"configspace": file_hash(space_file), "runhistory": file_hash(history_file), **shape}
    return Dataset(
        name=str(opts.name or (run.parent.name if run.name.isdigit() else run.name)),
        X=X,
        y=rows["cost"].rename(target).astype(float),
        schema=schema,
        extras=extras.reset_index(drop=True),
        maximize=False,
        fingerprint=Reader.fingerprint(content),
        source=str(run),
        label=target,
        dropped=dropped,
        dropped_columns=tuple(constant),
        absent=absent,
        conditions=tuple(conds),
        defaults={name: hp["default_value"] for name, hp in params.items()
                  if "default_value" in hp and name in schema.names},
        details={"objective": index, "budget": opts.budget, "budgets": budgets, "unused_runs": unused,
                 "averaged_rows": averaged},
    )


def run_folder(path: Path) -> Path:
    """The one folder at or below ``path`` that holds a SMAC3 run."""
    if not path.is_dir():
        raise DataError(f"data.path={str(path)!r} is not a folder; data=smac reads a SMAC3 run folder")
    found = [path] if (path / "runhistory.json").is_file() else sorted(p.parent for p in path.rglob("runhistory.json"))
    if not found:
        hint = "; it holds params.json files: a Ray Tune experiment? use data=raytune" \
            if next(path.rglob("params.json"), None) else ""
        raise DataError(f"{path} is not a SMAC3 run: no runhistory.json in it or below{hint}")
    if len(found) > 1:
        listing = ", ".join(str(p.relative_to(path)) for p in found)
        raise ConfigError(f"data.path={str(path)!r} holds {len(found)} SMAC3 runs ({listing}); point data.path at one")
    if not (found[0] / "configspace.json").is_file():
        raise DataError(f"{found[0]}: runhistory.json has no configspace.json beside it (SMAC3 writes both)")
    return found[0]


def _conditions(items: list, params: dict, path: Path) -> dict[str, tuple[str, Predicate]]:
    """child -> (text, predicate on a configuration); several conditions on one child hold together."""
    out: dict[str, tuple[str, Predicate]] = {}
    for i, item in enumerate(items):
        child = item.get("child")
        if child not in params:
            raise DataError(f"{path}, condition {i + 1}: child {child!r} is not a hyperparameter of the space")
        text, test = _condition(item, params, f"{path}, condition {i + 1}")
        if child in out:
            (old_text, old_test), new_test = out[child], test
            text, test = f"({old_text}) and ({text})", lambda c, a=old_test, b=new_test: a(c) and b(c)
        out[child] = text, test
    return out


def _condition(item: dict, params: dict, where: str) -> tuple[str, Predicate]:
    kind = item.get("type")
    if kind in ("AND", "OR"):
        parts = [_condition(c, params, where) for c in item.get("conditions") or []]
        if not parts:
            raise DataError(f"{where}: an {kind} condition with no parts")
        texts = [f"({t})" if (" and " in t or " or " in t) else t for t, _ in parts]
        tests = [t for _, t in parts]
        if kind == "AND":
            return " and ".join(texts), lambda c: all(t(c) for t in tests)
        return " or ".join(texts), lambda c: any(t(c) for t in tests)
    parent = item.get("parent")
    if parent not in params:
        raise DataError(f"{where}: parent {parent!r} is not a hyperparameter of the space")
    if kind in ("EQ", "NEQ", "IN"):
        values = item.get("values") if kind == "IN" else [item.get("value")]
        wanted = {infer.text(v) for v in values}
        negate = kind == "NEQ"
        text = f"{parent} {'not in' if negate else 'in'} {{{','.join(infer.text(v) for v in values)}}}"
        return text, lambda c: parent in c and (infer.text(c[parent]) in wanted) != negate
    if kind in ("LT", "GT"):
        order = _order(params[parent])
        bound = order(item.get("value"))
        sign = 1 if kind == "GT" else -1
        text = f"{parent} {'>' if kind == 'GT' else '<'} {infer.text(item.get('value'))}"
        return text, lambda c: parent in c and sign * (order(c[parent]) - bound) > 0
    raise DataError(f"{where}: unknown condition type {kind!r}; known: EQ, NEQ, IN, LT, GT, AND, OR")


def _order(hp: dict) -> Callable[[object], float]:
    """How LT/GT compare a parent's values: by position in an ordinal's sequence, else as numbers."""
    if hp.get("type") == "ordinal":
        positions = {infer.text(v): i for i, v in enumerate(hp.get("sequence") or [])}
        return lambda v: positions[infer.text(v)]
    return float


def _checked(key: str, config, params: dict, conditions: dict, history_file: Path, space_file: Path) -> dict:
    """A configuration of the run history, checked against the space: known names, values in domain, activity."""
    where = f"{history_file}, config {key}"
    if not isinstance(config, dict):
        raise DataError(f"{where}: expected a map of parameter values, got {type(config).__name__}")
    for name, value in config.items():
        if name not in params:
            raise DataError(f"{where}: parameter {name!r} is not in {space_file}; declared: {', '.join(params)}")
        if not _in_domain(params[name], value):
            raise DataError(f"{where}: {name}={value!r} is outside its declared domain in {space_file}")
    for name in params:
        text, test = conditions.get(name, ("no condition", lambda c: True))
        active = test(config)
        if active != (name in config):
            state = "set" if name in config else "unset"
            raise DataError(f"{where}: {name!r} is {state} although its condition ({text}) is {str(active).lower()}")
    return config


def _in_domain(hp: dict, value) -> bool:
    kind = hp["type"]
    if kind in ("categorical", "ordinal", "constant"):
        allowed = hp.get("choices") if kind == "categorical" else hp.get("sequence") if kind == "ordinal" \
            else [hp.get("value")]
        return infer.text(value) in {infer.text(v) for v in allowed or []}
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    lo, hi = hp.get("lower", -math.inf), hp.get("upper", math.inf)
    slack = 1e-9 * max(1.0, abs(lo), abs(hi))
    return lo - slack <= value <= hi + slack


def _column(hp: dict, values: list, max_levels: int, path: Path) -> tuple[Feature, pd.Series]:
    """The feature of one declared hyperparameter and its column (NaN / absent where unset)."""
    name, kind = hp["name"], hp["type"]
    if kind == "categorical":
        return infer.categorical(name, pd.Series(values, dtype=object), levels=hp["choices"])
    if kind == "ordinal":
        seq = hp["sequence"]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in seq):
            feature = Feature(name, scale=infer.log_or_linear(np.asarray(seq, dtype=float)), levels=tuple(seq))
            return feature, pd.Series([np.nan if v is None else v for v in values], dtype=float)
        return infer.categorical(name, pd.Series(values, dtype=object), levels=seq)
    if "lower" not in hp or "upper" not in hp:
        raise DataError(f"{path}: hyperparameter {name!r} ({kind}) declares no lower/upper bounds")
    low, high = float(hp["lower"]), float(hp["upper"])
    step = 1.0 if kind.endswith("_int") else hp.get("q")
    levels = ()
    if step and (high - low) / step + 1 <= max_levels + 1e-9:
        levels = tuple(np.round(np.arange(low, high + step / 2, step), 12).tolist())
    feature = Feature(name, scale="log" if hp.get("log") else "linear", levels=levels, low=low, high=high)
    return feature, pd.Series([np.nan if v is None else v for v in values], dtype=float)


def _objective(objective, data: list, run: Path) -> tuple[int | None, str]:
    """Index of the modelled cost (None for a single objective) and its name."""
    multi = next((len(d["cost"]) for d in data if isinstance(d, dict) and isinstance(d.get("cost"), list)), 0)
    named = runs.read_json(run / "scenario.json").get("objectives") if (run / "scenario.json").is_file() else None
    names = [named] if isinstance(named, str) else list(named or [])
    if not multi:
        if objective not in (None, "", 0, "0", *names[:1]):
            raise ConfigError(f"data.objective={objective!r}: {run} is a single-objective run")
        return None, (names or ["cost"])[0]
    if len(names) != multi:
        names = [f"cost_{i}" for i in range(multi)]
    listing = ", ".join(f"{i}: {n}" for i, n in enumerate(names))
    if objective in (None, ""):
        raise ConfigError(f"{run} has {multi} objectives ({listing}); choose one with data.objective=INDEX or NAME")
    if str(objective) in names:
        return names.index(str(objective)), str(objective)
    if str(objective).isdigit() and int(objective) < multi:
        return int(objective), names[int(objective)]
    raise ConfigError(f"data.objective={objective!r} is not an objective of {run}; objectives: {listing}")


def _trials(data: list, configs: dict, index: int | None, path: Path) -> tuple[pd.DataFrame, dict]:
    """Successful trials with a finite cost as a frame; the others counted by status."""
    kept, dropped = [], Counter()
    for i, d in enumerate(data):
        if not isinstance(d, dict) or not {"config_id", "cost", "status"} <= set(d):
            raise DataError(f"{path}, trial {i + 1}: not a SMAC3 trial record (a map with config_id, cost, "
                            f"status); run histories that store trials as lists (older SMAC) are not read")
        if str(d["config_id"]) not in configs:
            raise DataError(f"{path}, trial {i + 1}: config_id {d['config_id']} is not among the run history's configs")
        status = _status(d["status"], f"{path}, trial {i + 1}")
        if status != "SUCCESS":
            dropped[status] += 1
            continue
        cost = _cost(d["cost"], index, f"{path}, trial {i + 1}")
        if cost is None:
            dropped["non-finite cost"] += 1
            continue
        kept.append({"config_id": str(d["config_id"]), "budget": d.get("budget"), "cost": cost,
                     "time": d.get("time", math.nan)})
    frame = pd.DataFrame(kept, columns=["config_id", BUDGET, "cost", "time"])
    frame[BUDGET] = pd.to_numeric(frame[BUDGET], errors="coerce").astype(float)
    return frame, dict(dropped)


def _status(value, where: str) -> str:
    """A trial's status by its StatusType name: SMAC3 writes the code; the name (``"SUCCESS"``) and the enum as a
    serialiser writes it (``{"__enum__": "StatusType.SUCCESS"}``) are read too. An unknown code is counted by it."""
    if isinstance(value, dict) and list(value) == ["__enum__"]:
        value = value["__enum__"]
    if isinstance(value, str) and value.removeprefix("StatusType.") in STATUS.values():
        return value.removeprefix("StatusType.")
    if isinstance(value, int) and not isinstance(value, bool):
        return STATUS.get(value, f"status {value}")
    raise DataError(f"{where}: status {json.dumps(value)} is not a SMAC3 status (a code 0-4 or one of "
                    f"{', '.join(STATUS.values())})")


def _cost(value, index: int | None, where: str) -> float | None:
    """A successful trial's cost (the ``index``-th of a multi-objective run's list) as a float; None where it is
    not finite (null, NaN, Infinity), counted as such. Anything but a JSON number is refused."""
    if index is not None:
        if not isinstance(value, list) or len(value) <= index:
            raise DataError(f"{where}: cost {json.dumps(value)} has no objective {index} (a list of costs, one per "
                            "objective)")
        value = value[index]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(f"{where}: cost {json.dumps(value)} is not a number")
    try:
        cost = float(value)
    except OverflowError:  # a whole number beyond double precision
        return None
    return cost if math.isfinite(cost) else None


def _at_budget(trials: pd.DataFrame, choice, path: Path) -> tuple[pd.DataFrame, int]:
    """The trials a surrogate sees under ``data.budget`` and the number of successful runs left out."""
    if choice == runs.FEATURE:
        return trials, 0
    if choice == runs.MAX:
        top = trials.groupby("config_id", sort=False)[BUDGET].transform("max")
        keep = (trials[BUDGET] == top) | top.isna()
    else:
        keep = np.isclose(trials[BUDGET].to_numpy(dtype=float), choice, rtol=1e-9, atol=0)
        if not keep.any():
            budgets = ", ".join(f"{b:g}" for b in sorted(trials[BUDGET].dropna().unique()))
            raise ConfigError(f"data.budget={choice:g}: no successful trial in {path} ran at that budget; budgets: {budgets}")
    return trials[keep].reset_index(drop=True), int((~np.asarray(keep)).sum())


def _counts(counter: dict) -> str:
    return ", ".join(f"{n} {s}" for s, n in counter.items())
