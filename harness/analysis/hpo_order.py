"""The HPO view of a sampling order: the best score found after k evaluations and its regret to the pool's best."""
from __future__ import annotations

import numpy as np
import pandas as pd


def regret_curve(ds, split, order, seed: int, method: str) -> pd.DataFrame:
    """Best score found after k evaluations, and its gap to the pool's best (≥ 0 in either direction)."""
    y = ds.y.to_numpy()[split.train][order]
    best = np.maximum.accumulate(y) if ds.maximize else np.minimum.accumulate(y)
    top = y.max() if ds.maximize else y.min()
    return pd.DataFrame({
        "experiment": "hpo_order", "dataset": ds.name, "seed": seed, "order_method": method,
        "k": np.arange(1, len(y) + 1), "best": best, "regret": np.abs(top - best),
    })


def regret_stats(regret: pd.DataFrame) -> pd.DataFrame:
    """Regret after k evaluations, mean and std over seeds, per (dataset, order_method, k) in first-seen order."""
    return regret.groupby(["dataset", "order_method", "k"], sort=False)["regret"].agg(["mean", "std"]).reset_index()


def mean_regret(regret: pd.DataFrame) -> pd.Series:
    """Regret after k evaluations, mean over seeds, indexed by (dataset, order_method, k) in first-seen order."""
    return regret.groupby(["dataset", "order_method", "k"], sort=False)["regret"].mean()
