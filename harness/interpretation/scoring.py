"""Scoring an explanation against the truth of a table whose generating function is known.

``score(truth, record)`` says how far a record is from the truth: ranking
(Spearman, Kendall, top-k), sizes (relative importance error), shapes
(pooled normalised RMSE, correlation) and pairs (precision, recall, hits).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.interpretation.agreement import rank_agreement, shape_map, top_k_overlap
from harness.interpretation.record import Interpretation

TOP_K = 3
DEFAULT_THRESHOLD = 0.1


def shape_errors(truth: Interpretation, record: Interpretation) -> pd.DataFrame:
    """Per feature: how far the record's shape is from the true one, on the values both hold.

    Both shapes are re-centred to a row-weighted mean of 0 (weights: the
    truth's count of rows at each value), so a constant offset is no error.
    ``rmse``: row-weighted root-mean-square difference, in target units;
    ``scale``: the true shape's row-weighted RMS; ``nrmse`` = rmse / scale,
    comparable across features and tables, NaN for a feature without a true
    effect (its rmse is then pure spurious effect); ``r``: Pearson correlation
    (≥ 3 shared values, both shapes varying), else NaN.
    """
    out = []
    record_map = shape_map(record)
    for f, t in shape_map(truth).items():
        s = record_map.get(f, {})
        shared = [v for v in t if v in s]
        row = {"feature": f, "n_values": len(t), "n_shared": len(shared), "rmse": np.nan, "scale": np.nan, "nrmse": np.nan,
               "r": np.nan}
        if shared:
            w = np.array([t[v][1] for v in shared], dtype=float)
            w = w / w.sum()
            a, b = np.array([t[v][0] for v in shared]), np.array([s[v][0] for v in shared])
            a, b = a - w @ a, b - w @ b
            row["rmse"], row["scale"] = math.sqrt(w @ (b - a) ** 2), math.sqrt(w @ a**2)
            if row["scale"] > 1e-12:
                row["nrmse"] = row["rmse"] / row["scale"]
                if len(shared) >= 3 and np.ptp(b) > 0:
                    row["r"] = float(np.corrcoef(a, b)[0, 1])
        out.append(row)
    return pd.DataFrame(out, columns=["feature", "n_values", "n_shared", "rmse", "scale", "nrmse", "r"])


def pair_detection(truth: Interpretation, record: Interpretation, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """Which true pairs the record finds.

    A pair is *detected* when its term's importance is at least ``threshold``
    × the record's largest single-feature importance (a fixed share of the
    strongest effect, so a spurious pair of tiny importance does not count).
    ``pair_hits_at_k``: share of the true pairs among the record's top-k pair
    terms, k = the number of true pairs (threshold-free). A record without
    pair terms (ridge, additive GAM) detects none: recall 0, precision NaN.
    """
    def pairs_of(rec: Interpretation) -> list[tuple[frozenset, float]]:
        imp = rec.importances
        sel = (imp["kind"] == "pair").to_numpy()
        return [(frozenset(ab), float(v)) for *ab, v in
                zip(imp["feature_a"].to_numpy()[sel], imp["feature_b"].to_numpy()[sel], imp["importance"].to_numpy()[sel])]

    true = {p for p, v in pairs_of(truth) if v > 0}
    rp = sorted(pairs_of(record), key=lambda t: -t[1])  # stable: ties keep record order
    top_main = record.main_importances().max()
    detected = {p for p, v in rp if v >= threshold * top_main} if rp and top_main > 0 else set()
    hits = len(detected & true)
    notes = []
    if not len(rp):
        notes.append("the model has no pair terms")
    if not true:
        notes.append("the table has no true pair")
    return {
        "pair_precision": hits / len(detected) if detected else np.nan,
        "pair_recall": hits / len(true) if true else np.nan,
        "pair_hits_at_k": len({p for p, _ in rp[:len(true)]} & true) / len(true) if true else np.nan,
        "n_pairs_true": len(true),
        "n_pairs_detected": len(detected),
        "pair_note": "; ".join(notes),
    }


def score(truth: Interpretation, record: Interpretation, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """A record's fidelity to the truth: importance ranking, shapes and pair detection (``record`` = truth scores 1 / 0).

    Rank correlations are scale-free: a model of pure noise still ranks features with more levels higher, so
    ``importance_error`` = Σ |importance − true importance| / Σ true importance (single features) checks the sizes.
    ``shape_nrmse`` pools every feature's error: sqrt(Σ rmse²) / sqrt(Σ scale²),
    the error of the whole main-effect part relative to its true size (spurious
    effects of features without a true one count too).
    """
    ranks = rank_agreement(record, truth)
    errors = shape_errors(truth, record)
    total = math.sqrt((errors["scale"] ** 2).sum())
    true_imp = truth.main_importances()
    gap = (record.main_importances().reindex(true_imp.index).fillna(0.0) - true_imp).abs().sum()
    return {
        "spearman": ranks["spearman"],
        "kendall": ranks["kendall"],
        f"top{TOP_K}_overlap": top_k_overlap(record, truth, TOP_K),
        "importance_error": gap / true_imp.sum() if true_imp.sum() > 0 else np.nan,
        "shape_nrmse": math.sqrt((errors["rmse"] ** 2).sum()) / total if total > 0 else np.nan,
        "shape_r_mean": float(errors["r"].mean()) if errors["r"].notna().any() else np.nan,
        **pair_detection(truth, record, threshold),
        "rank_note": ranks["reason"],
    }
