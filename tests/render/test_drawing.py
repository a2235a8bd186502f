"""Figures handed to side processes: the same files as drawn in place, errors raised at the block's end, and
drawing in place wherever no side process can start."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from harness import side_processes
from harness.render import drawing
from harness.render.size_sweep import size_curves

SUMMARY = pd.DataFrame({"surrogate": ["ebm"] * 3 + ["linear"] * 3, "size_pct": [10, 50, 100] * 2,
                        **{f"{m}_{s}": [1.0, 0.5, 0.3, 2.0, 1.5, 1.4] for m in ("mse", "src", "mrr") for s in ("mean", "std")}})

pytestmark = pytest.mark.skipif(not side_processes.AVAILABLE, reason="no fork server on this platform")


def _picture(path):
    return np.asarray(Image.open(path))


def test_figures_drawn_aside_are_the_figures_drawn_in_place(tmp_path):
    size_curves(SUMMARY, tmp_path / "here.png", title="t")
    with drawing.drawing(2):
        assert size_curves(SUMMARY, tmp_path / "aside.png", title="t") is None  # handed aside: no path yet
        size_curves(SUMMARY, tmp_path / "aside2.png", title="t")
    assert np.array_equal(_picture(tmp_path / "here.png"), _picture(tmp_path / "aside.png"))
    assert np.array_equal(_picture(tmp_path / "here.png"), _picture(tmp_path / "aside2.png"))


def test_one_worker_draws_in_place(tmp_path):
    with drawing.drawing(1):
        assert size_curves(SUMMARY, tmp_path / "here.png", title="t") == tmp_path / "here.png"


def test_a_figure_that_fails_aside_raises_after_the_others_are_written(tmp_path):
    with pytest.raises(KeyError, match="size_pct"), drawing.drawing(2):
        size_curves(SUMMARY.drop(columns="size_pct"), tmp_path / "bad.png", title="t")
        size_curves(SUMMARY, tmp_path / "good.png", title="t")
    assert (tmp_path / "good.png").is_file() and not (tmp_path / "bad.png").exists()


class _NoProcesses:
    def submit(self, *args, **kwargs):
        raise OSError("no fork server socket")

    def shutdown(self, **kwargs):
        pass


def test_where_no_side_process_can_start_figures_are_drawn_in_place(tmp_path, monkeypatch):
    monkeypatch.setattr(side_processes, "pool", lambda workers: _NoProcesses())
    with drawing.drawing(2):
        assert size_curves(SUMMARY, tmp_path / "here.png", title="t") == tmp_path / "here.png"
    monkeypatch.setattr(side_processes, "pool", lambda workers: None)  # a platform without a fork server
    with drawing.drawing(2):
        assert size_curves(SUMMARY, tmp_path / "there.png", title="t") == tmp_path / "there.png"
