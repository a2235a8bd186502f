"""How the rows of a run are spread over its search space: uniform-like, or concentrated where the search went.

An HPO method samples where it expects good scores, so its rows crowd into part of each hyperparameter's range.
That changes what an importance means: a measure over the rows (EBM's mean |term|, permutation, SHAP) weighs the
region the search visited; a measure over the declared space (fANOVA's variance shares) leans on few rows away from
it. Per hyperparameter, over the rows where it is set:

* numeric: the share of its range (in its own scale: log where the schema says so) holding the middle 80 % of the
  rows (``middle80``; about 0.8 for uniform sampling), for all rows and for the later half in row order (trial order
  for the tools' runs), which an adaptive search narrows;
* categorical: the share of rows on its most common level, against ``1 / levels`` for uniform sampling.

The range is the declared one where the source declares a space (SMAC3, Optuna), else the range the rows span.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.data.configurations import hyperparameters
from harness.data.dataset import Dataset
from harness.data.infer import active_masks

UNIFORM_MIDDLE = 0.8
CONCENTRATED = 0.5  # middle80 below this (or a level share above twice uniform's and above 0.5): concentrated
COLUMNS = ["feature", "scale", "rows", "middle80", "middle80_later", "top_level", "top_share", "uniform_share",
           "concentrated"]


def spread(ds: Dataset) -> pd.DataFrame:
    """One row per hyperparameter (see the module docstring)."""
    masks = active_masks(ds.X, ds.conditions)
    rows = []
    for h in hyperparameters(ds):
        f = ds.schema[h]
        on = masks.get(h, np.ones(len(ds), dtype=bool))
        values = ds.X[h][on]
        row = dict.fromkeys(COLUMNS, np.nan) | {"feature": h, "scale": f.scale, "rows": int(on.sum()), "top_level": ""}
        if f.is_categorical:
            counts = values.value_counts()
            levels = [v for v in f.levels if v != "absent"]
            if len(counts):
                row.update(top_level=str(counts.index[0]), top_share=float(counts.iloc[0] / counts.sum()),
                           uniform_share=1 / max(len(levels), 1))
                row["concentrated"] = bool(row["top_share"] > max(2 * row["uniform_share"], 0.5))
        elif len(values) >= 2:
            u = f.to_unit(values.to_numpy(dtype=float))
            row["middle80"] = _middle(u)
            row["middle80_later"] = _middle(u[len(u) // 2:]) if len(u) >= 4 else np.nan
            row["concentrated"] = bool(row["middle80"] < CONCENTRATED)
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _middle(u: np.ndarray) -> float:
    lo, hi = np.quantile(u, [0.1, 0.9])
    return float(min(hi - lo, 1.0))


def concentrated(table: pd.DataFrame) -> list[str]:
    """The hyperparameters whose rows are concentrated."""
    return list(table.loc[table["concentrated"].fillna(False).astype(bool), "feature"])
