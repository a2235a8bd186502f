"""Figures of the stability and fidelity experiments: how explanations converge with data, and how close they get to the truth."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from harness.render.figures import curves, save

AGREEMENT_PANELS = (
    ("full_kendall", "Kendall τ vs own full-data ranking"),
    ("full_top3_same", "share of seeds: top-3 = full-data top-3"),
    ("ebm_kendall", "Kendall τ vs EBM full-data ranking"),
)


def agreement_curves(summary: pd.DataFrame, fraction: float, path: Path, title: str) -> Path:
    """Rows: agreement measures; columns: sampling methods; one line per surrogate (mean over seeds).

    No ± std bands: five surrogates' bands hide each other (the spread is in the summary tables).
    """
    methods = list(dict.fromkeys(summary["order_method"]))
    fig, axes = plt.subplots(len(AGREEMENT_PANELS), len(methods), figsize=(4.4 * len(methods), 3.2 * len(AGREEMENT_PANELS)),
                             squeeze=False, sharey="row")
    for i, (metric, label) in enumerate(AGREEMENT_PANELS):
        for j, m in enumerate(methods):
            ax = axes[i][j]
            curves(ax, summary[summary["order_method"] == m].drop(columns=[f"{metric}_std"]), metric, "surrogate")
            ax.set_ylabel(label if j == 0 else "", fontsize=9)
            if metric.endswith("_same"):
                ax.axhline(fraction, color="grey", ls="--", lw=1)
            if i == 0:
                ax.set_title(f"sampling: {m}")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path)


def stable_bars(stable: pd.DataFrame, path: Path, title: str) -> Path:
    """Training rows until each surrogate's top-3 is stable (vs its own full-data fit), one bar per sampling method.

    "never" is drawn as a hatched bar up to the full training split.
    """
    own = stable[stable["reference"] == "full"]
    surrogates = list(dict.fromkeys(own["surrogate"]))
    methods = list(dict.fromkeys(own["order_method"]))
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(1.5 + 1.3 * len(surrogates), 4.2))
    handles = []
    for j, m in enumerate(methods):
        g = own[own["order_method"] == m].set_index("surrogate").reindex(surrogates)
        never = g["stable_rows"].isna().to_numpy()
        height = g["stable_rows"].fillna(g["full_rows"]).fillna(0).to_numpy(dtype=float)
        x = np.arange(len(surrogates)) + (j - (len(methods) - 1) / 2) * width
        bars = ax.bar(x, height, width)
        handles.append(plt.Rectangle((0, 0), 1, 1, color=bars.patches[0].get_facecolor(), label=m))
        for bar, nv, pct in zip(bars, never, g["stable_pct"]):
            mid = bar.get_x() + bar.get_width() / 2
            if nv:
                bar.set_hatch("//")
                bar.set_alpha(0.35)
                ax.text(mid, bar.get_height() / 2, "never", ha="center", va="center", fontsize=8, rotation=90)
            else:
                ax.text(mid, bar.get_height(), f"{pct:g}%", ha="center", va="bottom", fontsize=7)
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="black", hatch="//", label="never (full split)"))
    full = own["full_rows"].dropna()
    if len(full):
        ax.axhline(full.max(), color="grey", lw=0.8, ls=":")
    ax.set_xticks(range(len(surrogates)), surrogates)
    ax.set_ylabel("training rows")
    ax.legend(handles=handles, title="sampling", fontsize=8, ncol=len(handles), loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title, fontsize=10)
    return save(fig, path)


def grid_curves(summary: pd.DataFrame, metric: str, label: str, path: Path, title: str,
                rows: str = "sampling", cols: str = "snr", x: str = "n_rows") -> Path:
    """One panel per (``rows``, ``cols``) value, ``metric`` vs ``x``, one line per surrogate (mean over seeds; no bands)."""
    rvals, cvals = list(dict.fromkeys(summary[rows])), sorted(summary[cols].unique())
    fig, axes = plt.subplots(len(rvals), len(cvals), figsize=(3.8 * len(cvals), 3.0 * len(rvals)), squeeze=False,
                             sharex=True, sharey=True)
    for i, r in enumerate(rvals):
        for j, c in enumerate(cvals):
            ax = axes[i][j]
            part = summary[(summary[rows] == r) & (summary[cols] == c)]
            curves(ax, part.drop(columns=[f"{metric}_std"]), metric, "surrogate", x=x)
            ax.set_xscale("log")
            ax.set_xticks(sorted(summary[x].unique()), [f"{v:g}" for v in sorted(summary[x].unique())])
            ax.minorticks_off()
            ax.set_title(f"{rows} {r}, {cols} {c:g}", fontsize=9)
            ax.set_xlabel(x if i == len(rvals) - 1 else "")
            ax.set_ylabel(label if j == 0 else "", fontsize=9)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path)
