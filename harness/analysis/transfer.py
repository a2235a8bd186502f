"""Transfer as tables: train × test matrices, unseen-value shares, the MSE decomposition, task similarity, pooling.

Pure functions of the tidy tables (and, for the unseen-value shares, of the
tables the cells ran on): no files, no markdown, no figures and no paper
thresholds, so the experiment, the report and the paper's claims all read the
same numbers. A *matrix* has rows = tested on and columns = trained on (the
paper's Fig. 7 layout); its diagonal is in-domain, the rest cross-task. A task
is one table: an NMT pair, or one task of a table of tasks (``data.task``); the
tidy tables keep the names ``train_pair`` / ``test_pair`` for it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform
from scipy.stats import pearsonr, spearmanr

from harness.cells import Cell, cell_id
from harness.data.dataset import Dataset
from harness.interpretation import Interpretation, agreement, records_of

METRICS = ("mse", "src", "mrr", "r2", "regret", "shift2", "resid_var", "ood_share", "extrap_share", "fit_seconds")
MATRIX_METRICS = ("mse", "src", "mrr", "regret", "shift2", "resid_var")
AGREEMENT = {"spearman": "importance_spearman", "kendall": "importance_kendall", "top3_overlap": "top3_overlap",
             "shape_r_mean": "shape_r_mean", "shape_r_features": "shape_r_features"}
PREDICTORS = ("importance_spearman", "shape_r_mean", "ood_share_mean")  # candidate predictors of transfer SRC


# --- unseen values (per cell, from the tables) -------------------------------------------------------


def unseen_rows(train: Dataset, test: Dataset, feed: str) -> tuple[np.ndarray, np.ndarray]:
    """Per test row: does it hold a value the training domain lacks, and one beyond its range?

    Both are judged on the features as the surrogate sees them (``feed``),
    against the training table's declared schema.
    """
    _, schema = train.features(feed)
    X, _ = test.features(feed)
    beyond = np.zeros(len(X), dtype=bool)
    for f in schema:
        if not f.is_categorical:
            v = X[f.name].to_numpy(dtype=float)
            tol = 1e-9 * max(abs(f.low), abs(f.high), 1.0)
            beyond |= (v < f.low - tol) | (v > f.high + tol)
    return schema.outside_mask(X).to_numpy().any(axis=1), beyond


def unseen_shares(train: Dataset, test: Dataset, feed: str) -> dict[str, float]:
    """Share of test rows with a value the training domain lacks, and with one beyond its range."""
    ood, beyond = unseen_rows(train, test, feed)
    return {"ood_share": float(ood.mean()), "extrap_share": float(beyond.mean())}


def unseen_table(cells: list[Cell], datasets: dict[str, Dataset]) -> pd.DataFrame:
    """Unseen-value shares per (train, test split, seed): they depend on the data only, not the surrogate.

    The row masks are computed once per (train table, test table, feed) and read per seed's test rows, since
    with 50 tasks there are 2,500 such pairs for each seed.
    """
    out, done, masks = [], set(), {}
    for c in cells:
        for ev in c.evals:
            key = (c.key_dict["train_kind"], c.key_dict["train_pair"], ev.dataset, c.seed)
            if key in done:
                continue
            done.add(key)
            pair = (c.train, ev.dataset, c.feed)
            if pair not in masks:
                masks[pair] = unseen_rows(datasets[c.train], datasets[ev.dataset], c.feed)
            rows = np.asarray(ev.rows, dtype=int)
            ood, beyond = (m[rows] for m in masks[pair])
            out.append(dict(zip(("train_kind", "train_pair", "test_pair", "seed"), key),
                            ood_share=float(ood.mean()), extrap_share=float(beyond.mean())))
    return pd.DataFrame(out)


def interpretation_tables(cells: list[Cell], result, datasets: dict[str, Dataset],
                          experiment: str) -> dict[str, pd.DataFrame]:
    """The explained cells' importances and shapes as tidy tables keyed by (feed, train task, seed, surrogate)."""
    frames: dict[str, list] = {"importances": [], "shapes": []}
    for c in cells:
        d = result.interpretations.get(cell_id(c, datasets)) if c.explain else None
        if d is None:
            continue
        k = c.key_dict
        parts = Interpretation.from_dict(d).frames(experiment=experiment, feed=k["feed"], train_pair=k["train_pair"],
                                                   seed=c.seed)
        for name in frames:
            frames[name].append(parts[name].assign(surrogate=c.surrogate.name))
    return {name: pd.concat(f, ignore_index=True) if f else pd.DataFrame() for name, f in frames.items()}


# --- matrices ---------------------------------------------------------------------------------------


def with_resid_var(rows: pd.DataFrame) -> pd.DataFrame:
    """MSE = shift² + variance of the residual: ``resid_var`` is what no constant BLEU offset could remove."""
    return rows.assign(resid_var=rows["mse"] - rows["shift2"])


def pair_order(rows: pd.DataFrame) -> list[str]:
    """The configured task order: test tasks in the order the cells scored them."""
    return list(dict.fromkeys(rows.loc[rows["train_kind"] == "pair", "test_pair"]))


def similarity_order(summary: pd.DataFrame, surrogate: str, order: list[str]) -> list[str]:
    """The tasks reordered so that tasks which transfer well to each other sit together.

    Distance of two tasks = 1 − the mean of their two cross-task SRCs (a ranking
    agreement, blind to a shift in score level between tasks); average-linkage
    clustering with the leaves in optimal order (scipy), so the heatmap shows
    blocks of mutually transferable tasks. A pair of tasks without an SRC counts
    as maximally far apart. Deterministic; fewer than three tasks keep ``order``.
    """
    if len(order) < 3:
        return list(order)
    src = matrix(summary, surrogate, "src_mean", order).to_numpy(dtype=float)
    dist = np.nan_to_num(1.0 - (src + src.T) / 2, nan=2.0).clip(0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average", optimal_ordering=True)
    return [order[i] for i in leaves_list(tree)]


def matrix(summary: pd.DataFrame, surrogate: str, column: str, order: list[str]) -> pd.DataFrame:
    """Rows = tested on, columns = trained on (the paper's Fig. 7 layout), both in ``order``."""
    part = summary[(summary["train_kind"] == "pair") & (summary["surrogate"] == surrogate)]
    m = part.pivot(index="test_pair", columns="train_pair", values=column).reindex(index=order, columns=order)
    m.index.name, m.columns.name = "tested on", "trained on"
    return m


def off_diagonal(m: pd.DataFrame) -> pd.Series:
    """The cross-task cells of a matrix as a Series indexed by (train, test)."""
    cells = {(a, b): m.at[b, a] for a in m.columns for b in m.index if a != b}
    return pd.Series(cells, dtype=float).rename_axis(["train_pair", "test_pair"])


def matrices(s: pd.DataFrame, surrogate: str, order: list[str]) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """(mean, std) matrix of every metric in ``MATRIX_METRICS`` for one surrogate."""
    return {m: (matrix(s, surrogate, f"{m}_mean", order), matrix(s, surrogate, f"{m}_std", order))
            for m in MATRIX_METRICS}


def overview(mats: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> dict[str, float]:
    """One surrogate at a glance: in-domain = mean over the diagonal, cross-task = median over the rest."""
    diag = {m: np.diag(mats[m][0].to_numpy()) for m in ("mse", "src")}
    off = {m: off_diagonal(mats[m][0]) for m in ("mse", "src", "mrr")}
    return {"in_domain_mse": np.nanmean(diag["mse"]), "cross_mse": off["mse"].median(),
            "in_domain_src": np.nanmean(diag["src"]), "cross_src": off["src"].median(),
            "cross_mrr": off["mrr"].median()}


def shift2_share(s: pd.DataFrame, order: list[str], surrogate: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """The share of MSE that is shift² per cell (seed means), and its spread over the cross-task cells."""
    share = matrix(s, surrogate, "shift2_mean", order) / matrix(s, surrogate, "mse_mean", order)
    off = off_diagonal(share)
    return share, {"cells": len(off), "median": off.median(), "min": off.min(), "max": off.max(),
                   "diagonal_mean": np.nanmean(np.diag(share.to_numpy()))}


# --- when does transfer work? ----------------------------------------------------------------------


def similarity_table(importances, shapes, s: pd.DataFrame, order, ebm: str, feed: str) -> pd.DataFrame:
    """Per cross-task (train, test): how alike the two tasks' EBMs are (same seed, then seed mean), and the transfer."""
    sims = []
    if importances is not None and len(importances):
        def own(frame):
            return frame[(frame["surrogate"] == ebm) & (frame["feed"] == feed)]

        records = records_of(own(importances), own(shapes), by=("train_pair", "seed"))
        for (a, seed), rec in records.items():
            for b in order:
                if b != a and (b, seed) in records:
                    sims.append({"train_pair": a, "test_pair": b, **agreement(rec, records[b, seed])})
    sim = (pd.DataFrame(sims).groupby(["train_pair", "test_pair"])[list(AGREEMENT)].mean().rename(columns=AGREEMENT)
           if sims else pd.DataFrame(columns=list(AGREEMENT.values())))
    cols = ["src_mean", "mse_mean", "shift2_mean", "resid_var_mean", "ood_share_mean"]
    cells = pd.DataFrame({c: off_diagonal(matrix(s, ebm, c, order)) for c in cols})
    table = cells.join(sim, how="left").reset_index()
    return table.assign(surrogate=ebm, feed=feed)[["surrogate", "feed", "train_pair", "test_pair",
                                                   *AGREEMENT.values(), *cols]]


def predictor_correlations(sim: pd.DataFrame, target: str = "src_mean") -> pd.DataFrame:
    """Spearman and Pearson (with scipy p-values) of each predictor against ``target`` across the cells.

    NaN where fewer than three cells have both values or either side is constant.
    """
    out = []
    for col in PREDICTORS:
        ok = sim[[col, target]].dropna()
        row = {"predictor": col, "cells": len(ok), "spearman": np.nan, "spearman_p": np.nan, "pearson": np.nan,
               "pearson_p": np.nan}
        if len(ok) >= 3 and ok[col].nunique() > 1 and ok[target].nunique() > 1:
            row["spearman"], row["spearman_p"] = spearmanr(ok[col], ok[target])
            row["pearson"], row["pearson_p"] = pearsonr(ok[col], ok[target])
        out.append(row)
    return pd.DataFrame(out)


# --- leave one task out; raw vs scaled ------------------------------------------------------------------


def pooled_table(s: pd.DataFrame, order) -> pd.DataFrame:
    """Per held-out task and surrogate: the pooled model beside the best single source (by MSE) and in-domain."""
    out = []
    pooled = s[s["train_kind"] == "pooled"]
    for (sur, held), g in pooled.groupby(["surrogate", "test_pair"]):
        p = g.iloc[0]
        singles = s[(s["train_kind"] == "pair") & (s["surrogate"] == sur) & (s["test_pair"] == held)]
        cross = singles[singles["train_pair"] != held]
        row = {"feed": p["feed"], "surrogate": sur, "held_out": held}
        for m in ("mse", "src", "mrr"):
            row[f"pooled_{m}_mean"], row[f"pooled_{m}_std"] = p[f"{m}_mean"], p[f"{m}_std"]
        if len(cross):
            best = cross.loc[cross["mse_mean"].idxmin()]
            row["best_source"] = best["train_pair"]
            for m in ("mse", "src", "mrr"):
                row[f"best_{m}_mean"], row[f"best_{m}_std"] = best[f"{m}_mean"], best[f"{m}_std"]
            row["best_src_any_source"] = cross["src_mean"].max()
        own = singles[singles["train_pair"] == held]
        for m in ("mse", "src", "mrr"):
            row[f"in_domain_{m}_mean"] = own[f"{m}_mean"].iloc[0] if len(own) else np.nan
        row["pooled_ood_share"] = p["ood_share_mean"]
        out.append(row)
    df = pd.DataFrame(out)
    if len(df):
        df["rank"] = df["held_out"].map({p: i for i, p in enumerate(order)})
        df = df.sort_values(["surrogate", "rank"]).drop(columns="rank").reset_index(drop=True)
    return df


def feed_comparison(summary: pd.DataFrame, order, surrogates, feeds) -> pd.DataFrame:
    """Medians over cross-task cells per surrogate and feed, overall and where the two tasks' domains differ.

    *Different domains*: either task has values the other lacks (raw ``ood_share`` > 0 in one direction).
    """
    raw = summary[summary["feed"] == "raw"]
    ood = off_diagonal(matrix(raw, raw["surrogate"].iloc[0], "ood_share_mean", order))
    differ = [bool(ood[a, b] > 0 or ood[b, a] > 0) for a, b in ood.index]
    out = []
    for sur in surrogates:
        for feed in feeds:
            s = summary[(summary["surrogate"] == sur) & (summary["feed"] == feed)]
            if not len(s):
                continue
            off = {m: off_diagonal(matrix(s, sur, f"{m}_mean", order)) for m in ("mse", "src")}
            out.append({"surrogate": sur, "feed": feed, "mse": off["mse"].median(), "src": off["src"].median(),
                        "differ_mse": off["mse"][differ].median(), "differ_src": off["src"][differ].median()})
    return pd.DataFrame(out)
