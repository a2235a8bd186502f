"""Fidelity as tables: each fit's scores against the known truth, and their means per method and per grid point.

A fit is a surrogate (an importance method) fitted on all rows of one
synthetic table; it is scored against the truth of those rows (``table``
scores) and against the truth over fresh uniform rows (``global_*``: what
holds for the whole search space), and its prediction is scored by ``r2``
against the noise-free signal. The grid varies ``n_rows``, ``snr`` and
``sampling``. Pure functions of the tidy ``metrics``, ``scores``,
``importances`` and ``shapes`` tables.

**Honesty** (``interval_scores``): each record's intervals and settled
orderings are scored against the truth in the record's own sense
(``matching_truth``: a local record against the local truth; a global one
against the global truth in its measure — variance fractions for fANOVA, mean
|term| otherwise): per table, ``coverage_*`` is the share of hyperparameters
whose nominal 90 % interval holds the true value (measures in the truth's
units only), ``width_*`` the mean interval width as a share of the record's
summed importances, ``settled_*`` how many orderings the record settles and
``settled_true_*`` how many of those the truth bears out, for main (``_main``)
and total (``_total``) effects; ``sense_spearman`` and ``total_spearman`` rank
the main effects and the totals against the true ones in that sense.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.analysis.summary import mean_std
from harness.interpretation import Interpretation, records_of
from harness.interpretation.agreement import rank_agreement
from harness.interpretation.record import LOCAL, MEAN_ABS, TOP_GAMMA
from harness.interpretation.scoring import score

GRID = ("n_rows", "snr", "sampling")
TOP_K = 3
SCORES = ("spearman", "kendall", f"top{TOP_K}_overlap", "importance_error", "shape_nrmse", "shape_r_mean", "pair_precision",
          "pair_recall", "pair_hits_at_k", "global_spearman", "global_importance_error", "global_shape_nrmse")
MEASURES = [*[c for c in SCORES if not c.startswith("global_")], "r2"]  # what each method is compared by
SKEW = ["spearman", "global_spearman", "importance_error", "global_importance_error", "shape_nrmse", "global_shape_nrmse",
        "r2"]  # pairs of (against the table's truth, against the global truth), then the test R²


RANKING = ("spearman", "kendall", f"top{TOP_K}_overlap")  # what every method is scored on
VARIANCE = "fraction of variance"  # fANOVA's measure (harness.explainers.fanova)
KINDS = ("main", "total")
HONESTY = tuple(f"{what}_{kind}" for kind in KINDS for what in ("coverage", "width", "settled", "settled_true")) + (
    "sense_spearman", "total_spearman")
LOCAL_TIE = 0.02  # local truths closer than this share of the largest are ties (their Monte Carlo error: synthetic/local.py)


def sense_of(measure: str, sense: str = "global") -> tuple[str, str]:
    """(truth sense, what is scored) for a record whose importance is ``measure`` (``Interpretation.measure``) in
    ``sense`` (``Interpretation.sense``).

    A local record (PED-ANOVA: what it takes to reach the top γ) is scored against the local truth on its ranking.
    A variance fraction (fANOVA over the declared domain) is the generator's variance decomposition:
    scored against ``truth_of(.., sense="fanova")`` on everything. Mean |centred term| (EBM, GAM, trees,
    SHAP, ridge) is scored against the truth of the rows on everything. Any other measure (MDI's share of
    impurity decrease, permutation's MSE increase) is a property of the rows in units of its own: scored
    against the rows' truth on the ranking only, the rest left NaN.
    """
    if sense == LOCAL or str(measure).startswith(TOP_GAMMA):
        return "local", "ranking"
    if measure == VARIANCE:
        return "fanova", "all"
    return "mean", "all" if measure == MEAN_ABS else "ranking"


def matching_truth(record: Interpretation) -> str:
    """The truth sense a record's intervals and orderings are scored against: ``local`` for a local record,
    ``fanova`` for variance fractions, ``global`` (mean |term| over the declared space) for every other global one."""
    if record.sense == LOCAL or str(record.measure).startswith(TOP_GAMMA):
        return "local"
    return "fanova" if record.measure == VARIANCE else "global"


def gamma_of(measure: str, default: float = 0.1) -> float:
    """The top quantile a local measure names (``importance for reaching the top 0.1``)."""
    try:
        return float(str(measure).removeprefix(TOP_GAMMA).strip())
    except ValueError:
        return default


def interval_scores(truth: Interpretation, record: Interpretation) -> dict:
    """The honesty of a record's intervals and settled orderings against ``truth`` (its matching truth): see the
    module docstring. Coverage is NaN where the record's measure is not the truth's (units of its own) or it has no
    bounds; a record without totals has NaN for them."""
    out = dict.fromkeys(HONESTY, np.nan)
    tie = LOCAL_TIE if truth.sense == LOCAL else 1e-9
    for kind in KINDS:
        t = _by_feature(truth, kind)
        r = _by_feature(record, kind).reindex([f for f in t.index if f in set(record.importances["feature_a"])])
        if not len(r) or not len(t):
            continue
        t = t.reindex(r.index)
        bounded = r["lower"].notna() & r["upper"].notna()
        if record.measure == truth.measure and bounded.any():
            held = (r["lower"] <= t["importance"] + 1e-12) & (t["importance"] <= r["upper"] + 1e-12)
            out[f"coverage_{kind}"] = float(held[bounded].mean())
        total = r["importance"].abs().sum()
        if bounded.any() and total > 0:
            out[f"width_{kind}"] = float((r["upper"] - r["lower"])[bounded].mean() / total)
        claims = record.settled(kind)
        claims = claims[claims["feature_hi"].isin(r.index) & claims["feature_lo"].isin(r.index)]
        scale = tie * max(float(t["importance"].abs().max()), 1e-300)
        right = t.loc[claims["feature_hi"], "importance"].to_numpy() > t.loc[claims["feature_lo"], "importance"].to_numpy() + scale
        out[f"settled_{kind}"], out[f"settled_true_{kind}"] = len(claims), int(right.sum())
        out["sense_spearman" if kind == "main" else "total_spearman"] = rank_agreement(r["importance"], t["importance"])["spearman"]
    return out


def _by_feature(record: Interpretation, kind: str) -> pd.DataFrame:
    imp = record.importances
    return imp[imp["kind"] == kind].set_index("feature_a")[["importance", "lower", "upper"]].astype(float)


def reads_model(measure: str) -> bool:
    """Whether the method's cost includes the fit: PED-ANOVA reads the rows alone (its cell's forest is unused)."""
    return not str(measure).startswith(TOP_GAMMA)


def fit_scores(truth: Interpretation, overall: Interpretation, record: Interpretation, threshold: float) -> dict:
    """One fit's row of scores.csv: against its table's truth (in the sense ``sense_of`` its measure), the threshold,
    and the global truth's ``global_*``; a method scored on its ranking only has NaN elsewhere."""
    sense, scored = sense_of(record.measure, record.sense)
    row = {**score(truth, record, threshold), "pair_threshold": threshold,
           **{f"global_{k}": v for k, v in score(overall, record, threshold).items() if f"global_{k}" in SCORES}}
    if scored == "ranking":
        row.update({k: np.nan for k in row if k in SCORES and k not in RANKING and k.removeprefix("global_") not in RANKING})
        row["pair_note"] = "scored on its ranking only"
    return {**row, "measure": record.measure, "sense": record.sense, "truth_sense": sense, "scored_on": scored}


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


def summary_means(scored: pd.DataFrame) -> dict[str, pd.DataFrame | pd.Series]:
    """What the summary writes of the scored fits: each method's means over every table (``overall``), its means
    per sampling of the skew pairs (``skew``: against the table's truth and the global one, then test R²), and
    the failed fits per method (``failed``)."""
    return {"overall": method_means(scored), "skew": method_means(scored, by=("surrogate", "sampling"), cols=SKEW),
            "failed": failed_fits(scored)}


def is_factorial(summary: pd.DataFrame) -> bool:
    """Whether the tables cover every combination of the grid's values (a named grid deals them out instead)."""
    points = summary[list(GRID)].drop_duplicates()
    return len(points) == int(np.prod([summary[k].nunique() for k in GRID]))


def method_senses(scored: pd.DataFrame) -> pd.DataFrame:
    """Per method: what its importance measures, the truth it was scored against and on what (``sense_of``)."""
    cols = [c for c in ("measure", "sense", "truth_sense", "scored_on") if c in scored]
    ok = scored[(scored["status"] == "ok") & scored.get("measure", pd.Series(index=scored.index)).notna()]
    return ok.groupby("surrogate", sort=False)[cols].first() if len(ok) else pd.DataFrame(columns=cols)


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
