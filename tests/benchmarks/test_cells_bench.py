"""pytest-benchmark timings: each surrogate's fit at 614 rows and one full cell, grouped by surrogate.

Skipped in the default run (``--benchmark-skip`` in the pytest config). Run and keep a baseline:

    pytest tests/benchmarks --benchmark-only --benchmark-autosave
    pytest tests/benchmarks --benchmark-only --benchmark-compare   # against the last saved run
"""
from __future__ import annotations

import pytest

from harness.cells import Cell, Eval, _fit_and_score
from harness.seeds import model_seed
from harness.data.readers.nmt import load_pair
from harness.data.splits import train_test_split
from harness.surrogates.registry import build, known_surrogates, load_spec

SURROGATES = known_surrogates()


@pytest.fixture(scope="module")
def sw_en():
    ds = load_pair("sw-en")
    return ds, train_test_split(len(ds), seed=0)


@pytest.mark.parametrize("name", SURROGATES)
def test_fit_614_rows(benchmark, sw_en, name):
    ds, split = sw_en
    train = ds.take(split.train)
    spec = load_spec(name)
    benchmark.group = f"surrogate {name}"

    def fit():
        return build(spec, train.schema, seed=model_seed(0), n_jobs=1).fit(train.X, train.y)

    est = benchmark.pedantic(fit, rounds=3, iterations=1)
    assert len(est.predict(train.X)) == 614


@pytest.mark.parametrize("name", SURROGATES)
def test_one_full_cell(benchmark, sw_en, name):
    """Fit on the 614 training rows, predict and score the 153 test rows: what one sweep cell costs."""
    ds, split = sw_en
    cell = Cell(keys=(), train=ds.name, train_rows=tuple(split.train), surrogate=load_spec(name), seed=0,
                evals=(Eval(ds.name, tuple(split.test)),))
    benchmark.group = f"surrogate {name}"
    result = benchmark.pedantic(_fit_and_score, args=(cell, {ds.name: ds}, 1), rounds=3, iterations=1)
    assert result["status"] == "ok"
