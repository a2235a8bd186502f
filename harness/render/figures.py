"""Figures as PNG files (matplotlib, headless): the atomic writer and the metric-vs-size curves several experiments draw.

Experiment-specific figures live beside this module (``render.size_sweep``, ``render.interpret`` …).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from harness.text import fmt_value  # noqa: E402
from harness.timing import stage  # noqa: E402

METRIC_LABELS = {"mse": "test MSE", "src": "SRC (Spearman)", "mrr": "MRR (1/rank)", "regret": "top-1 regret"}


def save(fig, path: Path) -> Path:
    """Write atomically and close the figure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    with stage("figures"):  # rendering is most of a figure's cost
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)
    return path


def curves(ax, summary: pd.DataFrame, metric: str, line_key: str, x: str = "size_pct", styles: dict | None = None):
    """One line per ``line_key`` value with a ±std band."""
    for name, g in summary.groupby(line_key, sort=False):
        g = g.sort_values(x)
        kw = (styles or {}).get(name, {})
        ax.plot(g[x], g[f"{metric}_mean"], marker="o", ms=3, label=str(name), **kw)
        if f"{metric}_std" in g:
            lo = g[f"{metric}_mean"] - g[f"{metric}_std"].fillna(0)
            hi = g[f"{metric}_mean"] + g[f"{metric}_std"].fillna(0)
            ax.fill_between(g[x], lo, hi, alpha=0.15, color=ax.lines[-1].get_color())
    ax.set_xlabel("training size (% of training split)")
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    ax.grid(alpha=0.3)


MAX_DISCRETE = 12  # a feature with at most this many values is drawn at evenly spaced positions
MAX_TICKS = 12


def positions(values: list) -> tuple[np.ndarray, bool]:
    """x positions of a feature's values: evenly spaced for few values or for text levels, else the values themselves."""
    if len(values) > MAX_DISCRETE:
        try:
            return np.asarray(values, dtype=float), False
        except (TypeError, ValueError):  # many text levels (a run id, a 1,000-level categorical)
            pass
    return np.arange(len(values), dtype=float), True


def level_ticks(ax, x: np.ndarray, values: list, axis: str = "x", fontsize: int = 8) -> None:
    """Tick labels for evenly spaced levels, thinned to at most MAX_TICKS so many levels stay legible."""
    step = max(1, -(-len(values) // MAX_TICKS))
    shown = list(range(0, len(values), step))
    labels = [fmt_value(values[i]) for i in shown]
    if axis == "x":
        ax.set_xticks([x[i] for i in shown], labels, fontsize=fontsize, rotation=30 if len(shown) > 6 else 0)
    else:
        ax.set_yticks([x[i] for i in shown], labels, fontsize=fontsize)
