"""The Interpretation record every explainer produces: one shape for every explanation.

Term importances, per-feature shapes, pairwise surfaces and data density in
one record, so an EBM, a GAM, a tree, XGBoost, a ridge model, fANOVA and the
known truth of a synthetic table can be set side by side.

Importance of a term = mean |f(x)| over the data the model was fitted on,
with each term's contribution centred to mean zero over that data (the
paper's definition, and InterpretML's ``term_importances()``); explainers
that measure importance another way say so in ``method``. A conditional
hyperparameter (one a trial may leave unset) is measured over the rows where
it is set: ``active`` holds the share of rows each such term was measured
over, so a reader can weigh a large effect on few rows.

Each importance has a nominal 90 % interval (``lower``, ``upper``; NaN where the
method gives none, and its ``method`` says so) and, for a record with pair
terms, each hyperparameter has a ``total`` row: its main term plus the pair
terms it is in (``harness.interpretation.intervals``). ``sense`` says where
the importance holds: ``global`` (over the declared search space) or
``local`` (near the best: what it takes to reach the top scores).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from harness.interpretation import intervals
from harness.interpretation.intervals import TERM_COLUMNS, TOTAL

IMPORTANCE_COLUMNS = [*TERM_COLUMNS, "lower", "upper"]
TERM_KINDS = ("main", "pair")  # the model's own terms; "total" rows sum them per hyperparameter
GLOBAL, LOCAL = "global", "local"
SENSES = (GLOBAL, LOCAL)
TOP_GAMMA = "importance for reaching the top"  # how a local measure (PED-ANOVA's) begins
SHAPE_COLUMNS = ["feature", "value", "contribution", "lower", "upper", "density"]
INTERACTION_COLUMNS = ["feature_a", "feature_b", "value_a", "value_b", "contribution"]
MEAN_ABS = "mean |centred term|"  # what importance measures unless an explainer says otherwise
# How a metrics row's reason begins when the cell fitted but an explainer failed: "not explained: <why>" for the
# surrogate's own explainer, "not explained by <label>: <why>" for an extra one (harness.cells writes it,
# harness.analysis.summary reads it).
NOT_EXPLAINED = "not explained"


def pair_term(a: str, b: str) -> str:
    return f"{a} x {b}"


@dataclass
class Interpretation:
    """A fitted model's explanation of one table.

    ``importances``: one row per term (``kind`` main or pair; a pair term is
    named ``"a x b"`` with ``a`` before ``b`` in schema order), then one
    ``total`` row per hyperparameter where there are pair terms (named
    ``"a (total)"``), each with its nominal 90 % interval ``lower``/``upper``.
    ``shapes``: per feature and value, the centred contribution, an
    uncertainty band where the model has one (else NaN) and the number of
    rows holding that value. ``interactions``: per pair of features and
    pair of values, the pair term's contribution (centred; a pure interaction where the model's pair terms are).
    ``method`` says in words how importance was obtained for this model. ``active``: term -> the share of the
    rows its importance and shape were measured over, for terms measured over fewer than all rows (a conditional
    hyperparameter, over the rows where it is set); every other term was measured over all rows.
    ``sense``: ``global`` or ``local`` (see the module docstring). ``resamples``: the replicates the intervals
    came from (replicates × main and pair terms), where the record was made with them; not written to tables.
    """

    surrogate: str
    dataset: str
    method: str
    importances: pd.DataFrame
    shapes: pd.DataFrame
    interactions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INTERACTION_COLUMNS))
    extras: dict = field(default_factory=dict)  # what an explainer adds beside the tables (EBM's JSON export)
    measure: str = MEAN_ABS  # what an importance is, in words short enough for an axis label
    active: dict[str, float] = field(default_factory=dict)
    sense: str = GLOBAL
    resamples: pd.DataFrame | None = None

    def __post_init__(self):
        missing = [c for c in IMPORTANCE_COLUMNS if c not in self.importances.columns]
        if missing:  # a record made before intervals existed (or by hand): no bounds
            self.importances = self.importances.assign(**dict.fromkeys(missing, np.nan))[IMPORTANCE_COLUMNS]

    def active_share(self, term: str) -> float:
        """The share of rows the term was measured over (1.0 unless it is conditional; a total: its feature's)."""
        return float(self.active.get(term, self.active.get(term.removesuffix(" (total)"), 1.0)))

    def settled(self, kind: str = "main") -> pd.DataFrame:
        """The orderings of hyperparameters this record settles: (feature_hi, feature_lo, basis) for "feature_hi
        matters more than feature_lo" (``kind``: main or total effects); every ordering not listed is not settled."""
        if kind not in ("main", TOTAL):
            raise ValueError(f"settled: kind must be 'main' or 'total', got {kind!r}")
        return intervals.settled(self.importances, kind)

    def main_importances(self) -> pd.Series:
        """Single-feature importances by feature (computed once per record: comparisons ask thousands of times)."""
        cached = self.__dict__.get("_mains")
        if cached is None:
            imp = self.importances[self.importances["kind"] == "main"]
            cached = self.__dict__["_mains"] = imp.set_index("feature_a")["importance"]
        return cached.copy()

    def ranking(self, kind: str | None = None) -> pd.DataFrame:
        """Terms by decreasing importance with ``rank`` 1 = most important (ties keep record order); ``kind`` None:
        the model's terms (main and pair), not the totals that sum them."""
        kinds = TERM_KINDS if kind is None else (kind,)
        imp = self.importances[self.importances["kind"].isin(kinds)]
        out = imp.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
        return out.assign(rank=np.arange(1, len(out) + 1))

    def shape(self, feature: str) -> pd.Series:
        """The feature's contribution by value, in record order."""
        s = self.shapes[self.shapes["feature"] == feature]
        return s.set_index("value")["contribution"]

    def surface(self, a: str, b: str) -> pd.DataFrame:
        """The pair term of ``a`` and ``b`` as a value_a × value_b table (NaN where the rows hold no such pair)."""
        s = self.interactions[(self.interactions["feature_a"] == a) & (self.interactions["feature_b"] == b)]
        if not len(s):
            s = self.interactions[(self.interactions["feature_a"] == b) & (self.interactions["feature_b"] == a)]
            s = s.rename(columns={"feature_a": "feature_b", "feature_b": "feature_a", "value_a": "value_b", "value_b": "value_a"})
        table = s.pivot_table(index="value_a", columns="value_b", values="contribution", sort=False)
        for axis in (0, 1):
            if pd.api.types.is_numeric_dtype(table.axes[axis]):
                table = table.sort_index(axis=axis)
        return table

    def to_dict(self) -> dict:
        out = {
            "surrogate": self.surrogate,
            "dataset": self.dataset,
            "method": self.method,
            "importances": self.importances[IMPORTANCE_COLUMNS].to_dict(orient="list"),
            "shapes": self.shapes[SHAPE_COLUMNS].to_dict(orient="list"),
            "interactions": self.interactions[INTERACTION_COLUMNS].to_dict(orient="list"),
            "extras": self.extras,
            "measure": self.measure,
            "sense": self.sense,
        }
        if self.active:  # only conditional tables have it: the records of all others stay as they were
            out["active"] = dict(self.active)
        if self.resamples is not None:
            out["resamples"] = self.resamples.to_dict(orient="list")
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Interpretation":
        """The record ``to_dict`` wrote; one written before intervals existed gets NaN bounds and its totals."""
        importances = pd.DataFrame(d["importances"])
        if "lower" not in importances:
            importances = intervals.with_intervals(importances, None, None)
        measure = d.get("measure") or MEAN_ABS
        return cls(
            surrogate=d["surrogate"],
            dataset=d["dataset"],
            method=d["method"],
            importances=importances.reindex(columns=IMPORTANCE_COLUMNS),
            shapes=pd.DataFrame(d["shapes"], columns=SHAPE_COLUMNS),
            interactions=pd.DataFrame(d["interactions"], columns=INTERACTION_COLUMNS),
            extras=d.get("extras") or {},
            measure=measure,
            active=d.get("active") or {},
            sense=d.get("sense") or sense_of_measure(measure),
            resamples=pd.DataFrame(d["resamples"]) if d.get("resamples") else None,
        )

    def frames(self, **keys) -> dict[str, pd.DataFrame]:
        """Tidy frames for importances.csv / shapes.csv / interactions.csv, with key columns first; the importances
        end with ``active_share`` (1.0 for a term measured over all rows)."""
        base = {"surrogate": self.surrogate, "dataset": self.dataset, **keys}
        out = {}
        for name, df in (("importances", self.importances), ("shapes", self.shapes), ("interactions", self.interactions)):
            out[name] = pd.concat([pd.DataFrame(base, index=df.index), df], axis=1)
        out["importances"]["active_share"] = [self.active_share(t) for t in self.importances["term"]]
        out["importances"]["sense"] = self.sense
        return out


def sense_of_measure(measure: str) -> str:
    """The sense of a record that does not say (written before records did): local for PED-ANOVA's measure."""
    return LOCAL if str(measure).startswith(TOP_GAMMA) else GLOBAL


def records_of(
    importances: pd.DataFrame,
    shapes: pd.DataFrame,
    interactions: pd.DataFrame | None = None,
    by: Iterable[str] = ("surrogate", "dataset", "seed"),
) -> dict[tuple, Interpretation]:
    """Rebuild records from tidy frames (as ``frames()`` writes them), one per value of the ``by`` columns.

    Keys are tuples of the ``by`` columns present in the frames (absent ones
    are ignored); the method comes from a ``method`` column of the
    importances when there is one, the active shares from ``active_share``, the sense from ``sense``.
    """
    by = [c for c in by if c in importances.columns]
    parts = {
        name: dict(iter(frame.groupby(by, sort=False, dropna=False))) if frame is not None and len(frame) else {}
        for name, frame in (("shapes", shapes), ("interactions", interactions))
    }
    empty = {"shapes": pd.DataFrame(columns=SHAPE_COLUMNS), "interactions": pd.DataFrame(columns=INTERACTION_COLUMNS)}
    out = {}
    for key, imp in importances.groupby(by, sort=False, dropna=False):
        measure = str(imp["measure"].iloc[0]) if "measure" in imp else MEAN_ABS
        out[key] = Interpretation(
            surrogate=str(imp["surrogate"].iloc[0]),
            dataset=str(imp["dataset"].iloc[0]),
            method=str(imp["method"].iloc[0]) if "method" in imp else "",
            measure=measure,
            sense=str(imp["sense"].iloc[0]) if "sense" in imp else sense_of_measure(measure),
            active=_active_of(imp),
            importances=imp.reindex(columns=IMPORTANCE_COLUMNS).reset_index(drop=True),
            shapes=parts["shapes"].get(key, empty["shapes"])[SHAPE_COLUMNS].reset_index(drop=True),
            interactions=parts["interactions"].get(key, empty["interactions"])[INTERACTION_COLUMNS].reset_index(drop=True),
        )
    return out


def _active_of(importances: pd.DataFrame) -> dict[str, float]:
    """The ``active`` mapping from a tidy importances frame (the terms measured over fewer than all rows; a
    frame written before the column existed holds none)."""
    if "active_share" not in importances:
        return {}
    share = importances.set_index("term")["active_share"].astype(float)
    return {str(t): float(v) for t, v in share.items() if pd.notna(v) and v != 1.0}


def average(records: list[Interpretation]) -> Interpretation:
    """The mean record of several fits of one surrogate to one table (e.g. over seeds): every number averaged.

    A term, value or value pair missing from some records is averaged over
    the records that have it (an active share too, where a record measured the term over all rows: 1.0).
    """
    if not records:
        raise ValueError("average of no records")
    first = records[0]
    if len(records) == 1:
        return first

    def mean(name: str, keys: list[str]) -> pd.DataFrame:
        # a record without rows here (a fit with no pair terms) holds columns of no dtype: left out, it cannot turn
        # the others' numbers into objects that the mean would then drop
        frames = [f for f in (getattr(r, name) for r in records) if len(f)]
        if not frames:
            return getattr(first, name)
        frame = pd.concat(frames, ignore_index=True)
        values = [c for c in frame.columns if c not in keys]
        frame[values] = frame[values].apply(pd.to_numeric, errors="coerce")
        return frame.groupby(keys, sort=False, dropna=False)[values].mean().reset_index()

    return Interpretation(
        surrogate=first.surrogate,
        dataset=first.dataset,
        sense=first.sense,
        method=f"{first.method} (mean of {len(records)} fits)",
        importances=mean("importances", ["term", "kind", "feature_a", "feature_b"])[IMPORTANCE_COLUMNS],
        shapes=mean("shapes", ["feature", "value"])[SHAPE_COLUMNS],
        interactions=mean("interactions", ["feature_a", "feature_b", "value_a", "value_b"])[INTERACTION_COLUMNS],
        active=_mean_shares(records),
        measure=first.measure,  # what the method measures is the same for every fit of it
    )


def _mean_shares(records: list[Interpretation]) -> dict[str, float]:
    """Each conditional term's active share averaged over the records that hold the term."""
    held = [set(r.importances["term"]) for r in records]
    return {t: float(np.mean([r.active_share(t) for r, terms in zip(records, held) if t in terms]))
            for t in dict.fromkeys(t for r in records for t in r.active)}
