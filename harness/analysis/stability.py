"""Explanation stability as tables: each cell's agreement with the full-data explanations, and rows until it is stable.

A cell is a surrogate fitted on the first p % of a sampling method's order
of the training split (``size_pct``, with ``FULL`` = the whole split). Its
explanation is compared with

* ``full``: the same surrogate fitted on the whole training split (the 100 %
  cell of that seed), and
* ``ebm``: the reference EBM's full-data explanation of that seed,

by the Kendall and Spearman correlation of the single-feature importances,
top-3 overlap and exact top-3 set equality, and the mean per-feature shape
correlation (``harness.interpretation.agreement``).

**Stable.** A surrogate's ranking is stable at a size when its top-3 set
equals the full-data top-3 in at least ``fraction`` of the seeds at that size
and at every larger size below 100 % (at 100 % it is the reference itself);
"never" when no size below 100 % qualifies. The first size that qualifies,
ignoring later relapses, is reported beside it.

Pure functions of the tidy ``metrics`` and ``importances`` tables, so a
single run and a multirun's aggregation compute the same numbers.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.analysis.summary import mean_std
from harness.errors import HarnessError
from harness.interpretation import Interpretation, agreement

CELL_KEYS = ["experiment", "dataset", "surrogate", "seed", "order_method", "size_pct"]
RECORD_KEYS = ("dataset", "surrogate", "seed", "order_method", "size_pct")
FULL = 100
TOP_K = 3
SAME = f"top{TOP_K}_same"
MEASURES = ("kendall", "spearman", f"top{TOP_K}_overlap", SAME, "shape_r")
REFERENCES = {"full": "its own full-data fit", "ebm": "the reference EBM's full-data fit"}
DEFAULT_FRACTION = 0.8
TOLERANCE = 1e-9  # a share of seeds equal to the fraction qualifies despite rounding (4/5 vs 0.8)


def run_fraction(rows: pd.DataFrame) -> float:
    """The ``stable_fraction`` the rows were run with (the default when they do not say); runs that differ cannot mix."""
    fractions = rows["stable_fraction"].dropna().unique() if "stable_fraction" in rows else []
    if len(fractions) > 1:
        raise HarnessError(f"stability runs with different stable_fraction ({', '.join(map(str, fractions))}) "
                           "cannot be summarised together")
    return float(fractions[0]) if len(fractions) else DEFAULT_FRACTION


def seeds_needed(fraction: float, n_seeds: int) -> int:
    """How many of ``n_seeds`` seeds must agree for a share of at least ``fraction``."""
    return int(math.ceil(fraction * n_seeds - TOLERANCE))


def stability_table(rows: pd.DataFrame, records: dict[tuple, Interpretation], reference: str) -> pd.DataFrame:
    """One row per cell: its explanation against its own full-data fit (``full_*``) and the reference EBM's (``ebm_*``)."""
    out = []
    for r in rows.to_dict("records"):
        rec = records.get(tuple(r[k] for k in RECORD_KEYS))
        row = {k: r[k] for k in [*CELL_KEYS, "n_train", "mse", "status"]}
        row["reference_ebm"] = reference
        notes = [] if rec is not None else [f"no explanation ({r.get('reason') or r['status']})"]
        for prefix, sur in (("full", r["surrogate"]), ("ebm", reference)):
            ref = records.get((r["dataset"], sur, r["seed"], r["order_method"], FULL))
            a = agreement(rec, ref, k=TOP_K) if rec is not None and ref is not None else {}
            if rec is not None and ref is None:
                notes.append(f"{prefix}: no full-data explanation of {sur}")
            elif a.get("reason"):
                notes.append(f"{prefix}: {a['reason']}")
            overlap = a.get(f"top{TOP_K}_overlap", np.nan)
            row.update({f"{prefix}_kendall": a.get("kendall", np.nan), f"{prefix}_spearman": a.get("spearman", np.nan),
                        f"{prefix}_top{TOP_K}_overlap": overlap, f"{prefix}_{SAME}": float(overlap == 1) if a else np.nan,
                        f"{prefix}_shape_r": a.get("shape_r_mean", np.nan)})
        row["note"] = "; ".join(notes)
        out.append(row)
    return pd.DataFrame(out)


def agreement_summary(stab: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std over seeds of every agreement measure and the test MSE, per dataset, surrogate, method and size."""
    by = ["dataset", "surrogate", "order_method", "size_pct", "n_train"]
    return mean_std(stab, by, metrics=[f"{p}_{m}" for p in REFERENCES for m in MEASURES] + ["mse"])


def importance_spread(importances: pd.DataFrame) -> pd.DataFrame:
    """Per surrogate, method, size and term: the importance's mean, std and min–max over seeds, and its rank among singles.

    A pair term that only some fits selected (EBM picks its pairs per fit) has importance 0 in the others.
    """
    keys = ["dataset", "surrogate", "order_method", "size_pct", "n_train"]
    fits = importances[[*keys, "seed"]].drop_duplicates()
    terms = importances[[*keys, "term", "kind"]].drop_duplicates()
    imp = fits.merge(terms, on=keys).merge(importances[[*keys, "seed", "term", "importance"]], on=[*keys, "seed", "term"],
                                          how="left").fillna({"importance": 0.0})
    main = imp["kind"] == "main"
    imp["rank"] = np.nan
    imp.loc[main, "rank"] = imp[main].groupby([*keys, "seed"], sort=False)["importance"].rank(ascending=False, method="min")
    g = imp.groupby([*keys, "term", "kind"], sort=False)
    stats = g["importance"].agg(importance_mean="mean", importance_std="std", importance_min="min",
                                importance_max="max", n_seeds="count")
    ranks = g["rank"].agg(rank_mean="mean", rank_min="min", rank_max="max")
    return stats.join(ranks).reset_index()


def reference_spread(importances: pd.DataFrame, reference: str, method: str = "random") -> pd.DataFrame:
    """``importance_spread`` of the reference's single features under one sampling method (the paper's random subsets)."""
    return importance_spread(importances[(importances["surrogate"] == reference) & (importances["order_method"] == method)
                                         & (importances["kind"] == "main")])


def stable_sizes(stab: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """Per surrogate, method and reference: the fewest rows from which the top-k set agrees in ≥ ``fraction`` of seeds.

    A seed whose cell failed counts as disagreeing: it gave no explanation to trust.
    """
    out = []
    for (d, s, m), g in stab.groupby(["dataset", "surrogate", "order_method"], sort=False):
        full_rows = g.loc[g["size_pct"] == FULL, "n_train"].max()
        below = g[g["size_pct"] < FULL]
        for prefix in REFERENCES:
            share = below.assign(agree=below[f"{prefix}_{SAME}"] == 1).groupby(["size_pct", "n_train"])["agree"].mean()
            held = (share >= fraction - TOLERANCE).to_numpy()
            sizes = share.index.to_list()
            first = next((i for i, h in enumerate(held) if h), None)
            fails = np.flatnonzero(~held)
            stable = 0 if not len(fails) else (fails[-1] + 1 if fails[-1] + 1 < len(sizes) else None)
            out.append({
                "dataset": d, "surrogate": s, "order_method": m, "reference": prefix,
                "stable_pct": sizes[stable][0] if stable is not None and sizes else np.nan,
                "stable_rows": sizes[stable][1] if stable is not None and sizes else np.nan,
                "first_pct": sizes[first][0] if first is not None else np.nan,
                "first_rows": sizes[first][1] if first is not None else np.nan,
                "full_rows": full_rows, "n_seeds": g["seed"].nunique(), "stable_fraction": fraction,
            })
    return pd.DataFrame(out)


def earliest_stable(stable: pd.DataFrame) -> pd.DataFrame:
    """Per table and sampling method, the surrogate whose top-k is stable (against its own full-data fit) from the
    fewest rows: its row of ``stable`` (none where no surrogate became stable)."""
    own = stable[(stable["reference"] == "full")].dropna(subset=["stable_rows"])
    return own.loc[own.groupby(["dataset", "order_method"], sort=False)["stable_rows"].idxmin()]


def size_text(pct, rows) -> str:
    """A stable size as ``stable_sizes`` means it, in words: "185 rows (30 %)", or "never" where no size qualified."""
    return "never" if pd.isna(pct) else f"{int(rows)} rows ({pct:g} %)"


def same_share(stab: pd.DataFrame) -> pd.DataFrame:
    """Per dataset, surrogate, method and size: the share of seeds whose top-k set is the own full-data one, mean τ, rows."""
    by = stab.groupby(["dataset", "surrogate", "order_method", "size_pct"], sort=False)
    return pd.DataFrame({"share": by[f"full_{SAME}"].apply(lambda x: (x == 1).mean()), "kendall": by["full_kendall"].mean(),
                         "n_train": by["n_train"].first()}).reset_index()
