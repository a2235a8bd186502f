"""Figures as PNG files (matplotlib, headless): shared helpers and the metric-vs-size curves.

Experiment-specific figures live beside this module (``render.interpret``, ``render.transfer`` …).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

METRIC_LABELS = {"mse": "test MSE", "src": "SRC (Spearman)", "mrr": "MRR (1/rank)", "regret": "top-1 regret (BLEU)"}


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


def size_curves(summary: pd.DataFrame, path: Path, title: str, line_key: str = "surrogate",
                metrics=("mse", "src", "mrr")) -> Path:
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.6))
    for ax, m in zip(axes, metrics):
        curves(ax, summary, m, line_key)
    axes[0].legend(fontsize=8)
    fig.suptitle(title)
    return save(fig, path)


def hpo_order_curves(summary: pd.DataFrame, path: Path, title: str) -> Path:
    """Figure 6: MSE vs size per HPO method, one panel per surrogate (the first, EBM, largest)."""
    surrogates = list(dict.fromkeys(summary["surrogate"]))
    fig, axes = plt.subplots(1, len(surrogates), figsize=(4.2 * len(surrogates), 3.6), squeeze=False)
    for ax, sur in zip(axes[0], surrogates):
        curves(ax, summary[summary["surrogate"] == sur], "mse", "order_method")
        ax.set_title(sur)
    axes[0][0].legend(title="order", fontsize=8)
    fig.suptitle(title)
    return save(fig, path)


def regret_curves(regret: pd.DataFrame, path: Path) -> Path:
    """The HPO view: regret of the best configuration found after k evaluations, mean ± std over seeds."""
    datasets = list(dict.fromkeys(regret["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 3.6), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        part = regret[regret["dataset"] == ds]
        stats = part.groupby(["order_method", "k"], sort=False)["regret"].agg(["mean", "std"]).reset_index()
        for m, g in stats.groupby("order_method", sort=False):
            ax.plot(g["k"], g["mean"], label=m)
            ax.fill_between(g["k"], g["mean"] - g["std"].fillna(0), g["mean"] + g["std"].fillna(0), alpha=0.15,
                            color=ax.lines[-1].get_color())
        ax.set_xscale("log")
        ax.set_xlabel("evaluations k")
        ax.set_ylabel("regret (pool best − best found)")
        ax.set_title(ds)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return save(fig, path)
