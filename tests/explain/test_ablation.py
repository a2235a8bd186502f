"""The ablation path: from the reference to the best configuration, each step the change the model predicts to help
most, a parent switching its conditional children with it; the steps add up to the model's whole prediction."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.cells import Cell, Eval, run_cells
from harness.config import RunOptions
from harness.data import configurations as configs
from harness.data import load_dataset
from harness.explainers.ablation import Ablation, path
from harness.surrogates.registry import load_spec

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


def test_the_greedy_order_follows_the_predicted_gains():
    weights = {"a": 3.0, "b": 1.0, "c": 2.0}

    def predict(candidates):  # an additive model: each hyperparameter's value times its weight
        return np.array([sum(weights[h] * c[h] for h in weights) for c in candidates])

    steps = path(predict, {"a": 0.0, "b": 0.0, "c": 0.0}, {"a": 1.0, "b": 1.0, "c": 1.0}, [], True, list(weights))
    assert [s["hyperparameter"] for s in steps] == ["a", "c", "b"]
    assert [s["change"] for s in steps] == pytest.approx([3.0, 2.0, 1.0])
    down = path(predict, {"a": 0.0, "b": 0.0, "c": 0.0}, {"a": 1.0, "b": 1.0, "c": 1.0}, [], False, list(weights))
    assert [s["hyperparameter"] for s in down] == ["b", "c", "a"]  # minimising: the least harmful change first


def test_a_parent_switches_its_children_with_it():
    rules = [configs.Activity(("lr",), "solver", ("sgd",))]

    def predict(candidates):
        return np.array([(c["solver"] == "lbfgs") * 2.0 + (c["lr"] or 0.0) for c in candidates])

    steps = path(predict, {"solver": "sgd", "lr": 0.5, "width": 1.0}, {"solver": "lbfgs", "lr": None, "width": 2.0},
                 rules, True, ["solver", "lr", "width"])
    assert steps[0]["hyperparameter"] == "solver" and steps[0]["changed"] == ["solver", "lr"]
    assert steps[0]["to"] == {"solver": "lbfgs", "lr": None}
    assert [s["hyperparameter"] for s in steps] == ["solver", "width"]  # lr is never changed on its own


@pytest.fixture(scope="module")
def smac():
    return load_dataset({"kind": "smac", "path": str(FIXTURES / "smac_mlp")})


def test_the_path_of_a_fitted_model_ends_at_the_best_row(smac, tmp_path):
    rows = tuple(range(len(smac)))
    cell = Cell(keys=(), train=smac.name, train_rows=rows, surrogate=load_spec("tree"), seed=0,
                evals=(Eval(smac.name, rows),), explain=True, explainers=("ablation",))
    result = run_cells([cell], {smac.name: smac}, RunOptions(output_dir=tmp_path, n_jobs=1, cache=False))
    a = result.interpretation(cell, "tree+ablation").extras["ablation"]
    assert a["reference_kind"] == "default" and a["best_row"] == configs.best_rows(smac, 1)[0]
    assert a["best"] == configs.of_row(smac, a["best_row"])
    changed = [h for s in a["steps"] for h in s["changed"]]
    differs = [h for h in a["best"] if a["best"][h] != a["reference"][h] and not (
        isinstance(a["best"][h], (int, float)) and a["reference"][h] is not None and np.isclose(a["best"][h], a["reference"][h]))]
    assert sorted(changed) == sorted(differs)
    tree = result.interpretation(cell)
    assert tree is not None
    # the steps add up: the last prediction is the model's at the best row
    last = a["steps"][-1]["predicted"]
    assert a["predicted_reference"] + sum(s["change"] for s in a["steps"]) == pytest.approx(last)


def test_the_ablation_explainer_refuses_an_unknown_start():
    with pytest.raises(ValueError, match="ablation start must be one of auto, default, typical"):
        Ablation(start="median")


def test_a_steps_values_follow_its_order_of_change_cold_or_cached():
    """A record read back from the cell cache has its mappings' keys sorted; ablation.csv lists a step's values in
    the order the step changed them either way (a cold and a cached run write the same file)."""
    from harness.experiments.explain import _values

    assert _values({"batch_size": None, "solver": "adam"}, ["solver", "batch_size"]) == "solver=adam; batch_size=unset"
    assert _values({"solver": "adam", "batch_size": None}, ["solver", "batch_size"]) == "solver=adam; batch_size=unset"
