"""The objectives of a table: every recorded score a surrogate may model, with its direction and unit.

A configuration is often scored several ways: the NMT tables record dev BLEU, decode time, perplexity,
updates, memory and parameter count; a user's table may hold accuracy and latency (``data.targets``); an
Optuna study may have several objectives. A reader lists them in ``Dataset.objectives``
(name -> direction, label, unit) and the ones asked for in ``Dataset.targets``; the target ``y`` is one of
them and the others sit in ``extras``. :func:`retarget` gives the same table with another of them as its
target, so every experiment can model any objective, in its own direction (``Dataset.maximize``, used by
MRR, regret and the HPO orders) and unit.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from harness.config import flag
from harness.data.dataset import Dataset
from harness.errors import ConfigError, DataError

log = logging.getLogger("harness")


@dataclass(frozen=True)
class Objective:
    """One recorded score: which way is better, how people call it, and its unit ("" = a plain number)."""

    name: str
    maximize: bool
    label: str = ""
    unit: str = ""

    @property
    def display(self) -> str:
        return self.label or self.name

    @property
    def goal(self) -> str:
        return "higher is better" if self.maximize else "lower is better"

    def as_meta(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "name"}


def objectives_of(ds: Dataset) -> dict[str, Objective]:
    """The table's objectives by name, its current target first (a reader that lists none has only its target)."""
    listed = {n: Objective(n, **d) for n, d in ds.objectives.items()}
    own = listed.get(ds.target) or Objective(ds.target, ds.maximize, ds.label, ds.unit)
    return {ds.target: replace(own, maximize=ds.maximize), **{n: o for n, o in listed.items() if n != ds.target}}


def find(ds: Dataset, name, option: str) -> Objective:
    """The objective ``name`` of the table, or one line naming the option and the known objectives."""
    known = objectives_of(ds)
    if str(name) not in known:
        raise ConfigError(f"{option}={name!r} is not an objective of table {table_name(ds)}; "
                          f"known objectives: {', '.join(known)}")
    return known[str(name)]


def targets_of(ds: Dataset) -> list[Objective]:
    """The objectives asked for (``data.targets``), in the order given; the target alone if none were."""
    return [find(ds, n, "data.targets") for n in ds.targets or [ds.target]]


def direction(option_value, objective: Objective, option: str = "data.maximize") -> bool:
    """The direction to use: the objective's own; an option that says otherwise is refused, not obeyed."""
    if option_value is None or option_value == "":
        return objective.maximize
    maximize = flag(option_value, option)
    if maximize != objective.maximize:
        raise ConfigError(
            f"{option}={str(maximize).lower()} contradicts {objective.name} ({objective.display}), which is "
            f"{'maximised' if objective.maximize else 'minimised'} ({objective.goal}); leave {option} unset"
        )
    return maximize


def table_name(ds: Dataset) -> str:
    """The name of the table itself, whichever objective it currently models."""
    return ds.table or ds.name


def retarget(ds: Dataset, name, option: str = "data.target") -> Dataset:
    """The same table with objective ``name`` as its target; the old target joins the extras.

    Rows where the new target has no value (an NMT ``gpu_memory`` of 0) are left out and counted. The
    name becomes ``<table>.<objective>`` and the fingerprint covers the target and its direction, so cached
    cells and the paper's checks (keyed by the pair's name) never take one objective for another.
    """
    obj = find(ds, name, option)
    if obj.name == ds.target:
        return ds
    values = pd.to_numeric(ds.column(obj.name), errors="coerce").to_numpy(dtype=float)
    keep = np.flatnonzero(np.isfinite(values))
    table = table_name(ds)
    if len(keep) < len(ds):
        log.warning("%s: %d of %d rows have no %s; they are left out", table, len(ds) - len(keep), len(ds), obj.name)
    if len(np.unique(values[keep])) < 2:
        raise DataError(f"table {table}, column {obj.name}: fewer than two distinct values; there is nothing to explain")
    extras = ds.extras.drop(columns=[obj.name]).assign(**{ds.target: ds.y.to_numpy()}).iloc[keep]
    digest = hashlib.sha256(f"{ds.fingerprint}|target={obj.name}|maximize={obj.maximize}".encode()).hexdigest()
    missing = {f"no {obj.name}": len(ds) - len(keep)} if len(keep) < len(ds) else {}
    return replace(
        ds,
        name=f"{table}.{obj.name}",
        X=ds.X.iloc[keep].reset_index(drop=True),
        y=pd.Series(values[keep], name=obj.name),
        extras=extras.reset_index(drop=True),
        maximize=obj.maximize,
        fingerprint=digest,
        table=table,
        label=obj.display,
        unit=obj.unit,
        dropped={**ds.dropped, **missing},
    )
