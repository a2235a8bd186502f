"""Figures of the interpretation case study (paper Figures 2–4, 8–10): importance bars, shapes, pair surfaces.

Values are shown in the hyperparameters' own units (``fmt_value``: 10k,
3e-4, 512) and features by their schema labels (#embed, attn).
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from harness.explanations import Interpretation
from harness.render.figures import save
from harness.text import fmt_value

MAX_DISCRETE = 12  # features with at most this many values are drawn at evenly spaced positions
COLORS = {"main": "tab:blue", "pair": "tab:orange"}


def _label(labels: dict, term: str, a: str, b) -> str:
    if isinstance(b, str) and b:
        return f"{labels.get(a, a)} × {labels.get(b, b)}"
    return labels.get(term, term)


def importance_bars(records: list[Interpretation], labels: dict, path: Path, title: str, top: int = 12,
                    spread: pd.Series | None = None) -> Path:
    """Figure 2: the ``top`` terms of each record by importance, singles and pairs coloured apart; one panel per record.

    ``spread`` (indexed by surrogate and term, e.g. the std over seeds) draws error bars where it is defined.
    """
    fig, axes = plt.subplots(1, len(records), figsize=(3.6 * len(records), 0.32 * top + 1.4), squeeze=False)
    for ax, rec in zip(axes[0], records):
        r = rec.ranking().head(top).iloc[::-1]
        names = [_label(labels, t, a, b) for t, a, b in zip(r["term"], r["feature_a"], r["feature_b"])]
        err = None if spread is None else [spread.get((rec.surrogate, t), np.nan) for t in r["term"]]
        ax.barh(names, r["importance"], xerr=err, color=[COLORS[k] for k in r["kind"]], ecolor="black", capsize=2)
        ax.set_title(rec.surrogate, fontsize=10)
        ax.set_xlabel("mean |centred term|")
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLORS.values()]
    fig.legend(handles, ["single feature", "pair"], loc="lower center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return save(fig, path)


def _positions(values: list) -> tuple[np.ndarray, bool]:
    """x positions of a feature's values: evenly spaced for few values, the values themselves otherwise."""
    if len(values) <= MAX_DISCRETE:
        return np.arange(len(values), dtype=float), True
    return np.asarray(values, dtype=float), False


def shape_grid(reference: Interpretation, others: list[Interpretation], labels: dict, unit: str, path: Path,
               title: str) -> Path:
    """Figures 3/9: each feature's shape (reference with its band, others overlaid) over its data density."""
    features = list(pd.unique(reference.shapes["feature"]))
    ncol = min(3, len(features))
    nrow = math.ceil(len(features) / ncol)
    fig = plt.figure(figsize=(4.4 * ncol, 4.1 * nrow))
    outer = fig.add_gridspec(nrow, ncol, hspace=0.35, wspace=0.3)
    for i, f in enumerate(features):
        cell = outer[divmod(i, ncol)].subgridspec(2, 1, height_ratios=[3, 1], hspace=0.06)
        ax = fig.add_subplot(cell[0])
        dens = fig.add_subplot(cell[1], sharex=ax)
        ref = reference.shapes[reference.shapes["feature"] == f]
        values = list(ref["value"])
        x, discrete = _positions(values)
        at = dict(zip(map(str, values), x))
        ax.plot(x, ref["contribution"], marker="o", color="black", lw=2, label=reference.surrogate, zorder=3)
        if ref["lower"].notna().any():
            ax.fill_between(x, ref["lower"], ref["upper"], color="black", alpha=0.15, lw=0, label="band")
        for rec in others:
            s = rec.shapes[(rec.shapes["feature"] == f) & rec.shapes["value"].astype(str).isin(at)]
            ax.plot([at[str(v)] for v in s["value"]], s["contribution"], marker=".", lw=1, alpha=0.8, label=rec.surrogate)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(labels.get(f, f), fontsize=10)
        ax.set_ylabel(f"contribution ({unit})", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelbottom=False)
        dens.bar(x, ref["density"], width=0.6 if discrete else (x.max() - x.min()) / 60 or 1, color="tab:grey")
        dens.set_ylabel("rows", fontsize=8)
        if discrete:
            dens.set_xticks(x, [fmt_value(v) for v in values], fontsize=8, rotation=30 if len(values) > 6 else 0)
        elif x.min() > 0 and x.max() / x.min() >= 100:
            dens.set_xscale("log")
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", ncol=len(names), fontsize=8, bbox_to_anchor=(0.5, 0.95), frameon=False)
    fig.suptitle(title)
    return save(fig, path)


def interaction_heatmaps(record: Interpretation, pairs: list[tuple[str, str]], labels: dict, unit: str, path: Path,
                         title: str) -> Path:
    """Figures 4/10: each pair term as a value_a × value_b heatmap with its numbers written in."""
    fig, axes = plt.subplots(1, max(len(pairs), 1), figsize=(4.6 * max(len(pairs), 1), 3.9), squeeze=False)
    for ax, (a, b) in zip(axes[0], pairs):
        s = record.surface(a, b)
        im = ax.imshow(s.to_numpy(dtype=float), cmap="viridis", aspect="auto", origin="lower")
        ax.set_xticks(range(s.shape[1]), [fmt_value(v) for v in s.columns], fontsize=8,
                      rotation=30 if s.shape[1] > 6 else 0)
        ax.set_yticks(range(s.shape[0]), [fmt_value(v) for v in s.index], fontsize=8)
        ax.set_xlabel(labels.get(b, b))
        ax.set_ylabel(labels.get(a, a))
        if s.size <= 64:
            for (i, j), v in np.ndenumerate(s.to_numpy(dtype=float)):
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white" if v < np.nanmean(s) else "black")
        fig.colorbar(im, ax=ax, label=f"pair term ({unit})")
        ax.set_title(f"{labels.get(a, a)} × {labels.get(b, b)}", fontsize=10)
    if not pairs:
        axes[0][0].text(0.5, 0.5, "no pair terms", ha="center", va="center")
        axes[0][0].set_axis_off()
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, path)
