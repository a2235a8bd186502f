"""Transfer figures: train × test heatmaps (paper Fig. 7 layout) and the when-does-it-work scatter."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colors

from harness.render.figures import plt, save

TRAINED_ON = "trained on"
TESTED_ON = "tested on"


def heatmap(ax, mean: pd.DataFrame, std: pd.DataFrame | None, title: str, cmap: str = "viridis",
            log: bool = False, digits: int = 2, vmin=None, vmax=None) -> None:
    """Columns = trained on (x), rows = tested on (y), as in the paper's Fig. 7; the in-domain diagonal is boxed."""
    values = mean.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if log and finite.size and (finite > 0).all():
        norm = colors.LogNorm(vmin=vmin or finite.min(), vmax=vmax or finite.max())
    else:
        norm = colors.Normalize(vmin=finite.min() if vmin is None and finite.size else vmin,
                                vmax=finite.max() if vmax is None and finite.size else vmax)
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="equal")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(mean.shape[1]), [str(c) for c in mean.columns], rotation=45, ha="right")
    ax.set_yticks(range(mean.shape[0]), [str(r) for r in mean.index])
    ax.set_xlabel(TRAINED_ON)
    ax.set_ylabel(TESTED_ON)
    ax.set_title(title, fontsize=10)
    cm = plt.get_cmap(cmap)
    for i, test in enumerate(mean.index):
        for j, train in enumerate(mean.columns):
            v = values[i, j]
            if not np.isfinite(v):
                continue
            text = f"{v:.{digits}f}"
            if std is not None and np.isfinite(std.at[test, train]):
                text += f"\n±{std.at[test, train]:.{digits}f}"
            r, g, b, _ = cm(norm(v))
            ax.text(j, i, text, ha="center", va="center", fontsize=6.5,
                    color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
            if test == train:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.5, ec="black"))


def heatmaps(panels: list[dict], path: Path, title: str) -> Path:
    """One figure of side-by-side heatmaps; each panel is the keyword arguments of :func:`heatmap`."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.9 * len(panels), 4.6), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        heatmap(ax, **panel)
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path)


def similarity_scatter(table: pd.DataFrame, predictors: dict[str, str], target: str, target_label: str,
                       path: Path, title: str, stats: dict[str, str]) -> Path:
    """One point per off-diagonal (train, test) cell: a similarity of the two pairs against transfer quality."""
    fig, axes = plt.subplots(1, len(predictors), figsize=(4.6 * len(predictors), 4.0), squeeze=False)
    for ax, (col, label) in zip(axes[0], predictors.items()):
        ax.scatter(table[col], table[target], s=18)
        for _, r in table.iterrows():
            if np.isfinite(r[col]) and np.isfinite(r[target]):
                ax.annotate(f"{r['train_pair']}→{r['test_pair']}", (r[col], r[target]), fontsize=5, alpha=0.7,
                            xytext=(2, 2), textcoords="offset points")
        ax.set_xlabel(label)
        ax.set_ylabel(target_label)
        ax.set_title(stats.get(col, ""), fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path)
