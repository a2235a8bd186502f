"""The interpretation case study's numbers: in-sample fit, seed-mean records, their spread, agreement with the reference.

Pure: tidy frames and :class:`~harness.interpretation.Interpretation` records in, frames and records out — no files,
no text, no paper. The markdown and figures (``harness.render.interpret``) and the paper's claims
(``harness.paper.interpret``) both read what these return.
"""
from __future__ import annotations

import pandas as pd

from harness.interpretation import Interpretation, agreement, average, rank_agreement, top_k_overlap

TOP_K = 3  # top-k overlap of the rankings, and the pair terms drawn per table
RECORD_KEYS = ("surrogate", "dataset", "seed")
METHOD_AGREEMENT_COLUMNS = ["experiment", "dataset", "method_a", "method_b", "spearman", "kendall", f"top{TOP_K}_overlap"]
AGREEMENT_COLUMNS = ["experiment", "dataset", "surrogate", "seed", "reference", "spearman", "kendall",
                     f"top{TOP_K}_overlap", "shape_r_mean", "shape_r_features", "n_features", "reason"]


def fit_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean R², MSE and fit time per (table, surrogate) over the seeds that fitted; failed fits counted apart."""
    ok = rows[rows["status"] == "ok"]
    g = ok.groupby(["dataset", "surrogate"], sort=False)
    fit = g[["r2", "mse", "fit_seconds"]].mean().add_suffix("_mean")
    fit["n_ok"] = g.size()
    failed = rows[rows["status"] != "ok"].groupby(["dataset", "surrogate"], sort=False).size().rename("n_failed")
    fit = fit.join(failed, how="outer").fillna({"n_ok": 0, "n_failed": 0}).reset_index()
    rank = {c: {v: i for i, v in enumerate(dict.fromkeys(rows[c]))} for c in ("dataset", "surrogate")}
    fit = fit.sort_values(["dataset", "surrogate"], key=lambda col: col.map(rank[col.name]), ignore_index=True)
    return fit.astype({"n_ok": int, "n_failed": int})


def explained(rows: pd.DataFrame, records: dict[tuple, Interpretation]) -> tuple[list[str], list[str]]:
    """The surrogates (in the run's order) and tables that have at least one record."""
    surrogates = [s for s in dict.fromkeys(rows["surrogate"]) if any(k[0] == s for k in records)]
    return surrogates, list(dict.fromkeys(k[1] for k in records))


def seed_means(records: dict[tuple, Interpretation], surrogates: list[str],
               datasets: list[str]) -> dict[tuple[str, str], Interpretation]:
    """One record per (surrogate, table): the mean over its seeds."""
    return {(s, d): average([r for k, r in records.items() if k[:2] == (s, d)])
            for s in surrogates for d in datasets if any(k[:2] == (s, d) for k in records)}


def importance_spread(importances: pd.DataFrame) -> pd.Series:
    """Std over seeds of each term's importance, indexed by (surrogate, dataset, term); NaN for one seed."""
    return importances.groupby(["surrogate", "dataset", "term"])["importance"].std()


def agreement_table(records: dict[tuple, Interpretation], reference: str, experiment: str) -> pd.DataFrame:
    """Per (surrogate, table, seed): rank, top-k and shape agreement with the reference's record of that seed."""
    rows = []
    for (s, d, seed), rec in records.items():
        ref = records.get((reference, d, seed))
        if s == reference or ref is None:
            continue
        rows.append({"experiment": experiment, "dataset": d, "surrogate": s, "seed": seed, "reference": reference,
                     **agreement(rec, ref, k=TOP_K)})
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def method_agreement(means: dict[tuple[str, str], Interpretation], surrogates: list[str], datasets: list[str],
                     experiment: str) -> pd.DataFrame:
    """Per table, every ordered pair of methods (the diagonal too): Spearman, Kendall and top-k overlap of their
    seed-mean single-feature importances — the agreement matrix between methods, whatever each importance measures
    (ranks compare across units)."""
    rows = []
    for d in datasets:
        present = [s for s in surrogates if (s, d) in means]
        for a in present:
            for b in present:
                r = rank_agreement(means[a, d], means[b, d])
                rows.append({"experiment": experiment, "dataset": d, "method_a": a, "method_b": b, "spearman": r["spearman"],
                             "kendall": r["kendall"], f"top{TOP_K}_overlap": top_k_overlap(means[a, d], means[b, d], TOP_K)})
    return pd.DataFrame(rows, columns=METHOD_AGREEMENT_COLUMNS)


def agreement_means(agree: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement averaged over seeds per (table, surrogate), and over tables and seeds per surrogate."""
    cols = ["spearman", "kendall", f"top{TOP_K}_overlap", "shape_r_mean"]
    per_table = agree.groupby(["dataset", "surrogate"], sort=False)[cols + ["shape_r_features"]].mean()
    return per_table, agree.groupby("surrogate", sort=False)[cols].mean()


def agreement_squares(matrix: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The agreement matrix between methods as methods × methods Spearman tables: first the mean over tables
    ("mean over tables"), then one per table; methods in the order they ran."""
    methods = list(dict.fromkeys(matrix["method_a"]))

    def square(frame: pd.DataFrame) -> pd.DataFrame:
        mean = frame.groupby(["method_a", "method_b"], sort=False)["spearman"].mean()
        return mean.unstack().reindex(index=methods, columns=methods)

    return {"mean over tables": square(matrix), **{d: square(g) for d, g in matrix.groupby("dataset", sort=False)}}


def feature_labels(features: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    """Each table's feature labels from its schema (the ``features`` tidy table); a feature without one keeps its name."""
    if features is None or not len(features):
        return {}
    first = features.drop_duplicates(["dataset", "feature"])  # a multirun repeats them once per job
    return {d: dict(zip(g["feature"], g["label"].astype(str))) for d, g in first.groupby("dataset", sort=False)}


def term_label(term: str, labels: dict) -> str:
    """A term (``embed x lr``) as people read it (``#embed × lr``)."""
    return " × ".join(labels.get(f, f) for f in term.split(" x "))


def term_rank(rec: Interpretation, term: str) -> int | None:
    """Rank of a term among all terms (singles and pairs), 1 = most important."""
    r = rec.ranking().set_index("term")["rank"]
    return int(r[term]) if term in r.index else None


def singles(rec: Interpretation) -> pd.Series:
    """Single-feature importances, most important first (ties keep the record's order)."""
    return rec.main_importances().sort_values(ascending=False, kind="stable")
