"""data=smac on SMAC3 runs committed under fixtures/ (made by scripts/make_reader_fixtures.py with SMAC3 itself):
schema and conditions from configspace.json, failed trials dropped, seeds averaged, budgets, bad input."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from harness.data import Condition, load_dataset
from harness.data.infer import ABSENT, INDICATOR_LEVELS, active_masks
from harness.errors import ConfigError, DataError

FIXTURES = Path(__file__).parent / "fixtures"
MLP, MF = FIXTURES / "smac_mlp", FIXTURES / "smac_mf"
STATUS = {0: "RUNNING", 2: "CRASHED", 3: "TIMEOUT", 4: "MEMORYOUT"}


def load(path, /, **opts):
    return load_dataset({"kind": "smac", "path": str(path), **opts})


def history(run: Path) -> dict:
    return json.loads(next(run.rglob("runhistory.json")).read_text())


def mean_costs(data: list[dict]) -> dict[tuple, list[float]]:
    """Successful costs per (config, budget), in first-seen order: what the reader should average."""
    out: dict[tuple, list[float]] = {}
    for d in data:
        if d["status"] == 1:
            out.setdefault((str(d["config_id"]), d["budget"]), []).append(d["cost"])
    return out


def test_mlp_run_rows_are_configurations_averaged_over_seeds():
    ds, h = load(MLP), history(MLP)
    expected = mean_costs(h["data"])
    assert ds.name == "smac_mlp" and ds.y.name == "cost" and not ds.maximize and len(ds.fingerprint) == 64
    assert list(ds.extras["config_id"]) == [c for c, _ in expected]
    np.testing.assert_allclose(ds.y, [np.mean(v) for v in expected.values()])
    assert list(ds.extras["n_runs"]) == [len(v) for v in expected.values()]
    assert ds.details["averaged_rows"] == sum(len(v) > 1 for v in expected.values()) > 0
    assert ds.dropped == dict(Counter(STATUS[d["status"]] for d in h["data"] if d["status"] != 1))
    assert ds.fingerprint == load(MLP).fingerprint


def test_mlp_schema_comes_from_the_configuration_space():
    s = load(MLP).schema
    assert s["n_neurons"].scale == "log" and (s["n_neurons"].low, s["n_neurons"].high) == (8, 256) and not s["n_neurons"].levels
    assert s["n_layer"].scale == "linear" and s["n_layer"].levels == (1, 2, 3)
    assert s["solver"].levels == ("lbfgs", "sgd", "adam")  # declared order
    assert s["learning_rate"].levels == ("constant", "invscaling", "adaptive", ABSENT)
    assert s["learning_rate_init"].scale == "log" and (s["learning_rate_init"].low, s["learning_rate_init"].high) == (1e-4, 1.0)
    assert s["batch_size"].scale == "linear" and (s["batch_size"].low, s["batch_size"].high) == (30, 300)


def test_mlp_conditions_one_indicator_and_active_rows():
    ds = load(MLP)
    X, configs = ds.X, history(MLP)["configs"]
    solver = X["solver"].to_numpy()
    indicators = [f.name for f in ds.schema if f.is_categorical and f.levels == INDICATOR_LEVELS]
    assert indicators == ["active_solver_in_{sgd,adam}"]  # batch_size and learning_rate_init share it
    assert (X[indicators[0]] == np.where(solver != "lbfgs", "True", "False")).all()
    assert ((X["learning_rate"] == ABSENT) == (solver != "sgd")).all()
    assert (X.loc[solver == "lbfgs", "learning_rate_init"] == 1e-4).all()
    assert ds.conditions == (
        Condition(features=("batch_size", "learning_rate_init"), indicator="active_solver_in_{sgd,adam}",
                  condition="solver in {sgd,adam}", active_rows=int((solver != "lbfgs").sum())),
        Condition(features=("learning_rate",), indicator=None, condition="solver in {sgd}",
                  active_rows=int((solver == "sgd").sum())),
    )
    lbfgs = int((solver == "lbfgs").sum())
    assert ds.absent == {"batch_size": lbfgs, "learning_rate": int((solver != "sgd").sum()),
                                 "learning_rate_init": lbfgs}
    masks = active_masks(X, ds.conditions)
    for name, mask in masks.items():  # set exactly where the run history's configuration sets it
        assert mask.tolist() == [name in configs[c] for c in ds.extras["config_id"]]
    assert not ds.schema.outside_mask(X).to_numpy().any()


def test_multi_fidelity_budget_options():
    h = history(MF)
    per = mean_costs(h["data"])
    budgets = sorted({b for _, b in per})
    assert len(budgets) > 1
    top = {c: max(b for cc, b in per if cc == c) for c, _ in per}

    ds = load(MF)  # budget=max: each configuration at its own highest budget
    assert list(zip(ds.extras["config_id"], ds.extras["budget"])) == [(c, b) for c, b in per if b == top[c]]
    np.testing.assert_allclose(ds.y, [np.mean(v) for (c, b), v in per.items() if b == top[c]])
    assert ds.details["budgets"] == budgets and "budget" not in ds.schema.names

    low = load(MF, budget=budgets[0], min_rows=1)
    assert (low.extras["budget"] == budgets[0]).all()
    assert list(low.extras["config_id"]) == [c for c, b in per if b == budgets[0]]

    every = load(MF, budget="feature")
    assert len(every) == len(per) and every.schema["budget"].levels == tuple(budgets)
    assert (every.X["budget"] == every.extras["budget"]).all()
    assert len({load(MF).fingerprint, low.fingerprint, every.fingerprint}) == 3

    with pytest.raises(ConfigError, match=r"^data\.budget=7: no successful trial in .*runhistory\.json ran at that "
                                          r"budget; budgets: " + ", ".join(f"{b:g}" for b in budgets) + "$"):
        load(MF, budget=7)
    with pytest.raises(ConfigError, match=r"^data\.budget=feature: .*runhistory\.json records no budgets"):
        load(MLP, budget="feature")


# --- bad input: one line naming the file, option or entry -------------------------------------------------------

@pytest.fixture
def run(tmp_path) -> Path:
    """A writable copy of the MLP run; returns the folder holding its two files."""
    shutil.copytree(MLP, tmp_path / "run")
    return next((tmp_path / "run").rglob("runhistory.json")).parent


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def first(configs: dict, solver: str) -> dict:
    return next(c for c in configs.values() if c["solver"] == solver)


EDITS = {
    "unknown parameter": ("runhistory.json", lambda h: h["configs"]["3"].update(momentum=0.9), DataError,
                          r"runhistory\.json, config 3: parameter 'momentum' is not in .*configspace\.json; declared: "),
    "missing config": ("runhistory.json", lambda h: h["data"][0].update(config_id=999), DataError,
                       r"runhistory\.json, trial 1: config_id 999 is not among the run history's configs$"),
    "condition violated": ("runhistory.json", lambda h: first(h["configs"], "adam").update(learning_rate="constant"),
                           DataError, r"runhistory\.json, config \d+: 'learning_rate' is set although its condition "
                                      r"\(solver in \{sgd\}\) is false$"),
    "outside domain": ("runhistory.json", lambda h: h["configs"]["1"].update(n_neurons=1000), DataError,
                       r"runhistory\.json, config 1: n_neurons=1000 is outside its declared domain in .*configspace\.json$"),
    "smac 1.x": ("runhistory.json", lambda h: h.update(data=[[[1, None, 0, 0.0], [0.5, 1.0, 1, 0, 1, {}]]]), DataError,
                 r"runhistory\.json, trial 1: not a SMAC3 trial record .* \(older SMAC\) are not read$"),
    "multi-objective": ("runhistory.json", lambda h: [d.update(cost=[d["cost"], d["time"]]) for d in h["data"]],
                        ConfigError, r"has 2 objectives \(0: cost_0, 1: cost_1\); choose one with data\.objective"),
    "unknown type": ("configspace.json", lambda s: s["hyperparameters"][0].update(type="weird"), DataError,
                     r"configspace\.json: hyperparameter 'activation' has type 'weird'; known types: "),
    "bad condition": ("configspace.json", lambda s: s["conditions"][0].update(parent="optimizer"), DataError,
                      r"configspace\.json, condition 1: parent 'optimizer' is not a hyperparameter of the space$"),
}


@pytest.mark.parametrize("case", EDITS)
def test_bad_run_files(run, case):
    name, change, error, message = EDITS[case]
    edit(run / name, change)
    with pytest.raises(error, match=message) as info:
        load(run)
    assert "\n" not in str(info.value)


def test_multi_objective_by_index(run):
    edit(run / "runhistory.json", lambda h: [d.update(cost=[d["cost"], d["time"]]) for d in h["data"]])
    ds = load(run, objective=1)
    assert ds.y.name == "cost_1" and ds.details["objective"] == 1
    np.testing.assert_allclose(ds.y, ds.extras["time"])


def test_bad_folders_and_options(tmp_path, run):
    cases = [
        ({"path": None}, ConfigError, r"^data\.path is required for data=smac"),
        ({"budget": "most"}, ConfigError, r"^data\.budget='most': expected max, feature or a budget value$"),
        ({"path": run / "runhistory.json"}, DataError, r"runhistory\.json' is not a folder; data=smac reads"),
        ({"path": tmp_path / "nothing"}, DataError, r"nothing' is not a folder"),
    ]
    (tmp_path / "empty").mkdir()
    cases.append(({"path": tmp_path / "empty"}, DataError, r"empty is not a SMAC3 run: no runhistory\.json in it or below$"))
    shutil.copytree(FIXTURES / "raytune_sgd", tmp_path / "ray")
    cases.append(({"path": tmp_path / "ray"}, DataError, r"a Ray Tune experiment\? use data=raytune$"))
    shutil.copytree(MLP, tmp_path / "two" / "a")
    shutil.copytree(MLP, tmp_path / "two" / "b")
    cases.append(({"path": tmp_path / "two"}, ConfigError, r"holds 2 SMAC3 runs \(a/.*, b/.*\); point data\.path at one$"))
    for opts, error, message in cases:
        with pytest.raises(error, match=message) as info:
            load_dataset({"kind": "smac", "path": str(run), **{k: v if v is None else str(v) for k, v in opts.items()}})
        assert "\n" not in str(info.value)
    (run / "runhistory.json").write_text('{"data": [')
    with pytest.raises(DataError, match=r"runhistory\.json: not valid JSON \(Expecting value at line 1, column 11\)$"):
        load(run)
    (run / "configspace.json").unlink()
    with pytest.raises(DataError, match=r"runhistory\.json has no configspace\.json beside it"):
        load(run)


# --- #27: costs and statuses that are not what SMAC3 writes ------------------------------------------------------

def _first_success(h: dict) -> dict:
    return next(d for d in h["data"] if d["status"] == 1)


@pytest.mark.parametrize("cost, shown", [("abc", '"abc"'), ({}, "{}"), (True, "true"), ("0.92", '"0.92"')])
def test_costs_that_are_no_number(run, cost, shown):
    edit(run / "runhistory.json", lambda h: _first_success(h).update(cost=cost))
    trial = next(i for i, d in enumerate(history(run)["data"], start=1) if d["status"] == 1)
    with pytest.raises(DataError, match=rf"runhistory\.json, trial {trial}: cost {shown} is not a number$"):
        load(run)  # before: ValueError / TypeError tracebacks, and true read as a cost of 1.0


@pytest.mark.parametrize("status", ["SUCCESS", "StatusType.SUCCESS", {"__enum__": "StatusType.SUCCESS"}])
def test_status_by_name_or_as_an_enum_map(run, status):
    reference = load(run)
    edit(run / "runhistory.json", lambda h: _first_success(h).update(status=status))
    ds = load(run)  # before: "status SUCCESS" counted as a failure, or TypeError: unhashable type: 'dict'
    assert ds.dropped == reference.dropped and np.allclose(ds.y, reference.y)


def test_unknown_status_is_refused(run):
    edit(run / "runhistory.json", lambda h: _first_success(h).update(status="DONE"))
    with pytest.raises(DataError, match=r'runhistory\.json, trial \d+: status "DONE" is not a SMAC3 status \(a code '
                                        r"0-4 or one of RUNNING, SUCCESS, CRASHED, TIMEOUT, MEMORYOUT\)$"):
        load(run)


def test_costs_whose_spread_overflows(run):
    edit(run / "runhistory.json", lambda h: [d.update(cost=(-1) ** i * 1.7e308) for i, d in enumerate(h["data"])])
    with pytest.raises(DataError, match=r"costs from -1\.7e\+308 to 1\.7e\+308 overflow double-precision arithmetic "
                                        r"\(their mean or spread is infinite\); rescale them$"):
        load(run)  # before: averaged to inf, every surrogate failed, the summary said "failed"
