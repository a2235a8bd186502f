"""Figures as PNG files (matplotlib, headless): the atomic writer and the metric-vs-size curves several experiments draw.

Experiment-specific figures live beside this module (``render.size_sweep``, ``render.interpret`` …).
"""
from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from harness.text import fmt_value
from harness.timing import stage

METRIC_LABELS = {"mse": "test MSE", "src": "SRC (Spearman)", "mrr": "MRR (1/rank)", "regret": "top-1 regret"}
DPI = 110
PAD = 0.1  # inches of margin around the drawn content, as savefig(bbox_inches="tight") leaves


@functools.cache
def pyplot():
    """matplotlib's pyplot, headless, every label drawn as plain text (feature names and levels come from users'
    tables, and a name such as ``$\\foo$ lr`` would otherwise be parsed, and refused, as mathtext)."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot

    return matplotlib.pyplot


class _Pyplot:
    """``plt``: pyplot imported on first use. Importing it costs about half a second, which a run whose figures
    are drawn in side processes (``harness.render.drawing``) then never pays in its own process."""

    def __getattr__(self, name):
        return getattr(pyplot(), name)


plt = _Pyplot()


def save(fig, path: Path) -> Path:
    """Write atomically (cropped to what is drawn, as ``bbox_inches="tight"``) and close the figure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    with stage("figures"):  # rendering is most of a figure's cost
        _save_tight(fig, tmp)
    plt.close(fig)
    tmp.replace(path)
    return path


def wrap(text: str, inches: float, points: float = 12) -> str:
    """``text`` in lines that fit ``inches`` at ``points`` (about 120 / points characters per inch)."""
    return textwrap.fill(text, max(30, int(inches * 120 / points)), break_long_words=False)


def suptitle(fig, text: str) -> None:
    """The figure's title, wrapped to its width: a long title on a one-panel figure would reach past its edges."""
    fig.suptitle(wrap(text, fig.get_figwidth()))


def _save_tight(fig, path: Path) -> None:
    """savefig(bbox_inches="tight") draws the figure twice: once to measure what it holds, once to render it.
    When everything drawn lies on the canvas, the first drawing already holds the picture: crop it (up to a
    sub-pixel shift, the same image, in half the time). Content reaching past the canvas (a legend placed
    below the axes) is drawn again by savefig itself."""
    from matplotlib.colors import to_rgba
    from PIL import Image

    fig.set_dpi(DPI)
    fig.canvas.draw()
    content = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    if content.x0 < 0 or content.y0 < 0 or content.x1 > width or content.y1 > height:
        fig.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=PAD, format="png")
        return
    box = content.padded(PAD)
    drawn = np.asarray(fig.canvas.buffer_rgba())
    rows, cols = drawn.shape[:2]
    x0, y0 = round(box.x0 * DPI), round(rows - box.y1 * DPI)  # pixel rows count from the top
    picture = np.empty((int(box.height * DPI), int(box.width * DPI), 4), np.uint8)
    picture[:] = np.round(np.array(to_rgba(fig.get_facecolor())) * 255)  # the padding beyond the canvas
    top, left = max(y0, 0), max(x0, 0)
    bottom, right = min(y0 + picture.shape[0], rows), min(x0 + picture.shape[1], cols)
    picture[top - y0:bottom - y0, left - x0:right - x0] = drawn[top:bottom, left:right]
    Image.fromarray(picture).save(path, format="png")


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


def log_scaled(x: np.ndarray) -> bool:
    """Values drawn on a log axis: all positive and spanning at least two decades (a learning rate, a BPE size)."""
    return bool(x.min() > 0 and x.max() / x.min() >= 100)


def level_ticks(ax, x: np.ndarray, values: list, axis: str = "x", fontsize: int = 8) -> None:
    """Tick labels for evenly spaced levels, thinned to at most MAX_TICKS so many levels stay legible."""
    step = max(1, -(-len(values) // MAX_TICKS))
    shown = list(range(0, len(values), step))
    labels = [fmt_value(values[i]) for i in shown]
    if axis == "x":
        ax.set_xticks([x[i] for i in shown], labels, fontsize=fontsize, rotation=30 if len(shown) > 6 else 0)
    else:
        ax.set_yticks([x[i] for i in shown], labels, fontsize=fontsize)
