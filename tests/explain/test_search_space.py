"""The next search space: negligible hyperparameters fixed at their best value, the ones that matter narrowed to
where the best rows are, conditions kept on the levels left; written as files Optuna, ConfigSpace and Ray Tune load."""
from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.analysis import importance
from harness.analysis.search_space import declared, narrowed
from harness.data import load_dataset
from harness.data.readers.table import from_frame
from harness.render import search_space as snippets

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


def effects_of(values: dict, upper: dict | None = None) -> pd.DataFrame:
    """A reference record's effects: main importances (and upper bounds) by hyperparameter."""
    rows = [{"surrogate": "m", "term": f, "kind": "main", "feature_a": f, "feature_b": None, "importance": v,
             "lower": np.nan if upper is None else 0.0, "upper": np.nan if upper is None else upper[f]}
            for f, v in values.items()]
    return importance.effects(pd.DataFrame(rows), "m")


@pytest.fixture(scope="module")
def table():
    """lr matters (best near 1e-3), width a little, noise not at all; the best rows use optimizer adam."""
    rng = np.random.default_rng(1)
    n = 200
    lr = 10 ** rng.uniform(-5, -1, n)
    frame = pd.DataFrame({"lr": lr, "width": rng.integers(8, 257, n), "noise": rng.random(n),
                          "optimizer": rng.choice(["adam", "sgd", "rmsprop"], n)})
    frame["score"] = -(np.log10(lr) + 3) ** 2 + 0.002 * frame["width"] + (frame["optimizer"] == "adam") * 3
    return from_frame(frame, {"target": "score", "types": {"lr": "log"}})


def test_negligible_ones_are_fixed_and_the_others_narrowed(table):
    space = declared(table, "table")
    assert list(space["type"]) == ["float", "int", "float", "categorical"] and not space["declared"].any()
    nxt = narrowed(table, space, effects_of({"lr": 1.0, "width": 0.2, "noise": 0.01, "optimizer": 0.8}))
    by = nxt.set_index("feature")
    best = table.X.iloc[int(np.argmax(table.y))]
    assert by.at["noise", "action"] == "fix" and float(by.at["noise", "value"]) == pytest.approx(best["noise"])
    lo, hi = by.at["lr", "low"], by.at["lr", "high"]
    assert by.at["lr", "action"] == "narrow" and lo < 1e-3 < hi
    assert np.log10(hi / lo) < 0.9 * np.log10(table.schema["lr"].high / table.schema["lr"].low)
    assert by.at["optimizer", "action"] == "fix" and by.at["optimizer", "value"] == "adam"  # the one level left


def test_an_upper_bound_above_the_threshold_keeps_a_hyperparameter(table):
    space = declared(table, "table")
    nxt = narrowed(table, space, effects_of({"lr": 1.0, "width": 0.2, "noise": 0.01, "optimizer": 0.8},
                                            upper={"lr": 1.2, "width": 0.3, "noise": 0.2, "optimizer": 0.9}))
    assert nxt.set_index("feature").at["noise", "action"] != "fix"  # its interval reaches 17 % of the largest


@pytest.fixture(scope="module")
def smac():
    return load_dataset({"kind": "smac", "path": str(FIXTURES / "smac_mlp")})


def test_conditions_follow_their_parent(smac):
    space = declared(smac, "smac")
    assert space["declared"].all() and space.set_index("feature").at["batch_size", "parent"] == "solver"
    weights = {"activation": 1, "n_layer": 1, "n_neurons": 1, "solver": 1, "batch_size": 1, "learning_rate": 1,
               "learning_rate_init": 1}
    nxt = narrowed(smac, space, effects_of(weights)).set_index("feature")
    kept = json.loads(nxt.at["solver", "levels"]) if nxt.at["solver", "action"] == "narrow" else \
        [nxt.at["solver", "value"]] if nxt.at["solver", "action"] == "fix" else ["lbfgs", "sgd", "adam"]
    for child in ("batch_size", "learning_rate", "learning_rate_init"):
        levels = json.loads(nxt.at[child, "parent_levels"])
        assert nxt.at[child, "action"] == "drop" or set(levels) <= set(kept) or nxt.at[child, "parent"] == ""
    # solver fixed at lbfgs: every child of it is dropped
    fixed = narrowed(smac, space, effects_of({**weights, "solver": 0.001})).set_index("feature")
    assert fixed.at["solver", "action"] == "fix" and fixed.at["solver", "value"] == "lbfgs"
    assert set(fixed.loc[fixed["action"] == "drop"].index) == {"batch_size", "learning_rate", "learning_rate_init"}


@pytest.fixture(scope="module")
def smac_next(smac):
    space = declared(smac, "smac")
    return narrowed(smac, space, effects_of({"activation": 0.001, "n_layer": 1, "n_neurons": 1, "solver": 1,
                                             "batch_size": 1, "learning_rate": 1, "learning_rate_init": 1}))


def test_optuna_loads_the_space_and_suggests_inside_it(smac_next, tmp_path):
    optuna = pytest.importorskip("optuna")
    text = snippets.optuna_space(smac_next, "smac_mlp")
    assert "**" not in text  # nothing a page would show as raw markup
    namespace = {}
    exec(compile(text, "next_space_optuna.py", "exec"), namespace)
    space, fixed, conditions = namespace["SEARCH_SPACE"], namespace["FIXED"], namespace["CONDITIONS"]
    assert fixed == {"activation": "tanh"} and all(isinstance(d, optuna.distributions.BaseDistribution)
                                                   for d in space.values())
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda trial: float(len(namespace["suggest"](trial))), n_trials=30)
    for trial in study.trials:
        for name, value in trial.params.items():
            assert space[name]._contains(space[name].to_internal_repr(value))
            if name in conditions:
                parent, levels = conditions[name]
                assert trial.params.get(parent, fixed.get(parent)) in levels
    # each distribution as Optuna writes and reads it back
    for dist in space.values():
        assert optuna.distributions.json_to_distribution(optuna.distributions.distribution_to_json(dist)) == dist


class _Domain:
    def __init__(self, kind, *args):
        self.kind, self.args = kind, args


def _fake_tune():
    """``ray.tune``'s search-space functions, recording what they are given (Ray itself: the slow test)."""
    tune = types.ModuleType("ray.tune")
    for kind in ("uniform", "loguniform", "randint", "lograndint", "choice"):
        setattr(tune, kind, lambda *args, kind=kind: _Domain(kind, *args))
    tune.sample_from = lambda f: _Domain("sample_from", f)
    ray = types.ModuleType("ray")
    ray.tune = tune
    return {"ray": ray, "ray.tune": tune}


def test_the_ray_tune_space_is_nested_and_draws_children_only_where_set(monkeypatch):
    for name, module in _fake_tune().items():
        monkeypatch.setitem(sys.modules, name, module)
    table = pd.DataFrame([
        {"feature": "alpha", "action": "narrow", "type": "float", "scale": "log", "low": 1e-5, "high": 1e-2,
         "levels": "[]", "value": "", "parent": "", "parent_levels": "[]"},
        {"feature": "schedule/kind", "action": "keep", "type": "categorical", "scale": "categorical", "low": np.nan,
         "high": np.nan, "levels": json.dumps(["constant", "optimal"]), "value": "", "parent": "", "parent_levels": "[]"},
        {"feature": "schedule/eta0", "action": "narrow", "type": "float", "scale": "log", "low": 1e-3, "high": 1.0,
         "levels": "[]", "value": "", "parent": "schedule/kind", "parent_levels": json.dumps(["constant"])},
        {"feature": "epochs", "action": "fix", "type": "int", "scale": "linear", "low": 5, "high": 5, "levels": "[]",
         "value": "5", "parent": "", "parent_levels": "[]"},
        {"feature": "width", "action": "keep", "type": "int", "scale": "log", "low": 8, "high": 256, "levels": "[]",
         "value": "", "parent": "", "parent_levels": "[]"},
    ])
    namespace = {}
    exec(compile(snippets.raytune_space(table, "sgd"), "next_space_raytune.py", "exec"), namespace)
    space = namespace["param_space"]
    assert (space["alpha"].kind, space["alpha"].args) == ("loguniform", (1e-5, 1e-2))
    assert (space["width"].kind, space["width"].args) == ("lograndint", (8, 257))  # Ray's upper bound is exclusive
    assert space["epochs"] == 5 and space["schedule"]["kind"].kind == "choice"
    eta0 = space["schedule"]["eta0"]
    spec = types.SimpleNamespace(config={"schedule": {"kind": "optimal"}})
    assert eta0.kind == "sample_from" and eta0.args[0](spec) is None
    spec.config["schedule"]["kind"] = "constant"
    assert 1e-3 <= eta0.args[0](spec) <= 1.0


def test_the_configspace_document_holds_constants_ranges_and_conditions(smac_next):
    doc = json.loads(snippets.configspace_json(smac_next, "smac_mlp"))
    kinds = {h["name"]: h["type"] for h in doc["hyperparameters"]}
    assert kinds["activation"] == "constant" and kinds["n_neurons"] == "uniform_int" and doc["format_version"] == 0.4
    for c in doc["conditions"]:
        parent = next(h for h in doc["hyperparameters"] if h["name"] == c["parent"])
        assert set(c["values"]) <= set(parent.get("choices", [parent.get("value")]))


@pytest.mark.slow
def test_configspace_and_ray_read_the_files_as_written(smac_next, tmp_path):
    """With ConfigSpace and Ray Tune installed (pip install ConfigSpace "ray[tune]"; their own venv here:
    python -m pytest -m slow tests/explain/test_search_space.py)."""
    cs = pytest.importorskip("ConfigSpace")
    (tmp_path / "space.json").write_text(snippets.configspace_json(smac_next, "smac_mlp"))
    space = cs.ConfigurationSpace.from_json(tmp_path / "space.json")
    for config in space.sample_configuration(50):
        values = dict(config)
        assert values["activation"] == "tanh"
        assert ("batch_size" in values) == (values["solver"] in ("adam", "sgd"))
    pytest.importorskip("ray.tune")
    namespace = {}
    exec(compile(snippets.raytune_space(smac_next, "smac_mlp"), "next_space_raytune.py", "exec"), namespace)
    from ray.tune.search.variant_generator import generate_variants

    for seed in range(20):  # Ray Tune's own resolution of a param space, as its basic variant generator does it
        (_, spec), = generate_variants({"config": namespace["param_space"]}, random_state=np.random.RandomState(seed))
        config = spec["config"]
        assert config["activation"] == "tanh" and 18 <= config["n_neurons"] <= 50
        assert (config["batch_size"] is not None) == (config["solver"] in ("adam", "sgd"))
