"""The readers on runs that SMAC3 and Ray Tune make now (slow: the libraries are heavy), checked against each
library's own reading of its output. Runs scripts/make_reader_fixtures.py's run functions with cheap objectives."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.data import load_dataset
from harness.data.infer import active_masks

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_reader_fixtures.py"


def maker():
    """The fixture script as a module (registered, so SMAC3's and Ray's workers can import it by name)."""
    spec = importlib.util.spec_from_file_location("make_reader_fixtures", SCRIPT)
    module = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    return module


def test_smac3_run_read_as_smac3_reads_it(tmp_path):
    pytest.importorskip("smac", reason="SMAC3 is not installed: pip install -e '.[smac]'")
    from ConfigSpace import ConfigurationSpace
    from smac.runhistory import RunHistory

    m = maker()
    run = m.smac_run(tmp_path / "quad", objective=m.quadratic_cost, n_trials=25)  # non-deterministic: seeds
    ds = load_dataset({"kind": "smac", "path": str(tmp_path / "quad")})  # SMAC3's whole output, found below
    cs = ConfigurationSpace.from_json(run / "configspace.json")
    history = RunHistory()
    history.load(run / "runhistory.json", cs)
    configs = [history.get_config(int(c)) for c in ds.extras["config_id"]]
    assert len(ds) == len(history.get_configs())
    np.testing.assert_allclose(ds.y, [history.average_cost(c) for c in configs])
    assert (ds.extras["n_runs"] > 1).any()
    for hp in cs.values():
        f = ds.schema[hp.name]
        if f.is_categorical:
            assert f.levels[:len(hp.choices)] == tuple(hp.choices)
        else:
            assert (f.low, f.high, f.scale) == (hp.lower, hp.upper, "log" if hp.log else "linear")
    masks = active_masks(ds.X, ds.conditions)
    assert set(masks) == {"batch_size", "learning_rate", "learning_rate_init"}
    for name, mask in masks.items():
        assert mask.tolist() == [name in cs.get_active_hyperparameters(c) for c in configs]


def test_smac3_multi_fidelity_run_at_the_highest_budget(tmp_path):
    pytest.importorskip("smac", reason="SMAC3 is not installed: pip install -e '.[smac]'")
    from ConfigSpace import ConfigurationSpace
    from smac.runhistory import RunHistory

    m = maker()
    run = m.smac_run(tmp_path / "mf", objective=m.quadratic_cost, n_trials=25, multi_fidelity=True, deterministic=True)
    ds = load_dataset({"kind": "smac", "path": str(run)})
    history = RunHistory()
    history.load(run / "runhistory.json", ConfigurationSpace.from_json(run / "configspace.json"))
    configs = [history.get_config(int(c)) for c in ds.extras["config_id"]]
    keys = [history.get_instance_seed_budget_keys(c, highest_observed_budget_only=True) for c in configs]
    np.testing.assert_allclose(ds.y, [history.average_cost(c, k) for c, k in zip(configs, keys)])
    assert list(ds.extras["budget"]) == [k[0].budget for k in keys]
    assert len(set(ds.extras["budget"])) > 1


def test_ray_tune_experiment_read_as_ray_reads_it(tmp_path):
    pytest.importorskip("ray.tune", reason="Ray Tune is not installed: pip install -e '.[raytune]'")
    from ray.tune import ExperimentAnalysis

    m = maker()
    out = m.raytune_run(tmp_path / "quick", trainable=m.quick_trainable, num_samples=12, max_t=4)
    opts = {"kind": "raytune", "path": str(out), "metric": "accuracy", "mode": "max", "min_rows": 1}
    ds = load_dataset(opts)
    trials = sorted(ExperimentAnalysis(str(out)).trials, key=lambda t: t.trial_id)
    done = [t for t in trials if t.status != "ERROR"]
    assert 0 < len(done) < len(trials)  # quick_trainable fails for the l1 penalty, a third of the draws
    assert ds.dropped == {"ERROR": len(trials) - len(done)}
    assert list(ds.extras["trial_id"]) == [t.trial_id for t in done]
    np.testing.assert_allclose(ds.y, [t.last_result["accuracy"] for t in done])
    np.testing.assert_allclose(ds.X["alpha"], [t.config["alpha"] for t in done])
    masks = active_masks(ds.X, ds.conditions)
    for name, key in (("l1_ratio", ("l1_ratio",)), ("schedule/eta0", ("schedule", "eta0"))):
        set_in_ray = [(t.config[key[0]] if len(key) == 1 else t.config[key[0]][key[1]]) is not None for t in done]
        if name in ds.schema.names:
            assert masks.get(name, np.ones(len(ds), bool)).tolist() == set_in_ray, name
        else:  # never (or always) set in this run: dropped as a constant column
            assert name in ds.dropped_columns and len(set(set_in_ray)) == 1
