"""Figures are saved cropped to what they draw: from one drawing when it lies on the canvas, by savefig otherwise."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from harness.render.figures import DPI, plt, save, suptitle


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


@pytest.mark.parametrize("legend_y", [0.0, -0.3])  # on the canvas: cropped from one drawing; below it: savefig's way
def test_a_saved_figure_is_savefigs_tight_picture(tmp_path, legend_y):
    ours = np.asarray(Image.open(save(_figure(legend_y), tmp_path / "ours.png")))
    theirs = _tight(_figure(legend_y), tmp_path / "theirs.png")
    assert abs(ours.shape[0] - theirs.shape[0]) <= 1 and abs(ours.shape[1] - theirs.shape[1]) <= 1
    if legend_y < 0:  # the legend below the canvas is in the picture: taller than the 3-inch canvas
        assert ours.shape[0] > 3 * DPI
    h, w = min(ours.shape[0], theirs.shape[0]), min(ours.shape[1], theirs.shape[1])
    differ = np.abs(ours[:h, :w].astype(int) - theirs[:h, :w].astype(int)).max(axis=2) > 64
    assert differ.mean() < 0.02  # the same picture, up to a sub-pixel shift of the antialiased edges
    assert not list(tmp_path.glob(".*.tmp.png"))  # written atomically


def test_a_long_title_is_wrapped_to_the_figure(tmp_path):
    fig, _ = plt.subplots(figsize=(3, 3))
    suptitle(fig, "a title much longer than a three-inch figure is wide, which savefig would have to widen for")
    assert fig._suptitle.get_text().count("\n") >= 1
    assert np.asarray(Image.open(save(fig, tmp_path / "t.png"))).shape[1] <= 3 * DPI
