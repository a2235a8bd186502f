"""How far to trust one run's explanation: its rows against the benchmark, and each surrogate's held-out fit.

The benchmark's numbers ship with the package (``harness/analysis/reference/trust.csv``, written from the committed
reference reproduction by ``scripts/make_trust_table.py``): for each method, the rows from which its top-3
hyperparameters were stable on the real tables, its ranking's Spearman against a known truth on synthetic
tables of a given size, and how honest its 90 % intervals were there (the share of hyperparameters whose interval
held the truth, and of the orderings they settled that were true), apart for tables sampled as an HPO method samples
(BO, GB, TPE) and for tables spread over the space (uniform, random search). ``against_benchmark`` sets a run's row
count and sampling against them; ``holdout`` reads each surrogate's held-out fit from the run's metrics.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

BENCHMARK = ("reference", "trust.csv")
POOR_FIT = 0.3  # held-out R² below this: the surrogate explains little of what it did not see
COLUMNS = ["surrogate", "method", "rows", "tables", "stable_tables", "stable_min", "stable_median", "stable_max",
           "verdict", "band", "spearman", "spearman_lo", "spearman_hi", "band_tables", "sampled", "coverage",
           "coverage_lo", "coverage_hi", "coverage_tables", "settled_true", "settled_orderings"]
SAMPLED = ("hpo", "spread")  # how the benchmark's honesty rows group the samplings (scripts/make_trust_table.py)


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


def against_benchmark(n_rows: int, surrogates: list[str], table: pd.DataFrame | None = None,
                      concentrated: bool = False, methods: dict[str, str] | None = None) -> pd.DataFrame:
    """Per surrogate: on how many real tables its method's top-3 became stable, from how many rows (least, median,
    most), where ``n_rows`` falls (``below`` every such size, ``within`` them, ``above`` them, ``never`` stable,
    ``unknown`` for a method the benchmark did not run), the fidelity Spearman at the nearest size band at or
    below ``n_rows`` (the least band when the run is smaller than all), and at that band the honesty of its intervals
    on tables sampled as this run was (``concentrated``: as an HPO method samples; else spread over the space).
    ``methods``: a surrogate's name in the benchmark where it differs (``ebm_quick+ebm_space``: the surrogate's fit
    read by another explainer)."""
    table = benchmark() if table is None else table
    methods = methods or {}
    stab = table[table["source"] == "stability"]
    fid = table[table["source"] == "fidelity"]
    sampled = SAMPLED[0] if concentrated else SAMPLED[1]
    cover = table[(table["source"] == "coverage") & (table["table"] == sampled)]
    settled = table[(table["source"] == "settled") & (table["table"] == sampled)]
    rows = []
    for name in surrogates:
        s = methods.get(name, name)
        out = dict.fromkeys(COLUMNS, np.nan) | {"surrogate": name, "rows": n_rows, "verdict": "unknown",
                                                "sampled": sampled}
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
            pick = _at_band(fid[fid["method"] == fmethod], n_rows)
            out.update(method=out["method"] if isinstance(out["method"], str) else fmethod, band=int(pick["band"]),
                       spearman=pick["value"], spearman_lo=pick["lo"], spearman_hi=pick["hi"],
                       band_tables=int(pick["n_tables"]))
        cmethod = method_of(s, cover["method"])
        if cmethod is not None:
            c = _at_band(cover[cover["method"] == cmethod], n_rows)
            out.update(coverage=c["value"], coverage_lo=c["lo"], coverage_hi=c["hi"],
                       coverage_tables=int(c["n_tables"]), band=int(c["band"]))
            held = settled[(settled["method"] == cmethod) & (settled["band"] == c["band"])]
            if len(held):
                out.update(settled_true=held["value"].iloc[0], settled_orderings=held["n_rows"].iloc[0])
        rows.append(out)
    return pd.DataFrame(rows, columns=COLUMNS)


def _at_band(rows: pd.DataFrame, n_rows: int) -> pd.Series:
    """The row of the largest size band at or below ``n_rows`` (the least band when the run is smaller than all)."""
    rows = rows.sort_values("band")
    at = rows[rows["band"] <= n_rows]
    return at.iloc[-1] if len(at) else rows.iloc[0]


HOLDOUT_COLUMNS = ["surrogate", "model", "r2", "src", "mse", "n_test", "folds", "r2_train", "poor", "reason"]


def holdout(metrics: pd.DataFrame, models: dict[str, list[str]], y: np.ndarray,
            unfit: dict[str, str] | None = None) -> pd.DataFrame:
    """Per surrogate: its model's held-out fit from the run's metrics (``eval_on`` holdout): the MSE pooled over the
    folds (each fold's weighted by its rows) and the R² it makes against the variance of every score ``y`` (the
    cross-validated R²; with one split, the split's test rows), the Spearman correlation (mean over folds), the
    rows scored and the in-sample R² beside them;
    ``models``: the surrogate whose held-out fits a model has -> every surrogate reading that model; ``unfit``: why a
    model has none. A model whose held-out fits failed has the first failure's reason."""
    held = metrics[metrics["eval_on"] == "holdout"]
    train = metrics[(metrics["eval_on"] == "train") & (metrics["status"] == "ok")].groupby("surrogate")["r2"].mean()
    rows = []
    for model, names in models.items():
        g = held[held["surrogate"] == model]
        ok = g[g["status"] == "ok"]
        for s in names:
            row = dict.fromkeys(HOLDOUT_COLUMNS, np.nan) | {"surrogate": s, "model": model, "folds": len(g),
                                                            "r2_train": train.get(s, np.nan), "poor": False,
                                                            "reason": ""}
            if len(ok) == len(g) and len(g):
                mse = float(np.average(ok["mse"], weights=ok["n_test"]))
                r2 = 1 - mse / float(np.var(y)) if len(ok) > 1 else float(ok["r2"].iloc[0])
                row.update(r2=r2, src=ok["src"].mean(), mse=mse, n_test=int(ok["n_test"].sum()), poor=bool(r2 < POOR_FIT))
            elif len(g):
                row["reason"] = str(g.loc[g["status"] != "ok", "reason"].iloc[0])
            else:
                row["reason"] = (unfit or {}).get(model, "not measured")
            rows.append(row)
    return pd.DataFrame(rows, columns=HOLDOUT_COLUMNS)
