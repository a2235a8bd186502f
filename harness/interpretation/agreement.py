"""How two explanations agree: rank correlation, top-k overlap and shape correlation of single-feature terms.

Agreement between two records (a surrogate against a reference, one model at
two data sizes, two seeds, two tasks) is measured on single-feature terms
only — the terms every model has. Each function accepts records or the bare
tables (importance Series by feature, shapes frames), so tidy CSVs can be
compared without rebuilding records.
"""
from __future__ import annotations

import math
from itertools import repeat

import numpy as np
import pandas as pd

from harness.interpretation.record import Interpretation

MIN_SHARED = 3  # values two shapes must share for their correlation



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
        from scipy.stats import kendalltau, spearmanr  # here: importing scipy.stats costs ~0.7 s at start-up

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
