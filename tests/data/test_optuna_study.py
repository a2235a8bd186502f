"""data=optuna on real studies written to a temporary SQLite file."""
from __future__ import annotations

import logging
import math
import sqlite3
import warnings

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from harness.paths import config_root
from harness.data import load_dataset
from harness.data.infer import ABSENT
from harness.errors import ConfigError, DataError

optuna = pytest.importorskip("optuna")


def _tune(trial):
    opt = trial.suggest_categorical("opt", ["adam", "sgd", 3])
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 6)
    score = -abs(math.log10(lr) + 3) - 0.1 * layers
    if opt == "sgd":  # conditional numeric
        score += trial.suggest_float("momentum", 0.5, 0.99)
    elif opt == "adam":  # conditional categorical with non-string choices
        score += 0.2 * trial.suggest_categorical("amsgrad", [True, False])
    if trial.number % 10 == 9:
        raise optuna.TrialPruned()
    return score


def _multi(trial):
    x = trial.suggest_float("x", 0.0, 1.0, step=0.25)
    w = trial.suggest_int("width", 16, 1024, log=True)
    return x + w / 1024, x * 2


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{tmp_path_factory.mktemp('optuna')}/s.db"
    store = optuna.storages.RDBStorage(url)
    sampler = optuna.samplers.RandomSampler(seed=0)
    optuna.create_study(study_name="tune", storage=store, direction="maximize", sampler=sampler).optimize(_tune, n_trials=40)
    multi = optuna.create_study(study_name="multi", storage=store, directions=["minimize", "maximize"], sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        multi.set_metric_names(["loss", "acc"])
    multi.optimize(_multi, n_trials=12)
    optuna.create_study(study_name="unnamed", storage=store, directions=["minimize", "minimize"],
                        sampler=sampler).optimize(_multi, n_trials=10)
    optuna.create_study(study_name="failed", storage=store).optimize(lambda t: float("nan"), n_trials=3)
    return url


def load(storage, /, **opts):
    return load_dataset({"kind": "optuna", "storage": storage, **opts})


def test_single_objective_with_conditional_params(storage):
    ds = load(storage, study="tune")
    assert ds.name == "tune" and ds.maximize and ds.y.name == "value" and len(ds) == 36
    assert ds.dropped == {"PRUNED": 4}
    s = ds.schema
    assert s.names == ["opt", "lr", "layers", "momentum", "has_momentum", "amsgrad"]
    assert s["opt"].levels == ("adam", "sgd", "3")  # declared order, written as text
    assert s["lr"].scale == "log" and s["lr"].levels == () and (s["lr"].low, s["lr"].high) == (1e-5, 1e-1)
    assert s["layers"].scale == "linear" and s["layers"].levels == (1, 2, 3, 4, 5, 6)
    assert ds.X["layers"].dtype == np.int64
    sgd = ds.X["opt"] == "sgd"
    assert (ds.X["has_momentum"] == np.where(sgd, "True", "False")).all()
    assert (ds.X.loc[~sgd, "momentum"] == 0.5).all() and s["momentum"].low == 0.5
    assert s["amsgrad"].levels == ("True", "False", ABSENT)
    assert set(ds.X.loc[ds.X["opt"] != "adam", "amsgrad"]) == {ABSENT}
    assert ds.absent == {"momentum": int((~sgd).sum()), "amsgrad": int((ds.X["opt"] != "adam").sum())}
    assert list(ds.extras.columns) == ["number", "duration"]
    assert not s.outside_mask(ds.X).to_numpy().any()
    assert len(ds.fingerprint) == 64 and ds.fingerprint == load(storage, study="tune").fingerprint


def test_multi_objective_by_name_and_index(storage):
    acc = load(storage, study="multi", objective="acc")
    loss = load(storage, study="multi", objective=0)
    assert acc.y.name == "acc" and acc.maximize and list(acc.extras.columns) == ["number", "loss", "duration"]
    assert loss.y.name == "loss" and not loss.maximize
    assert acc.fingerprint != loss.fingerprint
    s = acc.schema
    assert s["x"].levels == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert s["width"].scale == "log" and s["width"].levels == () and (s["width"].low, s["width"].high) == (16, 1024)
    assert load(storage, study="unnamed", objective=1).y.name == "values_1"


def test_several_objectives_with_their_directions(storage):
    """data.targets: the objectives of a multi-objective study, each in the direction the study declares."""
    from harness.data.objectives import retarget, targets_of

    ds = load(storage, study="multi", targets=[1, "loss"], maximize=True)  # the first listed is modelled
    assert ds.y.name == "acc" and ds.maximize
    assert [(o.name, o.maximize) for o in targets_of(ds)] == [("acc", True), ("loss", False)]
    loss = retarget(ds, "loss", "data.targets")
    assert not loss.maximize and loss.name == "multi.loss"
    np.testing.assert_allclose(loss.y.to_numpy(), load(storage, study="multi", objective=0).y.to_numpy())


ERRORS = [
    ({"study": "nope"}, ConfigError, r"no study 'nope' in sqlite:///.*s\.db; studies: failed, multi, tune, unnamed$"),
    ({}, ConfigError, r"data\.study is required: sqlite:///.*s\.db holds 4 studies: failed, multi, tune, unnamed$"),
    ({"study": "multi"}, ConfigError,
     r"study 'multi' has 2 objectives \(0: loss, 1: acc\); choose one with data\.objective=INDEX or NAME "
     r"\(several with data\.targets=\[\.\.\.\]\)$"),
    ({"study": "multi", "targets": ["acc", "f1"]}, ConfigError,
     r"data\.targets='f1' is not an objective of study 'multi'; objectives: 0: loss, 1: acc$"),
    ({"study": "multi", "targets": [1, 1]}, ConfigError, r"data\.targets=\['acc', 'acc'\]: acc appears more than once; give each value once$"),
    ({"study": "multi", "objective": "loss", "maximize": True}, ConfigError,
     r"data\.maximize=true contradicts loss \(loss\), which is minimised \(lower is better\); leave data\.maximize unset$"),
    ({"study": "multi", "objective": 2}, ConfigError,
     r"data\.objective=2 is out of range: study 'multi' has 2 objective\(s\) \(0: loss, 1: acc\)$"),
    ({"study": "multi", "objective": "f1"}, ConfigError,
     r"data\.objective='f1' is not an objective of study 'multi'; objectives: 0: loss, 1: acc$"),
    ({"study": "failed"}, DataError, r"study 'failed' in sqlite:///.*s\.db has no completed trials \(3 FAIL\)$"),
    ({"study": "multi", "objective": 0, "min_rows": 20}, DataError,
     r"study 'multi' in .* has 12 rows \(completed trials\); need at least 20 \(data\.min_rows\)$"),
]


@pytest.mark.parametrize("opts, error, message", ERRORS)
def test_errors(storage, opts, error, message):
    with pytest.raises(error, match=message) as info:
        load(storage, **opts)
    assert "\n" not in str(info.value)


def test_storage_errors_never_touch_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"data\.storage is required for data=optuna"):
        load(None)
    with pytest.raises(DataError, match=r"missing Optuna storage file .*none\.db"):
        load(str(tmp_path / "none.db"))
    assert not (tmp_path / "none.db").exists()
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("create table t (x)")
    with pytest.raises(DataError, match=r"cannot read Optuna storage sqlite:///.*other\.db: "
                                        r"\(sqlite3\.OperationalError\) no such table: version_info$") as info:
        load(f"sqlite:///{other}")
    assert "max length" not in str(info.value)  # Optuna's wrapper's guess (#27): the database's own words only
    with sqlite3.connect(other) as con:
        assert [r[0] for r in con.execute("select name from sqlite_master")] == ["t"]
    text = tmp_path / "runs.txt"  # not a database at all: SQLite's own words, beneath Optuna's wrapper
    text.write_text("trial,value\n1,0.5\n" * 50)
    with pytest.raises(DataError, match=r"cannot read Optuna storage .*runs\.txt: \(sqlite3\.DatabaseError\) file is not "
                                        r"a database$"):
        load(f"sqlite:///{text}")
    assert text.read_text() == "trial,value\n1,0.5\n" * 50


def test_composes_with_primary_config(storage):
    path = storage[len("sqlite:///"):]
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        cfg = compose("config", overrides=["data=optuna", f"data.storage={path}", "data.study=multi", "data.objective=acc"])
    ds = load_dataset(cfg.data)
    assert ds.y.name == "acc" and len(ds) == 12


def test_dropped_trials_are_counted_in_the_log(storage, caplog):
    """As the SMAC3 and Ray Tune readers say theirs (#27)."""
    with caplog.at_level(logging.WARNING, logger="harness"):
        ds = load(storage, study="tune")
    assert ds.dropped == {"PRUNED": 4}
    assert "study 'tune' in sqlite:///" in caplog.text and ": dropped trials: 4 PRUNED" in caplog.text
