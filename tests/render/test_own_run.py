"""A user's own table, as its summary and figures show it: names holding markup shown as written (in summary.md
and in a browser), no word of the paper, legends over nothing, levels in value order, no "±" for one seed."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from browser import assert_page, needs_chromium
from cli import run
from figure_checks import overlaps

from harness.analysis.interpret import RECORD_KEYS, seed_means
from harness.interpretation import records_of
from harness.render import interpret as render
from harness.render.figures import finish, plt
from harness.render.report import to_html

SCRIPT, IMG, LEVEL = "<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "2**13"


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    """A table with hostile names, a log-spaced learning rate and a many-valued feature: tree and ridge, one seed."""
    tmp = tmp_path_factory.mktemp("own")
    rng = np.random.default_rng(0)
    n = 120
    lr = 10 ** rng.uniform(-5, -1, n).round(2)
    width = rng.choice([8, 16, 24, 32, 48, 64, 96, 128, 192, 256], n)
    kind = rng.choice([LEVEL, "plain", IMG], n)
    score = -np.abs(np.log10(lr) + 3) + np.log2(width) * 0.3 + (kind == LEVEL) + rng.normal(0, 0.1, n)
    pd.DataFrame({"lr": lr, SCRIPT: width, "kind": kind, "acc": score}).to_csv(tmp / "runs.csv", index=False)
    out = tmp / "run"
    run(tmp, "+experiment=interpret", "data=table", f"data.path={tmp / 'runs.csv'}", "data.target=acc",
        "surrogate=[tree,linear]", "seed=[0]", "n_jobs=1", "threads=1", f"hydra.run.dir={out}")
    return out


def test_names_holding_markup_are_shown_not_run_in_the_summary(own_run):
    text = (own_run / "summary.md").read_text()
    assert SCRIPT not in text and "<img" not in text
    assert "\\<script>alert(1)\\</script>" in text  # CommonMark shows a backslash-escaped < as it is


def test_a_users_table_gets_no_word_of_the_paper(own_run):
    text = (own_run / "summary.md").read_text()
    assert "paper" not in text.lower() and "claim" not in text.lower()
    assert not (own_run / "claims.md").exists() and pd.read_csv(own_run / "claims.csv").empty


@needs_chromium
def test_the_summary_as_a_page_shows_the_names_and_runs_nothing(own_run, tmp_path):
    figures = "".join(f"![{p.stem}]({p.name})\n\n" for p in sorted(own_run.glob("*.png")))
    page = tmp_path / "summary.html"
    page.write_text(to_html((own_run / "summary.md").read_text() + "\n" + figures, own_run))
    check = assert_page(page, tmp_path / "summary.png", raw_markup=("$", "\\mathdefault"))
    assert SCRIPT in check.text and len(check.images) == len(list(own_run.glob("*.png"))) >= 3


@pytest.fixture
def drawn(monkeypatch):
    """The figures ``render.interpret`` would save, kept open for inspection."""
    figures = []
    monkeypatch.setattr(render, "save", lambda fig, path: figures.append(finish(fig)) or path)  # as save does
    yield figures
    for fig in figures:
        plt.close(fig)


def test_the_figures_legends_cover_nothing_and_their_levels_are_in_value_order(own_run, drawn):
    imp, shapes, inter = (pd.read_csv(own_run / f"{n}.csv") for n in ("importances", "shapes", "interactions"))
    means = seed_means(records_of(imp, shapes, inter, by=RECORD_KEYS), ["tree", "linear"], ["runs"])
    spread = imp.groupby(["surrogate", "dataset", "term"])["importance"].std()
    render.case_figures([means["tree", "runs"], means["linear", "runs"]], {}, "target",
                        spread.xs("runs", level="dataset"), own_run, "runs")
    shapes_fig, heatmaps, bars = drawn
    for fig in drawn:
        assert not overlaps(fig)
    assert "±" not in bars._suptitle.get_text()  # one seed: no spread to show
    assert "± band" not in shapes_fig._suptitle.get_text()  # a tree has no band
    for ax in heatmaps.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            numbers = [_number(t.get_text()) for t in labels if t.get_text()]
            if all(v is not None for v in numbers):  # a numeric axis: its levels rise (a categorical keeps its order)
                assert numbers == sorted(numbers)
    assert bars.axes[0].get_xlabel() == "mean |centred term| (target)"


def _number(label: str) -> float | None:
    try:
        return float(label.replace("−", "-").replace("k", "e3"))
    except ValueError:
        return None
