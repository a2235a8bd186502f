"""Configurations of a run: read from rows and written back exactly, the condition's parent found in the rows, the
reference an ablation starts from (the declared default, else the typical configuration)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.data import configurations as configs
from harness.data import load_dataset
from harness.data.readers.table import from_frame

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


@pytest.fixture(scope="module")
def smac():
    return load_dataset({"kind": "smac", "path": str(FIXTURES / "smac_mlp")})


@pytest.fixture(scope="module")
def ray():
    return load_dataset({"kind": "raytune", "path": str(FIXTURES / "raytune_sgd"), "metric": "accuracy", "mode": "max"})


def test_every_row_written_back_is_the_row(smac, ray):
    for ds in (smac, ray):
        for i in range(len(ds)):
            row = configs.row_of(ds, configs.of_row(ds, i))
            pd.testing.assert_frame_equal(row, ds.X.iloc[[i]].reset_index(drop=True))


def test_the_parent_of_each_condition_is_found_in_the_rows(smac, ray):
    assert configs.activity(smac) == [
        configs.Activity(("batch_size", "learning_rate_init"), "solver", ("adam", "sgd")),
        configs.Activity(("learning_rate",), "solver", ("sgd",))]
    assert configs.activity(ray) == [
        configs.Activity(("l1_ratio",), "penalty", ("elasticnet",)),
        configs.Activity(("schedule/eta0",), "schedule/kind", ("constant", "invscaling"))]


def test_the_declared_default_is_the_reference_with_its_conditions_applied(smac):
    config, how = configs.reference(smac)
    assert how == "default"
    # SMAC3 declares learning_rate's default (constant), but solver=adam leaves it unset
    assert config == {"activation": "tanh", "n_layer": 1.0, "n_neurons": 32.0, "solver": "adam", "batch_size": 200.0,
                      "learning_rate": None, "learning_rate_init": 0.001}


def test_without_a_declared_default_the_reference_is_the_typical_configuration(ray):
    config, how = configs.reference(ray)
    assert how == "typical"
    assert config["penalty"] == ray.X["penalty"].mode().iloc[0]
    assert config["alpha"] == float(np.percentile(ray.X["alpha"], 50, method="lower"))
    assert (config["l1_ratio"] is None) == (config["penalty"] != "elasticnet")


def test_typical_asked_for_a_run_with_a_default(smac):
    config, how = configs.reference(smac, "typical")
    assert how == "typical" and config["solver"] == smac.X["solver"].mode().iloc[0]
    with pytest.raises(ValueError, match="declares no default"):
        configs.reference(load_dataset({"kind": "raytune", "path": str(FIXTURES / "raytune_sgd"),
                                        "metric": "accuracy", "mode": "max"}), "default")


def test_the_best_rows_follow_the_direction():
    frame = pd.DataFrame({"x": np.arange(12.0), "y": [5, 1, 9, 3, 7, 2, 8, 0, 6, 4, 10, 11]})
    up = from_frame(frame, {"target": "y"})
    down = from_frame(frame, {"target": "y", "maximize": False})
    assert configs.best_rows(up, 2) == [11, 10] and configs.best_rows(down, 2) == [7, 1]


def test_a_condition_no_categorical_explains_switches_as_one_block():
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame({"a": rng.random(n), "b": np.where(rng.random(n) < 0.3, np.nan, rng.random(n)),
                          "kind": rng.choice(["p", "q"], n), "y": rng.random(n)})
    ds = from_frame(frame, {"target": "y"})
    (rule,) = configs.activity(ds)
    assert rule.parent is None and rule.features == ("b",)
    config, _ = configs.reference(ds)
    assert config["b"] is not None  # set on most rows: the typical configuration sets it
