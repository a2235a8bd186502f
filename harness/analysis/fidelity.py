"""Fidelity as tables: each fit's scores against the known truth, and their means per method and per grid point.

A fit is a surrogate (an importance method) fitted on all rows of one
synthetic table; it is scored against the truth of those rows (``table``
scores) and against the truth over fresh uniform rows (``global_*``: what
holds for the whole search space), and its prediction is scored by ``r2``
against the noise-free signal. The grid varies ``n_rows``, ``snr`` and
``sampling``. Pure functions of the tidy ``metrics``, ``scores``,
``importances`` and ``shapes`` tables.
"""
from __future__ import annotations

import pandas as pd

from harness.analysis.summary import mean_std
from harness.explanations import Interpretation, records_of
from harness.explanations.scoring import score

GRID = ("n_rows", "snr", "sampling")
TOP_K = 3
SCORES = ("spearman", "kendall", f"top{TOP_K}_overlap", "importance_error", "shape_nrmse", "shape_r_mean", "pair_precision",
          "pair_recall", "pair_hits_at_k", "global_spearman", "global_importance_error", "global_shape_nrmse")
MEASURES = [*[c for c in SCORES if not c.startswith("global_")], "r2"]  # what each method is compared by
SKEW = ["spearman", "global_spearman", "importance_error", "global_importance_error", "shape_nrmse", "global_shape_nrmse",
        "r2"]  # pairs of (against the table's truth, against the global truth), then the test R²


def fit_scores(truth: Interpretation, overall: Interpretation, record: Interpretation, threshold: float) -> dict:
    """One fit's row of scores.csv: against its table's truth, the threshold, and the global truth's ``global_*``."""
    return {**score(truth, record, threshold), "pair_threshold": threshold,
            **{f"global_{k}": v for k, v in score(overall, record, threshold).items() if f"global_{k}" in SCORES}}


def scored_fits(rows: pd.DataFrame, scores: pd.DataFrame | None) -> pd.DataFrame:
    """The metrics rows with their fits' scores beside them (all NaN when no fit was scored)."""
    if scores is None or not len(scores):
        return rows.assign(**dict.fromkeys(SCORES, float("nan")))
    return rows.merge(scores.drop(columns=[*GRID, "experiment"]), on=["dataset", "surrogate", "seed"], how="left")


def grid_summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std over seeds of every score and the test R², per surrogate and grid point."""
    return mean_std(scored, ["surrogate", "sampling", "snr", "n_rows"], metrics=[*SCORES, "r2"])


def method_means(scored: pd.DataFrame, by=("surrogate",), cols=MEASURES) -> pd.DataFrame:
    """Mean of ``cols`` over every successful fit, per ``by`` (a method's place on the leaderboard), first seen first."""
    ok = scored[scored["status"] == "ok"]
    return ok.groupby(list(by), sort=False)[list(cols)].mean()


def failed_fits(scored: pd.DataFrame) -> pd.Series:
    """How many fits of each surrogate failed (they are not averaged)."""
    return scored[scored["status"] != "ok"].groupby("surrogate").size()


def reference_setting(summary: pd.DataFrame) -> dict:
    """The most favourable size, the middle noise level, the first sampling listed: one setting to quote."""
    snrs = sorted(summary["snr"].unique())
    return {"n_rows": summary["n_rows"].max(), "snr": snrs[(len(snrs) - 1) // 2], "sampling": summary["sampling"].iloc[0]}


def at_setting(frame: pd.DataFrame, s: dict) -> pd.DataFrame:
    """The rows of ``frame`` at grid point ``s``."""
    return frame[(frame["n_rows"] == s["n_rows"]) & (frame["snr"] == s["snr"]) & (frame["sampling"] == s["sampling"])]


def first_seed_records(importances: pd.DataFrame, shapes: pd.DataFrame, s: dict) -> dict[tuple, Interpretation]:
    """Every explanation (the truth's among them) at grid point ``s`` and its first seed, by (surrogate, table, seed)."""
    imp = at_setting(importances, s)
    if not len(imp):
        return {}
    seed = imp["seed"].min()
    imp = imp[imp["seed"] == seed]
    return records_of(imp, shapes[shapes["dataset"].isin(imp["dataset"].unique()) & (shapes["seed"] == seed)],
                      by=("surrogate", "dataset", "seed"))
