"""Figures are saved cropped to what they draw: from one drawing when it lies on the canvas, by savefig otherwise."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from harness.render.figures import DPI, PAD, plt, save, suptitle


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
