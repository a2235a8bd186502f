"""How far to trust one run's explanation: its rows against the benchmark, and each surrogate's held-out fit.

The benchmark's numbers ship with the package (``harness/analysis/reference/trust.csv``, written from the committed
reference reproduction by ``scripts/make_trust_table.py``): for each method, the rows from which its top-3
hyperparameters were stable on the real tables, and its ranking's Spearman against a known truth on synthetic
tables of a given size. ``against_benchmark`` sets a run's row count against them; ``holdout`` reads each
surrogate's held-out fit from the run's metrics.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

BENCHMARK = ("reference", "trust.csv")
POOR_FIT = 0.3  # held-out R² below this: the surrogate explains little of what it did not see
COLUMNS = ["surrogate", "method", "rows", "tables", "stable_tables", "stable_min", "stable_median", "stable_max",
           "verdict", "band", "spearman", "spearman_lo", "spearman_hi", "band_tables"]


@lru_cache(maxsize=1)
def benchmark() -> pd.DataFrame:
    """The packaged benchmark table (see the module docstring)."""
    with resources.files("harness.analysis").joinpath(*BENCHMARK).open("r", encoding="utf-8") as f:
        return pd.read_csv(f)


def method_of(surrogate: str, known) -> str | None:
    """The benchmark's name for a surrogate: its own, else its family's (``ebm_fast`` → ``ebm``), else None."""
    known = set(known)
    for name in (surrogate, surrogate.split("_")[0], surrogate.removesuffix("_fast")):
        if name in known:
            return name
    return None


def against_benchmark(n_rows: int, surrogates: list[str], table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per surrogate: on how many real tables its method's top-3 became stable, from how many rows (least, median,
    most), where ``n_rows`` falls (``below`` every such size, ``within`` them, ``above`` them, ``never`` stable,
    ``unknown`` for a method the benchmark did not run), and the fidelity Spearman at the nearest size band at or
    below ``n_rows`` (the least band when the run is smaller than all)."""
    table = benchmark() if table is None else table
    stab = table[table["source"] == "stability"]
    fid = table[table["source"] == "fidelity"]
    rows = []
    for s in surrogates:
        out = dict.fromkeys(COLUMNS, np.nan) | {"surrogate": s, "rows": n_rows, "verdict": "unknown"}
        method = method_of(s, stab["method"])
        if method is not None:
            sizes = stab.loc[stab["method"] == method, "value"].astype(float)
            stable = sizes.dropna()
            out.update(method=method, tables=len(sizes), stable_tables=len(stable))
            if len(stable):
                out.update(stable_min=stable.min(), stable_median=stable.median(), stable_max=stable.max(),
                           verdict="below" if n_rows < stable.min() else "above" if n_rows >= stable.max() else "within")
            else:
                out["verdict"] = "never"
        fmethod = method_of(s, fid["method"])
        if fmethod is not None:
            f = fid[fid["method"] == fmethod].sort_values("band")
            at = f[f["band"] <= n_rows]
            pick = (at if len(at) else f).iloc[-1 if len(at) else 0]
            out.update(method=out["method"] if isinstance(out["method"], str) else fmethod, band=int(pick["band"]),
                       spearman=pick["value"], spearman_lo=pick["lo"], spearman_hi=pick["hi"],
                       band_tables=int(pick["n_tables"]))
        rows.append(out)
    return pd.DataFrame(rows, columns=COLUMNS)


def holdout(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per surrogate: held-out R², Spearman and MSE (the mean over folds, with their least and most), the rows
    scored, and the in-sample R² beside them; from the run's metrics (``eval_on`` train and holdout)."""
    ok = metrics[metrics["status"] == "ok"]
    held = ok[ok["eval_on"] == "holdout"]
    train = ok[ok["eval_on"] == "train"].groupby("surrogate", sort=False)["r2"].mean()
    rows = []
    for s, g in held.groupby("surrogate", sort=False):
        rows.append({"surrogate": s, "r2": g["r2"].mean(), "r2_min": g["r2"].min(), "r2_max": g["r2"].max(),
                     "src": g["src"].mean(), "mse": g["mse"].mean(), "n_test": int(g["n_test"].sum()),
                     "folds": len(g), "r2_train": train.get(s, np.nan),
                     "poor": bool(g["r2"].mean() < POOR_FIT)})
    return pd.DataFrame(rows, columns=["surrogate", "r2", "r2_min", "r2_max", "src", "mse", "n_test", "folds",
                                       "r2_train", "poor"])
