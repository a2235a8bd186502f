"""Large training sets are explained on a seeded sample of their rows: when, on which rows, and where it is stated."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from harness.cells import Cell, Eval, explained_rows, run_cells
from harness.config import ExplainSample, RunOptions, explain_sample_of
from harness.synthetic import generate
from harness.errors import ConfigError
from harness.surrogates import load_spec

SETTINGS = {
    "kind": "synthetic",
    "schema": [{"name": "a", "low": 0, "high": 1}, {"name": "b", "low": 0, "high": 1},
               {"name": "c", "scale": "categorical", "levels": ["x", "y", "z"]}],
    "effects": {"a": {"shape": "monotone", "strength": 3.0}, "c": {"shape": "monotone", "strength": 1.0}},
    "n_rows": 600,
    "snr": 10.0,
    "seed": 0,
}


def test_the_rule_samples_above_the_threshold_or_when_forced():
    auto = ExplainSample(mode="auto", above=1000, rows=300)
    assert [auto.size(n) for n in (500, 1000, 1001, 5000)] == [500, 1000, 300, 300]
    on = ExplainSample(mode="on", above=1000, rows=300)
    assert [on.size(n) for n in (200, 300, 301, 5000)] == [200, 300, 300, 300]
    off = ExplainSample(mode="off", above=1000, rows=300)
    assert off.size(10**6) == 10**6


def test_the_option_is_read_from_a_mode_or_a_mapping_and_bad_values_are_named():
    assert explain_sample_of(None) == ExplainSample()
    assert explain_sample_of(False).mode == "off" and explain_sample_of("on").mode == "on"
    assert explain_sample_of({"mode": "auto", "rows": 50}) == ExplainSample(mode="auto", above=20000, rows=50)
    with pytest.raises(ConfigError, match="explain_sample.mode='sometimes': expected one of auto, on, off"):
        explain_sample_of({"mode": "sometimes"})
    with pytest.raises(ConfigError, match="explain_sample: unknown key.*size"):
        explain_sample_of({"size": 5})
    with pytest.raises(ConfigError, match="explain_sample.rows=0 must be at least 1"):
        explain_sample_of({"rows": 0})


def test_the_sample_is_seeded_distinct_and_stated():
    ds, _ = generate(SETTINGS)
    a, note = explained_rows(ds, 100, seed=3)
    b, _ = explained_rows(ds, 100, seed=3)
    c, _ = explained_rows(ds, 100, seed=4)
    assert len(a) == 100 and a.X.equals(b.X) and not a.X.equals(c.X)
    assert note == "; explained on a seeded sample of 100 of the 600 training rows"
    whole, none = explained_rows(ds, 600, seed=3)
    assert whole is ds and none == ""


def _run(ds, tmp_path, sample: ExplainSample):
    rows = tuple(range(len(ds)))
    cells = [Cell(keys=(("experiment", "t"),), train=ds.name, train_rows=rows, surrogate=load_spec(name), seed=0,
                  evals=(Eval(ds.name, rows),), explain=True) for name in ("tree", "linear")]
    opts = RunOptions(output_dir=tmp_path, n_jobs=1, cache_dir=tmp_path / "cache", explain_sample=sample)
    return cells, run_cells(cells, {ds.name: ds}, opts)


def test_a_sampled_explanation_is_recorded_cached_apart_and_close_to_the_full_one(tmp_path):
    ds, _ = generate(SETTINGS)
    cells, sampled = _run(ds, tmp_path, ExplainSample(mode="on", rows=200))
    assert list(sampled.rows["explain_rows"]) == [200, 200] and list(sampled.rows["n_train"]) == [600, 600]
    for cell in cells:
        assert sampled.interpretation(cell).method.endswith(
            "; explained on a seeded sample of 200 of the 600 training rows (explain_sample mode=on (forced on))")
    again = _run(ds, tmp_path, ExplainSample(mode="on", rows=200))[1]  # same sample: served from the cache
    assert again.cached == 2 and again.computed == 0
    full = _run(ds, tmp_path, ExplainSample(mode="off"))[1]  # the fits are cached, the full explanation is not
    assert full.computed == 2 and list(full.rows["explain_rows"]) == [600, 600]
    assert "explained on a seeded sample" not in full.interpretation(cells[0]).method
    for cell in cells:
        s, f = (r.interpretation(cell).importances.set_index("term")["importance"] for r in (sampled, full))
        assert list(s.sort_values().index[-2:]) == list(f.sort_values().index[-2:])  # the same leading terms
        assert np.abs(s - f).max() < 0.15 * f.max()


def test_a_run_states_its_sampled_explanations_and_its_stages(tmp_path):
    from cli import harness

    out = tmp_path / "run"
    harness(tmp_path, "+experiment=size_sweep", "seed=0", "sizes=[50,100]", "surrogate=[tree]", "data=synthetic",
            "data.n_rows=500", "explain=true", "explain_sample.mode=on", "explain_sample.rows=150",
            "n_jobs=1", f"hydra.run.dir={out}", f"cache_dir={tmp_path / 'cache'}")
    rows = pd.read_csv(out / "metrics.csv").sort_values("n_train")
    assert list(rows["n_train"]) == [200, 400] and list(rows["explain_rows"]) == [150, 150]
    assert "Explanations of 2 of 2 fits were computed on a seeded sample of their training rows (150 of 200, 150 of 400" \
        in (out / "summary.md").read_text()
    stages = json.loads((out / "stages.json").read_text())
    assert {"load", "split", "cells", "summary", "figures"} <= set(stages["stages"])
    parts = sum(s["seconds"] for s in stages["stages"].values()) + stages["other_seconds"]
    assert parts == pytest.approx(stages["total_seconds"]) and all(s["peak_mb"] > 0 for s in stages["stages"].values())
