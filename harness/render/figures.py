"""Figures as PNG files (matplotlib, headless): the atomic writer, what every figure shares, and the
metric-vs-size curves several experiments draw.

What every figure shares is decided here, not per figure: figures are laid out by matplotlib's constrained
layout (``subplots``, ``figure``), so no title, label or legend is drawn over another, and a legend of the
whole figure stands outside its panels (``legend``); a log axis is labelled in plain text whatever the
mathtext setting (``finish``); levels are placed and labelled in value order with just the digits that tell
them apart (``positions``, ``level_ticks``, ``value_order``); every number is written by ``harness.text.num``.
Experiment-specific figures live beside this module (``render.size_sweep``, ``render.interpret`` …).

One piece is hand-written where matplotlib has its own: the crop to what is drawn (``_save_tight``) reads the
content's box off the one drawing's pixels instead of ``savefig(bbox_inches="tight")``, which draws the figure
a second time: measured 0.44 → 0.34 CPU-s for the case study's shape grid (commit 1ce5548); where content
reaches past the canvas it falls back to savefig's way.
"""
from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from harness.results import atomic_write
from harness.text import fmt_value, value_labels
from harness.timing import stage

METRIC_LABELS = {"mse": "test MSE", "src": "SRC (Spearman)", "mrr": "MRR (1/rank)", "regret": "top-1 regret"}
DPI = 110
PAD = 0.1  # inches of margin around the drawn content, as savefig(bbox_inches="tight") leaves


@functools.cache
def pyplot():
    """matplotlib's pyplot, headless, every label drawn as plain text (feature names and levels come from users'
    tables, and a name such as ``$\\foo$ lr`` would otherwise be parsed, and refused, as mathtext).

    Titles sit just above their axes: no figure puts tick labels on top, so matplotlib's search for a place
    clear of them (the tick labels' extents of every axes, measured at each drawing) always found that one."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False
    matplotlib.rcParams["axes.titley"] = 1.0
    import matplotlib.pyplot

    return matplotlib.pyplot


class _Pyplot:
    """``plt``: pyplot imported on first use. Importing it costs about half a second, which a run whose figures
    are drawn in side processes (``harness.render.drawing``) then never pays in its own process."""

    def __getattr__(self, name):
        return getattr(pyplot(), name)


plt = _Pyplot()


def subplots(*args, **kwargs):
    """``plt.subplots`` laid out by constrained layout: titles, labels, colorbars and outside legends never overlap."""
    return plt.subplots(*args, layout="constrained", **kwargs)


def figure(**kwargs):
    """``plt.figure`` laid out by constrained layout (for figures built on a gridspec)."""
    return plt.figure(layout="constrained", **kwargs)


def legend(fig, handles, labels, where: str = "lower", **kwargs):
    """One legend for the whole figure, outside its panels, so it covers none of them: below them in one row
    (``where="lower"``), or at their right in one column (``"right"``). Never above: constrained layout stacks
    an upper legend on the figure's title, not under it."""
    loc = {"lower": "outside lower center", "right": "outside right upper"}[where]
    ncol = 1 if where == "right" else min(len(labels), 6)
    return fig.legend(handles, labels, loc=loc, ncol=ncol, fontsize=8, frameon=False, **kwargs)


def axes_legend(fig, ax, where: str = "lower", **kwargs):
    """``legend`` of the lines and patches drawn in ``ax`` (the same in every panel)."""
    handles, labels = ax.get_legend_handles_labels()
    return legend(fig, handles, labels, where, **kwargs) if handles else None


def has_spread(values) -> bool:
    """Whether a spread is there to show (a std over several seeds): some value finite and above 0. One seed has
    none (its std is undefined), and then no "±" is drawn or written."""
    v = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float) if values is not None else []
    return bool(np.any(np.isfinite(v) & (v > 0))) if len(v) else False


def finish(fig):
    """What every figure gets before it is drawn: each log axis (colour bars too) labelled in plain text.

    matplotlib labels a log axis with mathtext ($\\mathdefault{10^{-4}}$), which shows as that raw text where
    mathtext is off (``pyplot``: it is, for users' names) and needs a TeX parser where it is on; here the
    labels are the values as ``fmt_value`` writes them (1e-4, 0.01, 1, 10k), on the ticks matplotlib chose.
    A formatter a figure set itself is kept."""
    from matplotlib import ticker

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() != "log":
                continue
            for current, put in ((axis.get_major_formatter(), axis.set_major_formatter),
                                 (axis.get_minor_formatter(), axis.set_minor_formatter)):
                if type(current) in (ticker.LogFormatterSciNotation, ticker.LogFormatterMathtext):
                    put(_plain_log(labelOnlyBase=current.labelOnlyBase, minor_thresholds=current.minor_thresholds))
    return fig


@functools.cache
def _plain_log_class():
    from matplotlib import ticker

    class PlainLog(ticker.LogFormatter):
        """matplotlib's choice of labelled ticks on a log axis, each written by ``fmt_value``; between decades,
        where matplotlib labels 2, 3, 4 and 6 × 10^k (crowded on a narrow panel), 2 and 5 × 10^k."""

        def set_locs(self, locs=None):
            super().set_locs(locs)
            if self._sublabels is not None and self._sublabels == {1, 2, 3, 4, 6, 10}:
                self._sublabels = {1, 2, 5, 10}

        def _num_to_string(self, x, vmin, vmax):
            return fmt_value(x)

    return PlainLog


def _plain_log(**kwargs):
    return _plain_log_class()(**kwargs)


def save(fig, path: Path) -> Path:
    """Write atomically (cropped to what is drawn, as ``bbox_inches="tight"`` does) and close the figure."""
    finish(fig)
    try:
        with stage("figures"):  # rendering is most of a figure's cost
            return atomic_write(path, lambda tmp: _save_tight(fig, tmp))
    finally:
        plt.close(fig)


def wrap(text: str, inches: float, points: float = 12) -> str:
    """``text`` in lines that fit ``inches`` at ``points`` (about 120 / points characters per inch)."""
    return textwrap.fill(text, max(30, int(inches * 120 / points)), break_long_words=False)


def suptitle(fig, text: str) -> None:
    """The figure's title, wrapped to its width: a long title on a one-panel figure would reach past its edges."""
    fig.suptitle(wrap(text, fig.get_figwidth()))


def _save_tight(fig, path: Path) -> None:
    """The figure cropped to what it draws, with ``PAD`` around it, from one drawing.

    savefig(bbox_inches="tight") draws the figure twice and measures every artist's extent in between, a
    third of a figure's cost. When nothing can reach past the canvas (no ink on its edge, every legend and
    free text inside it), the drawing's own pixels say where its content is: it is cropped to its ink.
    Otherwise (a legend placed below the axes) savefig does it its way."""
    from matplotlib.colors import to_rgba
    from PIL import Image

    fig.set_dpi(DPI)
    fig.canvas.draw()
    drawn = np.asarray(fig.canvas.buffer_rgba())
    background = np.round(np.array(to_rgba(fig.get_facecolor())) * 255).astype(np.uint8)
    ink = (drawn != background).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if (not rows.size or rows[0] == 0 or cols[0] == 0 or rows[-1] == ink.shape[0] - 1
            or cols[-1] == ink.shape[1] - 1 or _placed_beyond(fig)):
        fig.savefig(path, dpi=DPI, bbox_inches="tight", pad_inches=PAD, format="png")
        return
    pad = round(PAD * DPI)
    top, left, bottom, right = rows[0] - pad, cols[0] - pad, rows[-1] + 1 + pad, cols[-1] + 1 + pad
    picture = np.empty((bottom - top, right - left, 4), np.uint8)
    picture[:] = background  # the margin where it reaches past the canvas
    t, l, b, r = max(top, 0), max(left, 0), min(bottom, ink.shape[0]), min(right, ink.shape[1])
    picture[t - top:b - top, l - left:r - left] = drawn[t:b, l:r]
    Image.fromarray(picture).save(path, format="png")


def _placed_beyond(fig) -> bool:
    """Whether a legend or a text, placed where its anchor says rather than beside an axes, reaches past the canvas."""
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    placed = [*fig.legends, *fig.texts, *(ax.get_legend() for ax in fig.axes), *(t for ax in fig.axes for t in ax.texts)]
    for artist in placed:
        if artist is None or not artist.get_visible():
            continue
        box = artist.get_window_extent(renderer)
        if box.x0 < canvas.x0 or box.y0 < canvas.y0 or box.x1 > canvas.x1 or box.y1 > canvas.y1:
            return True
    return False


def curves(ax, summary: pd.DataFrame, metric: str, line_key: str, x: str = "size_pct", styles: dict | None = None):
    """One line per ``line_key`` value with a ±std band where there is a spread."""
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


def value_order(values) -> list:
    """``values`` (a feature's levels) in value order: by number where every one is a number (as written in a
    CSV: "0.25", "1e-3"), else as given (a categorical's declared order)."""
    values = list(values)
    try:
        keys = [float(v) for v in values]
    except (TypeError, ValueError):
        return values
    return [values[i] for i in sorted(range(len(values)), key=keys.__getitem__)]


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
    labels = value_labels([values[i] for i in shown])
    if axis == "x":
        ax.set_xticks([x[i] for i in shown], labels, fontsize=fontsize, rotation=30 if len(shown) > 6 else 0)
    else:
        ax.set_yticks([x[i] for i in shown], labels, fontsize=fontsize)
