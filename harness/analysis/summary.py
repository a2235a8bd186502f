"""Summaries every experiment shares: mean ± std over seeds, which surrogate is the reference EBM, which failed."""
from __future__ import annotations

import pandas as pd

from harness.interpretation.record import NOT_EXPLAINED
from harness.surrogates.registry import is_ebm_library

FAILURE_COLUMNS = ["surrogate", "n_rows", "n_failed", "reason"]


def mean_std(df: pd.DataFrame, by: list[str], metrics=("mse", "src", "mrr", "r2", "regret", "fit_seconds")) -> pd.DataFrame:
    """Mean and sample std (ddof=1) over seeds of each metric; failed cells are counted, not averaged.

    Groups keep the order in which they first appear (the configured order: EBM first).
    """
    order = df[by].drop_duplicates()
    ok = df[df["status"] == "ok"]
    stats = ok.groupby(by, sort=False, dropna=False)[list(metrics)].agg(["mean", "std"])
    stats.columns = [f"{m}_{s}" for m, s in stats.columns]
    counts = df.assign(n_ok=df["status"] == "ok", n_failed=df["status"] != "ok").groupby(by, sort=False, dropna=False)[
        ["n_ok", "n_failed"]
    ].sum()
    out = order.merge(stats.reset_index(), on=by, how="left").merge(counts.reset_index(), on=by, how="left")
    return out.astype({"n_ok": int, "n_failed": int})


def ebm_surrogates(rows: pd.DataFrame) -> list[str]:
    """The surrogates whose rows say they are an EBM (by library), in the order they first appear."""
    return list(dict.fromkeys(rows.loc[rows["library"].map(is_ebm_library), "surrogate"]))


def main_ebm(ebms: list[str]) -> str | None:
    """The paper's model when it ran (``ebm``), else the first EBM variant (e.g. ``ebm_fast`` in smoke runs)."""
    return "ebm" if "ebm" in ebms else (ebms[0] if ebms else None)


def reference_surrogate(rows: pd.DataFrame, surrogates: list[str]) -> str:
    """The surrogate others are compared with: the main EBM among ``surrogates``, else the first of them."""
    return main_ebm([s for s in ebm_surrogates(rows) if s in surrogates]) or surrogates[0]


def surrogate_failures(rows: pd.DataFrame) -> pd.DataFrame:
    """Per surrogate with a failed row (run order): its rows, how many failed, and the most frequent reason.

    A row failed when its fit did (``status`` not ok) or when the surrogate's own explainer did (its reason
    begins ``not explained:``); a failed extra explainer (``not explained by ...``) leaves the fit standing.
    """
    if not len(rows):
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    reason = rows["reason"].astype(object).fillna("").astype(str) if "reason" in rows else pd.Series("", index=rows.index)
    failed = (rows["status"] != "ok") | reason.str.startswith(f"{NOT_EXPLAINED}:")
    out = []
    for surrogate, g in rows.assign(_failed=failed, _reason=reason).groupby("surrogate", sort=False):
        bad = g[g["_failed"]]
        if len(bad):
            out.append((surrogate, len(g), len(bad), bad["_reason"].value_counts(sort=False).idxmax() or "no reason recorded"))
    return pd.DataFrame(out, columns=FAILURE_COLUMNS)


def every_surrogate_failed(rows: pd.DataFrame, failures: pd.DataFrame) -> bool:
    """True when the run has rows and every one of its surrogates failed on every row."""
    return len(rows) > 0 and int(failures["n_failed"].sum()) == len(rows)


def explain_sample_note(rows: pd.DataFrame) -> str:
    """One markdown line saying which explanations were computed on a sample of their training rows ("" if none).

    Reads the metrics rows' ``explain_rows`` beside ``n_train`` (``harness.cells``), so a summary of the tidy
    tables alone states the approximation.
    """
    if "explain_rows" not in rows or not len(rows):
        return ""
    cells = rows.drop_duplicates("cell_id") if "cell_id" in rows else rows
    sampled = cells[cells["explain_rows"].notna() & (cells["explain_rows"] < cells["n_train"])]
    if sampled.empty:
        return ""
    sizes = ", ".join(f"{int(k)} of {int(n)}" for k, n in sampled[["explain_rows", "n_train"]].drop_duplicates().to_numpy())
    return (f"- Explanations of {len(sampled)} of {len(cells)} fits were computed on a seeded sample of their training"
            f" rows ({sizes}; `explain_sample`, see metrics.csv's explain_rows).\n")
