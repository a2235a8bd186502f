"""Conditional parameters in harness.data.infer: one indicator per condition, safe names, active rows."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.data import Condition, infer
from harness.data.schema import Feature
from harness.errors import DataError

# solver picks which of the others are set: batch and lr for sgd/adam, schedule (text) and momentum for sgd only
SOLVER = ["lbfgs", "sgd", "adam", "sgd", "adam", "lbfgs", "sgd", "adam"]
SGD_ADAM = np.array([s != "lbfgs" for s in SOLVER])
SGD = np.array([s == "sgd" for s in SOLVER])


def columns():
    def num(name, values, scale="linear"):
        v = np.asarray(values, dtype=float)
        return Feature(name, scale=scale, low=float(np.nanmin(v)), high=float(np.nanmax(v))), pd.Series(v)

    batch = np.where(SGD_ADAM, [10, 20, 30, 40, 50, 60, 70, 80], np.nan)
    lr = np.where(SGD_ADAM, [1e-4, 1e-3, 1e-2, 1e-1, 1e-4, 1e-3, 1e-2, 1e-1], np.nan)
    momentum = np.where(SGD, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], np.nan)
    schedule = pd.Series(np.where(SGD, ["constant", "adaptive"] * 4, None), dtype=object)
    return [infer.categorical("solver", pd.Series(SOLVER)), num("batch", batch), num("lr", lr, "log"),
            infer.categorical("schedule", schedule), num("momentum", momentum)]


def test_one_indicator_per_condition_not_per_child():
    X, schema, conditions = infer.assemble(columns(), "t")
    assert schema.names == ["solver", "batch", "has_batch", "lr", "schedule", "momentum", "has_momentum"]
    assert (X["has_batch"] == np.where(SGD_ADAM, "True", "False")).all()
    assert (X["has_momentum"] == np.where(SGD, "True", "False")).all()
    assert [c.features for c in conditions] == [("batch", "lr"), ("schedule", "momentum")]
    assert [c.active_rows for c in conditions] == [6, 3]
    # numeric children are filled with their low end where unset; categorical ones get the absent level
    assert (X.loc[~SGD_ADAM, "lr"] == schema["lr"].low).all() and X["batch"].dtype == np.int64
    assert schema["schedule"].levels == ("adaptive", "constant", infer.ABSENT)
    assert (X.loc[~SGD, "schedule"] == infer.ABSENT).all()
    masks = infer.active_masks(X, conditions)
    assert set(masks) == {"batch", "lr", "schedule", "momentum"}
    assert (masks["lr"] == SGD_ADAM).all() and (masks["schedule"] == SGD).all()
    # masks are read from the table, so they follow a subset
    part = X.iloc[[1, 5]].reset_index(drop=True)
    assert infer.active_masks(part, conditions)["batch"].tolist() == [True, False]


def test_a_condition_of_categorical_children_needs_no_indicator():
    cols = columns()
    X, schema, conditions = infer.assemble([cols[0], cols[3]], "t")
    assert schema.names == ["solver", "schedule"]
    assert conditions == [Condition(features=("schedule",), indicator=None, condition="schedule is set", active_rows=3)]
    assert (infer.active_masks(X, conditions)["schedule"] == SGD).all()


def test_declared_conditions_name_the_indicator_without_unsafe_characters():
    declared = {"batch": "solver in {sgd,adam}", "lr": "solver in {sgd,adam}", "momentum": "depth < 3 and x >= [1]"}
    X, schema, conditions = infer.assemble(columns(), "t", declared)
    assert schema.names == ["solver", "batch", "active_solver_in_{sgd,adam}", "lr", "schedule", "momentum",
                            "active_depth_lt_3_and_x_ge_(1)"]
    assert schema["active_solver_in_{sgd,adam}"].label == "solver in {sgd,adam} (batch, lr)"
    # the first declared condition among a group's features names it
    assert conditions[1] == Condition(features=("schedule", "momentum"), indicator="active_depth_lt_3_and_x_ge_(1)",
                                      condition="depth < 3 and x >= [1]", active_rows=3)
    for name in schema.names + [level for f in schema for level in f.levels if isinstance(level, str)]:
        assert not set(name) & set("[]<"), name


def test_indicator_clashing_with_a_column_is_an_error():
    cols = columns()[:3] + [(Feature("has_batch", scale="categorical", levels=("x", "y")), pd.Series(["x", "y"] * 4))]
    with pytest.raises(DataError, match=r"^t: the indicator 'has_batch' of the condition 'batch is set \(batch, lr\)' "
                                        r"clashes with a column of the same name; rename that column$"):
        infer.assemble(cols, "t")


def test_a_real_absent_level_with_unset_values_is_an_error():
    values = pd.Series([infer.ABSENT, "on", None], dtype=object)
    with pytest.raises(DataError, match=r"^feature 'mode' has a level 'absent' and unset values"):
        infer.categorical("mode", values)
    feature, col = infer.categorical("mode", values.iloc[:2])  # no unset value: a level like any other
    assert feature.levels == ("absent", "on")
