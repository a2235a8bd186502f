"""Each hyperparameter's importance across tasks: its median and interquartile range over the tasks.

In the style of van Rijn & Hutter (KDD 2018, "Hyperparameter importance across
datasets"), who box-plot each hyperparameter's fANOVA variance contribution
over many datasets and order the hyperparameters by the median. Here the unit
is a hyperparameter's **share** of its task's summed single-feature importance
(the surrogate's record averaged over seeds): the tasks' scores live on
different scales (BLEU 5 on one task, 40 on another; accuracies beside
losses), so raw importances cannot be pooled across tasks, while a share says
how much of what the surrogate explains on that task the hyperparameter
carries — the role of the variance fractions there. Shares of single features
only, so that surrogates with and without pair terms are compared alike; the
raw median (target units) stands beside it.

Pure: the interpret experiment's tidy ``importances`` table in, tables out.
"""
from __future__ import annotations

import pandas as pd

KEYS = ["surrogate", "dataset", "feature"]
COLUMNS = ["surrogate", "feature", "tasks", "median", "q25", "q75", "iqr", "raw_median", "rank"]


def importance_shares(importances: pd.DataFrame) -> pd.DataFrame:
    """Per (surrogate, task, feature): the single-feature importance averaged over seeds, and its share of the task's sum.

    A task whose importances sum to 0 (nothing explained) has no shares (NaN).
    """
    mains = importances[importances["kind"] == "main"].rename(columns={"feature_a": "feature"})
    mean = mains.groupby(KEYS, sort=False)["importance"].mean().reset_index()
    total = mean.groupby(["surrogate", "dataset"], sort=False)["importance"].transform("sum")
    return mean.assign(share=mean["importance"] / total.where(total > 0))


def over_tasks(shares: pd.DataFrame) -> pd.DataFrame:
    """Per (surrogate, feature): over the tasks that have the feature, the median share with its quartiles, the raw
    median importance and the feature's rank by median share (1 = most important); most important first."""
    g = shares.groupby(["surrogate", "feature"], sort=False)
    out = pd.DataFrame({
        "tasks": g["share"].count(),
        "median": g["share"].median(),
        "q25": g["share"].quantile(0.25),
        "q75": g["share"].quantile(0.75),
        "raw_median": g["importance"].median(),
    }).reset_index()
    out["iqr"] = out["q75"] - out["q25"]
    out["rank"] = out.groupby("surrogate", sort=False)["median"].rank(ascending=False, method="min")
    first = {s: i for i, s in enumerate(dict.fromkeys(shares["surrogate"]))}
    out = out.sort_values(["surrogate", "median"], key=lambda c: c.map(first) if c.name == "surrogate" else -c,
                          kind="stable", ignore_index=True)
    return out.astype({"rank": "Int64"})[COLUMNS]
