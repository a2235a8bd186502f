"""harness.explain given what a user may hand it: each bad input is one line naming what was expected."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import harness
from harness.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.random(50), "b": rng.integers(0, 3, 50), "score": rng.random(50)})


def test_one_surrogate_named_by_a_word(runs):
    out = harness.explain(runs, target="score", surrogates="linear")
    assert list(out) == ["linear"] and set(out["linear"].importances["term"]) >= {"a", "b"}


@pytest.mark.parametrize("kwargs, error, message", [
    ({"target": "nosuch"}, DataError, r"^the DataFrame has no target column 'nosuch'; columns: a, b, score$"),
    ({"target": "score", "surrogates": ("nosuch",)}, ConfigError, r"^unknown surrogate 'nosuch'; known: ebm, "),
    ({"target": "score", "surrogates": ()}, ConfigError, r"^surrogates: name at least one"),
    ({"target": "score", "surrogates": ("linear", "tree", "linear")}, ConfigError,
     r"^surrogates=\['linear', 'tree', 'linear'\]: linear appears more than once; give each value once$"),
    ({"target": "score", "surrogates": ("linear",), "seed": -1}, ConfigError, r"^seed must be a non-negative integer"),
    ({"target": "score", "surrogates": ("linear",), "n_jobs": 0}, ConfigError, r"^n_jobs=0 must be at least 1$"),
])
def test_bad_options_are_one_line(runs, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        harness.explain(runs, **kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("data, error, message", [
    (pd.DataFrame({"a": [], "score": []}), DataError, r"^the DataFrame is empty$"),
    (42, ConfigError, r"^data: expected a pandas DataFrame, a table path, an Optuna study or a Dataset, got int$"),
    ("/nonexistent/runs.csv", DataError, r"^missing table /nonexistent/runs\.csv"),
])
def test_bad_data_is_one_line(data, error, message):
    with pytest.raises(error, match=message):
        harness.explain(data, target="score", surrogates=("linear",))


def test_a_target_with_no_values_is_refused(runs):
    with pytest.raises(DataError, match=r"^the DataFrame has 0 rows after dropping missing targets; need at least 10"):
        harness.explain(runs.assign(score=np.nan), target="score", surrogates=("linear",))


def test_run_experiment_takes_no_overrides_as_none(tmp_path):
    result = harness.run_experiment("describe", None, output_dir=tmp_path / "r")
    assert (tmp_path / "r" / "describe.csv").is_file() and result.output_dir == tmp_path / "r"


@pytest.mark.parametrize("overrides, output_dir, message", [
    (42, "r", r"^overrides: expected a list of strings such as \['seed=0'\], got int$"),
    ([], "a-file", r"^output_dir=.*a-file cannot be created: File exists$"),
])
def test_run_experiment_bad_arguments_are_one_line(tmp_path, overrides, output_dir, message):
    (tmp_path / "a-file").write_text("where the run's folder should be")
    with pytest.raises(ConfigError, match=message):
        harness.run_experiment("describe", overrides, output_dir=tmp_path / output_dir)
    assert (tmp_path / "a-file").read_text() == "where the run's folder should be"
