"""Figures are saved cropped to what they draw (from one drawing when it lies on the canvas, by savefig otherwise), and
what every figure shares: plain log tick labels, levels in value order, a "±" only with a spread."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from harness.render.figures import DPI, PAD, finish, has_spread, plt, save, subplots, suptitle, value_order


def _figure(legend_y: float):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [1, 3, 2], label="a line")
    ax.set_xlabel("x label")
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, legend_y))
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def _tight(fig, path):
    fig.savefig(path, dpi=DPI, bbox_inches="tight", format="png")
    return np.asarray(Image.open(path))


def _ink(picture):
    """The part holding anything but the white background, and the margins around it (top, bottom, left, right)."""
    ink = (picture[..., :3] != 255).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    margins = (rows[0], picture.shape[0] - 1 - rows[-1], cols[0], picture.shape[1] - 1 - cols[-1])
    return picture[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], margins


@pytest.mark.parametrize("legend_y", [0.0, -0.3])  # on the canvas: cropped from one drawing; below it: savefig's way
def test_a_saved_figure_is_what_it_draws_with_a_margin(tmp_path, legend_y):
    saved = np.asarray(Image.open(save(_figure(legend_y), tmp_path / "ours.png")))
    ours, margins = _ink(saved)
    theirs, _ = _ink(_tight(_figure(legend_y), tmp_path / "theirs.png"))
    # the same content as savefig's tight picture, up to a pixel of antialiased edge
    assert abs(ours.shape[0] - theirs.shape[0]) <= 1 and abs(ours.shape[1] - theirs.shape[1]) <= 1
    if legend_y == 0:  # exactly the drawing on the canvas, cropped to its ink with PAD on every side
        fig = _figure(legend_y)
        fig.set_dpi(DPI)
        fig.canvas.draw()
        drawn, _ = _ink(np.asarray(fig.canvas.buffer_rgba()))
        plt.close(fig)
        assert margins == (round(PAD * DPI),) * 4 and np.array_equal(ours, drawn)
    else:  # the legend below the canvas is in the picture, which savefig drew
        assert ours.shape[0] > 3 * DPI - 2 * round(PAD * DPI) and np.array_equal(ours, theirs)
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically (harness.results.atomic_write)


def test_ink_on_the_canvas_edge_is_left_to_savefig(tmp_path):
    """A label cut by the canvas's edge may reach past it: savefig measures it and keeps all of it."""
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_position((0.0, 0.2, 1.0, 0.7))  # the y tick labels sit left of the canvas
    ax.plot([0, 1], [1000, 2000])
    ours = np.asarray(Image.open(save(fig, tmp_path / "ours.png")))
    assert ours.shape[1] > 3 * DPI  # wider than the canvas: the labels beyond its edge are in


def test_a_long_title_is_wrapped_to_the_figure(tmp_path):
    fig, _ = plt.subplots(figsize=(3, 3))
    suptitle(fig, "a title much longer than a three-inch figure is wide, which savefig would have to widen for")
    assert fig._suptitle.get_text().count("\n") >= 1
    assert np.asarray(Image.open(save(fig, tmp_path / "t.png"))).shape[1] <= 3 * DPI


# ------------------------------------------------------------- what every figure shares (harness.render.figures)


@pytest.mark.parametrize("parse_math", [False, True])
def test_a_log_axis_is_labelled_in_plain_text_whatever_the_mathtext_setting(parse_math):
    """matplotlib labels log axes with mathtext ($\\mathdefault{10^{-4}}$): shown raw where mathtext is off."""
    with matplotlib.rc_context({"text.parse_math": parse_math}):
        fig, ax = subplots(figsize=(4, 3))
        image = ax.imshow([[1e-3, 1], [10, 1e3]], norm=matplotlib.colors.LogNorm())
        bar = fig.colorbar(image, ax=ax)
        ax.plot([1e-4, 1e-1, 10], [1, 2, 3])
        ax.set_xscale("log")
        finish(fig).canvas.draw()
        labels = [t.get_text() for a in (ax.xaxis, bar.ax.yaxis) for t in a.get_ticklabels() + a.get_ticklabels(minor=True)]
        plt.close(fig)
    shown = [t for t in labels if t]
    assert {"1e−4", "0.01", "1", "10"} <= set(shown) and not [t for t in shown if "$" in t or "mathdefault" in t]


def test_levels_are_put_in_value_order():
    assert value_order(["0.257393", "1.69e-3", "0.0890354", "1.1e-3"]) == ["1.1e-3", "1.69e-3", "0.0890354", "0.257393"]
    assert value_order(["constant", "invscaling", "adaptive"]) == ["constant", "invscaling", "adaptive"]  # declared order


def test_a_spread_is_shown_only_where_there_is_one():
    assert not has_spread([float("nan"), float("nan")]) and not has_spread([]) and has_spread([float("nan"), 0.2])



@pytest.fixture
def kept(monkeypatch):
    """Figures of the curve modules, kept open instead of saved."""
    from harness.render import hpo_order, size_sweep

    figures = []
    for module in (hpo_order, size_sweep):
        monkeypatch.setattr(module, "save", lambda fig, path: figures.append(finish(fig)) or path)  # as save does
    yield figures
    for fig in figures:
        plt.close(fig)


def test_curve_figures_legends_cover_nothing_and_say_when_one_seed_ran(kept):
    from figure_checks import overlaps

    from harness.render.hpo_order import regret_curves
    from harness.render.size_sweep import size_curves

    summary = pd.DataFrame({"surrogate": ["ebm"] * 3 + ["linear"] * 3, "size_pct": [10, 50, 100] * 2,
                            **{f"{m}_mean": [1.0, 0.5, 0.3, 2.0, 1.5, 1.4] for m in ("mse", "src", "mrr")},
                            **{f"{m}_std": [float("nan")] * 6 for m in ("mse", "src", "mrr")}})
    size_curves(summary, "unused.png", title="t")
    k = np.arange(1, 301)
    stats = pd.DataFrame({"dataset": "d", "order_method": np.repeat(["bo", "random"], 300), "k": np.tile(k, 2),
                          "mean": np.tile(10 / k, 2), "std": 1.0})
    regret_curves(stats, "unused.png")
    sizes, regret = kept
    assert not overlaps(sizes) and not overlaps(regret)
    assert sizes._suptitle.get_text() == "t (one seed)" and "mean ± std over seeds" in regret._suptitle.get_text()
    regret.canvas.draw()
    shown = [t.get_text() for t in regret.axes[0].get_xticklabels() if t.get_text()]
    assert {"1", "10", "100"} <= set(shown) and not [t for t in shown if "$" in t]
