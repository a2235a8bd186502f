"""One explanation drawn on its own: importance bars and every feature's shape (``Explanation.plot``)."""
from __future__ import annotations

import math
from pathlib import Path

from harness.interpretation import Interpretation
from harness.render.figures import figure, finish, level_ticks, log_scaled, positions, save, suptitle

COLORS = {"main": "tab:blue", "pair": "tab:orange"}


def record_figure(record: Interpretation, path: str | Path | None = None, top: int = 12):
    """The figure (returned open), or its PNG at ``path`` (returned as the path)."""
    features = list(record.ranking("main")["feature_a"])
    ncol = min(3, max(len(features), 1))
    nrow = math.ceil(len(features) / ncol) if features else 0
    fig = figure(figsize=(4.2 * (ncol + 1.3), max(3.2 * nrow, 0.32 * top + 1.4)))
    grid = fig.add_gridspec(max(nrow, 1), ncol + 1, width_ratios=[1.3] + [1] * ncol)
    bars = fig.add_subplot(grid[:, 0])
    r = record.ranking().head(top).iloc[::-1]
    names = [t.replace(" x ", " × ") for t in r["term"]]
    bars.barh(names, r["importance"], color=[COLORS.get(k, "grey") for k in r["kind"]])
    bars.set_xlabel(record.measure)
    bars.set_title(f"{record.surrogate}: top terms", fontsize=10)
    bars.tick_params(axis="y", labelsize=8)
    bars.grid(axis="x", alpha=0.3)
    for i, f in enumerate(features):
        ax = fig.add_subplot(grid[divmod(i, ncol)[0], 1 + divmod(i, ncol)[1]])
        s = record.shapes[record.shapes["feature"] == f]
        values = list(s["value"])
        x, discrete = positions(values)
        ax.plot(x, s["contribution"], marker="o", ms=3, color="black")
        if s["lower"].notna().any():
            ax.fill_between(x, s["lower"], s["upper"], color="black", alpha=0.15, lw=0)
        ax.axhline(0, color="grey", lw=0.6)
        if discrete:
            level_ticks(ax, x, values, fontsize=7)
        elif log_scaled(x):
            ax.set_xscale("log")
        ax.set_title(f, fontsize=9)
        ax.grid(alpha=0.3)
    suptitle(fig, f"{record.surrogate} on {record.dataset}")
    if path is None:
        return finish(fig)
    return save(fig, Path(path))
