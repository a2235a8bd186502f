"""Importance across tasks for people: box plots per hyperparameter and surrogate, and a table of medians and IQRs.

Numbers come from ``harness.analysis.across_tasks``. Every panel lists the
hyperparameters in the reference surrogate's order (highest median share on
top), so the panels read side by side, as van Rijn & Hutter's figures do.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from harness.render.drawing import drawn
from harness.render.figures import save, subplots, suptitle
from harness.render.markdown import table
from harness.text import md_text, num

FILE = "importance_over_tasks"


def feature_order(over: pd.DataFrame, reference: str) -> list[str]:
    """The reference's features by median share (most important first), then any feature only others have."""
    ref = list(over.loc[over["surrogate"] == reference, "feature"])
    return ref + [f for f in dict.fromkeys(over["feature"]) if f not in ref]


@drawn
def figure(shares: pd.DataFrame, over: pd.DataFrame, surrogates: list[str], reference: str, labels: dict,
           path: Path) -> Path:
    """One panel per surrogate: each hyperparameter's share over the tasks (box = interquartile range, bar =
    median, line = range, dots = tasks), drawn from the analysis' own quartiles."""
    features = feature_order(over, reference)
    n_tasks = shares["dataset"].nunique()
    fig, axes = subplots(1, len(surrogates), figsize=(3.4 * len(surrogates) + 1.0, 0.42 * len(features) + 1.6),
                         squeeze=False, sharey=True)
    y = np.arange(len(features))[::-1]
    for ax, sur in zip(axes[0], surrogates):
        own = shares[(shares["surrogate"] == sur) & shares["share"].notna()]
        stats = over[over["surrogate"] == sur].set_index("feature")
        for yi, f in zip(y, features):
            d = own.loc[own["feature"] == f, "share"].to_numpy()
            if not d.size or f not in stats.index:
                continue
            r = stats.loc[f]
            ax.hlines(yi, d.min(), d.max(), color="grey", lw=1)
            ax.barh(yi, r["q75"] - r["q25"], left=r["q25"], height=0.55, color="lightsteelblue", edgecolor="black")
            ax.vlines(r["median"], yi - 0.3, yi + 0.3, color="black", lw=2)
            # every task as a dot, spread over the box's height in a fixed pattern
            k = np.arange(d.size) % 7
            ax.scatter(d, yi + (k - k.max() / 2) * 0.06, s=14, alpha=0.7, color="tab:blue", lw=0, zorder=3)
        ax.set_yticks(y, [labels.get(f, f) for f in features], fontsize=8)
        ax.set_xlim(left=0)
        ax.set_xlabel("share of the task's single-feature importance", fontsize=8)
        ax.set_title(sur, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    suptitle(fig, f"Hyperparameter importance across {n_tasks} tasks (seed means; box = interquartile range)")
    return save(fig, path)


def section(over: pd.DataFrame, surrogates: list[str], reference: str, labels: dict, n_tasks: int) -> list[str]:
    """The markdown section: per hyperparameter (reference order) and surrogate, median share [q25–q75]."""
    cells = over.set_index(["surrogate", "feature"])
    rows = []
    for f in feature_order(over, reference):
        row = [labels.get(f, f)]
        for s in surrogates:
            r = cells.loc[(s, f)] if (s, f) in cells.index else None
            row.append("–" if r is None or pd.isna(r["median"]) else
                       f"{num(r['median'])} [{num(r['q25'])}–{num(r['q75'])}]" + ("" if r["tasks"] == n_tasks else
                                                                               f" ({r['tasks']} tasks)"))
        rows.append(row)
    return [f"## Importance across the {n_tasks} tasks (van Rijn & Hutter, KDD 2018)\n",
            "Each hyperparameter's share of its task's summed single-feature importance (seed means), over the "
            "tasks: median [first–third quartile]. Shares, because the tasks' scores are on different scales; the "
            f"order is {md_text(reference)}'s, most important first.\n",
            table(["hyperparameter", *surrogates], rows), "",
            f"Every surrogate with the raw medians (target units) and ranks: `{FILE}.csv`; box plots: `{FILE}.png`.\n"]
