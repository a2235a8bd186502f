"""Figures as PNG files (matplotlib, headless): the atomic writer and the metric-vs-size curves several experiments draw.

Experiment-specific figures live beside this module (``render.size_sweep``, ``render.interpret`` …).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

METRIC_LABELS = {"mse": "test MSE", "src": "SRC (Spearman)", "mrr": "MRR (1/rank)", "regret": "top-1 regret"}


def save(fig, path: Path) -> Path:
    """Write atomically and close the figure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
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
