"""The Interpretation record every surrogate produces, and how records are compared.

One shape for every explanation — term importances, per-feature shapes,
pairwise surfaces, data density — so an EBM, a GAM, a tree, XGBoost, a ridge
model and the known truth of a synthetic table can be set side by side.

Importance of a term = mean |f(x)| over the data the model was fitted on,
with each term's contribution centred to mean zero over that data (the
paper's definition, and InterpretML's ``term_importances()``).

Agreement between two records (a surrogate against a reference, one model at
two data sizes, two seeds, two tasks) is measured on single-feature terms
only — the terms every model has: rank correlation of the importances
(``rank_agreement``), overlap of the top k (``top_k_overlap``) and, per
feature, the Pearson correlation of the two shapes on the values both hold
(``shape_correlations``); ``agreement`` gives all of them as one row. Each
accepts records or the bare tables (importance Series by feature, shapes
frames), so tidy CSVs can be compared without rebuilding records.
"""
from __future__ import annotations

from itertools import repeat

import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

IMPORTANCE_COLUMNS = ["term", "kind", "feature_a", "feature_b", "importance"]
SHAPE_COLUMNS = ["feature", "value", "contribution", "lower", "upper", "density"]
INTERACTION_COLUMNS = ["feature_a", "feature_b", "value_a", "value_b", "contribution"]
MIN_SHARED = 3  # values two shapes must share for their correlation


def pair_term(a: str, b: str) -> str:
    return f"{a} x {b}"


@dataclass
class Interpretation:
    """A fitted model's explanation of one table.

    ``importances``: one row per term (``kind`` main or pair; a pair term is
    named ``"a x b"`` with ``a`` before ``b`` in schema order).
    ``shapes``: per feature and value, the centred contribution, an
    uncertainty band where the model has one (else NaN) and the number of
    rows holding that value. ``interactions``: per pair of features and
    pair of values, the pair term's contribution (centred; a pure interaction where the model's pair terms are).
    ``method`` says in words how importance was obtained for this model.
    """

    surrogate: str
    dataset: str
    method: str
    importances: pd.DataFrame
    shapes: pd.DataFrame
    interactions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INTERACTION_COLUMNS))

    def main_importances(self) -> pd.Series:
        """Single-feature importances by feature (computed once per record: comparisons ask thousands of times)."""
        cached = self.__dict__.get("_mains")
        if cached is None:
            imp = self.importances[self.importances["kind"] == "main"]
            cached = self.__dict__["_mains"] = imp.set_index("feature_a")["importance"]
        return cached.copy()

    def ranking(self, kind: str | None = None) -> pd.DataFrame:
        """Terms by decreasing importance with ``rank`` 1 = most important (ties keep record order)."""
        imp = self.importances if kind is None else self.importances[self.importances["kind"] == kind]
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
        return {
            "surrogate": self.surrogate,
            "dataset": self.dataset,
            "method": self.method,
            "importances": self.importances[IMPORTANCE_COLUMNS].to_dict(orient="list"),
            "shapes": self.shapes[SHAPE_COLUMNS].to_dict(orient="list"),
            "interactions": self.interactions[INTERACTION_COLUMNS].to_dict(orient="list"),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Interpretation":
        return cls(
            surrogate=d["surrogate"],
            dataset=d["dataset"],
            method=d["method"],
            importances=pd.DataFrame(d["importances"], columns=IMPORTANCE_COLUMNS),
            shapes=pd.DataFrame(d["shapes"], columns=SHAPE_COLUMNS),
            interactions=pd.DataFrame(d["interactions"], columns=INTERACTION_COLUMNS),
        )

    def frames(self, **keys) -> dict[str, pd.DataFrame]:
        """Tidy frames for importances.csv / shapes.csv / interactions.csv, with key columns first."""
        base = {"surrogate": self.surrogate, "dataset": self.dataset, **keys}
        out = {}
        for name, df in (("importances", self.importances), ("shapes", self.shapes), ("interactions", self.interactions)):
            out[name] = pd.concat([pd.DataFrame(base, index=df.index), df], axis=1)
        return out


def records_of(
    importances: pd.DataFrame,
    shapes: pd.DataFrame,
    interactions: pd.DataFrame | None = None,
    by: Iterable[str] = ("surrogate", "dataset", "seed"),
) -> dict[tuple, Interpretation]:
    """Rebuild records from tidy frames (as ``frames()`` writes them), one per value of the ``by`` columns.

    Keys are tuples of the ``by`` columns present in the frames (absent ones
    are ignored); the method comes from a ``method`` column of the
    importances when there is one.
    """
    by = [c for c in by if c in importances.columns]
    parts = {
        name: dict(iter(frame.groupby(by, sort=False, dropna=False))) if frame is not None and len(frame) else {}
        for name, frame in (("shapes", shapes), ("interactions", interactions))
    }
    empty = {"shapes": pd.DataFrame(columns=SHAPE_COLUMNS), "interactions": pd.DataFrame(columns=INTERACTION_COLUMNS)}
    out = {}
    for key, imp in importances.groupby(by, sort=False, dropna=False):
        out[key] = Interpretation(
            surrogate=str(imp["surrogate"].iloc[0]),
            dataset=str(imp["dataset"].iloc[0]),
            method=str(imp["method"].iloc[0]) if "method" in imp else "",
            importances=imp[IMPORTANCE_COLUMNS].reset_index(drop=True),
            shapes=parts["shapes"].get(key, empty["shapes"])[SHAPE_COLUMNS].reset_index(drop=True),
            interactions=parts["interactions"].get(key, empty["interactions"])[INTERACTION_COLUMNS].reset_index(drop=True),
        )
    return out


def average(records: list[Interpretation]) -> Interpretation:
    """The mean record of several fits of one surrogate to one table (e.g. over seeds): every number averaged.

    A term, value or value pair missing from some records is averaged over
    the records that have it.
    """
    if not records:
        raise ValueError("average of no records")
    first = records[0]
    if len(records) == 1:
        return first

    def mean(name: str, keys: list[str]) -> pd.DataFrame:
        frame = pd.concat([getattr(r, name) for r in records], ignore_index=True)
        if not len(frame):
            return getattr(first, name)
        return frame.groupby(keys, sort=False, dropna=False).mean(numeric_only=True).reset_index()

    return Interpretation(
        surrogate=first.surrogate,
        dataset=first.dataset,
        method=f"{first.method} (mean of {len(records)} fits)",
        importances=mean("importances", ["term", "kind", "feature_a", "feature_b"])[IMPORTANCE_COLUMNS],
        shapes=mean("shapes", ["feature", "value"])[SHAPE_COLUMNS],
        interactions=mean("interactions", ["feature_a", "feature_b", "value_a", "value_b"])[INTERACTION_COLUMNS],
    )


# ---------------------------------------------------------------- agreement


def _mains(x) -> dict[str, float]:
    """feature -> importance, in record order, as a plain dict (cheap to index in the comparisons' inner loops)."""
    if isinstance(x, Interpretation):
        cached = x.__dict__.get("_mains_dict")
        if cached is None:
            cached = x.__dict__["_mains_dict"] = {str(f): float(v) for f, v in x.main_importances().items()}
        return cached
    return {str(f): float(v) for f, v in pd.Series(x, dtype=float).items()}


def _value_key(v):
    """Values as one type whatever their source (record, JSON or CSV): 512, 512.0 and "512" match."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return float(f"{f:.12g}") if math.isfinite(f) else str(v)


def rank_agreement(a, b) -> dict:
    """Spearman and Kendall (tau-b) correlation of the single-feature importances on the features both have.

    NaN with a reason when fewer than three features are shared or either
    side's importances are all equal.
    """
    ia, ib = _mains(a), _mains(b)
    shared = [f for f in ia if f in ib]
    out = {"spearman": np.nan, "kendall": np.nan, "n_features": len(shared), "reason": ""}
    xa, xb = np.array([ia[f] for f in shared]), np.array([ib[f] for f in shared])
    if len(shared) < 3:
        out["reason"] = f"only {len(shared)} shared features"
    elif len(set(xa[~np.isnan(xa)])) < 2 or len(set(xb[~np.isnan(xb)])) < 2:
        out["reason"] = "importances are all equal on one side"
    else:
        out["spearman"] = float(spearmanr(xa, xb).statistic)
        out["kendall"] = float(kendalltau(xa, xb).statistic)
    return out


def top_k(x, k: int = 3) -> list[str]:
    """The k most important single features (ties broken by record order)."""
    mains = _mains(x)
    return sorted(mains, key=lambda f: (math.isnan(mains[f]), -mains[f]))[:k]  # stable: ties keep record order


def top_k_overlap(a, b, k: int = 3) -> float:
    """|top_k(a) ∩ top_k(b)| / k, on single features."""
    return len(set(top_k(a, k)) & set(top_k(b, k))) / k


def shape_correlations(a, b, min_shared: int = MIN_SHARED) -> pd.DataFrame:
    """Per feature: Pearson correlation of the two shapes on the values both hold.

    Columns feature, n_shared, pearson, reason; NaN with a reason when fewer
    than ``min_shared`` values are shared or a shape is constant on them.
    Accepts records or shapes frames (columns feature, value, contribution).
    """
    return pd.DataFrame(_shape_pearsons(a, b, min_shared), columns=["feature", "n_shared", "pearson", "reason"])


def _shape_pearsons(a, b, min_shared: int) -> list[tuple[str, int, float, str]]:
    ma, mb = shape_map(a), shape_map(b)
    rows = []
    for feature, ca in ma.items():
        cb = mb.get(feature, {})
        shared = [v for v in ca if v in cb]
        r, reason = np.nan, ""
        xa = np.array([ca[v][0] for v in shared])
        xb = np.array([cb[v][0] for v in shared])
        if len(shared) < min_shared:
            reason = f"{len(shared)} shared values (< {min_shared})"
        elif np.ptp(xa) == 0 or np.ptp(xb) == 0:
            reason = "constant shape on the shared values"
        else:
            r = float(np.corrcoef(xa, xb)[0, 1])
        rows.append((feature, len(shared), r, reason))
    return rows


def shape_map(x) -> dict[str, dict]:
    """feature -> {value key: (mean contribution, rows)} of a record or shapes frame.

    Comparisons run thousands of times in the stability and fidelity
    experiments, so a record computes this once and keeps it.
    """
    if isinstance(x, Interpretation):
        cached = x.__dict__.get("_shape_map")
        if cached is None:
            cached = x.__dict__["_shape_map"] = shape_map(x.shapes)
        return cached
    acc: dict[str, dict] = {}
    for f, v, c, d in zip(x["feature"], x["value"], x["contribution"], x["density"] if "density" in x else repeat(0)):
        entry = acc.setdefault(f, {}).setdefault(_value_key(v), [0.0, 0, 0.0])
        entry[0] += float(c)
        entry[1] += 1
        entry[2] += 0.0 if pd.isna(d) else float(d)
    return {f: {k: (total / n, rows) for k, (total, n, rows) in m.items()} for f, m in acc.items()}


def agreement(a, b, k: int = 3) -> dict:
    """One row comparing record ``a`` with reference ``b``: rank correlations, top-k overlap, mean shape correlation.

    ``shape_r_mean`` averages the per-feature Pearson correlations that are
    defined; ``shape_r_features`` says how many that was.
    """
    ranks = rank_agreement(a, b)
    defined = [r for _, _, r, _ in _shape_pearsons(a, b, MIN_SHARED) if not math.isnan(r)]
    return {
        "spearman": ranks["spearman"],
        "kendall": ranks["kendall"],
        f"top{k}_overlap": top_k_overlap(a, b, k),
        "shape_r_mean": float(np.mean(defined)) if defined else np.nan,
        "shape_r_features": len(defined),
        "n_features": ranks["n_features"],
        "reason": ranks["reason"],
    }
