"""data=raytune on a Ray Tune experiment committed under fixtures/ (made by scripts/make_reader_fixtures.py with
Ray Tune itself): flattened parameters, conditional ones, last/best report, budgets, progress.csv, bad input."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.data import load_dataset
from harness.data.infer import INDICATOR_LEVELS, active_masks
from harness.errors import ConfigError, DataError

EXPERIMENT = Path(__file__).parent / "fixtures" / "raytune_sgd"


def load(path=EXPERIMENT, /, **opts):
    return load_dataset({"kind": "raytune", "path": str(path), "metric": "accuracy", "mode": "max", **opts})


def curves(path=EXPERIMENT) -> dict[str, list[dict]]:
    """Each trial's reports as Ray wrote them in result.json, by trial folder name."""
    return {p.parent.name: [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
            for p in sorted(path.glob("*/result.json"))}


def params(path=EXPERIMENT) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(path.glob("*/params.json"))}


@pytest.fixture
def copy(tmp_path) -> Path:
    return Path(shutil.copytree(EXPERIMENT, tmp_path / "exp"))


def test_last_report_per_trial_and_schema():
    ds, runs, given = load(), curves(), params()
    assert ds.name == "raytune_sgd" and ds.maximize and ds.y.name == "accuracy" and len(ds.fingerprint) == 64
    assert list(ds.extras["trial_id"]) == list(runs)
    np.testing.assert_allclose(ds.y, [r[-1]["accuracy"] for r in runs.values()])
    assert list(ds.extras["training_iteration"]) == [r[-1]["training_iteration"] for r in runs.values()]
    assert ds.dropped == {} and ds.dropped_columns == ("epochs",)
    s = ds.schema
    assert s.names == ["alpha", "l1_ratio", "has_l1_ratio", "penalty", "schedule/eta0", "has_schedule/eta0",
                       "schedule/kind"]
    assert s["alpha"].scale == "log" and s["penalty"].levels == ("elasticnet", "l1", "l2")
    assert s["schedule/kind"].levels == ("constant", "invscaling", "optimal")
    assert list(ds.X["alpha"]) == [p["alpha"] for p in given.values()]
    # conditional: set (not null) only for elasticnet, and for schedules other than optimal
    elastic = ds.X["penalty"] == "elasticnet"
    stepped = ds.X["schedule/kind"] != "optimal"
    assert (ds.X["has_l1_ratio"] == np.where(elastic, "True", "False")).all()
    assert (ds.X["has_schedule/eta0"] == np.where(stepped, "True", "False")).all()
    masks = active_masks(ds.X, ds.conditions)
    assert (masks["l1_ratio"] == elastic).all() and (masks["schedule/eta0"] == stepped).all()
    assert [f.name for f in s if f.levels == INDICATOR_LEVELS] == ["has_l1_ratio", "has_schedule/eta0"]
    assert not s.outside_mask(ds.X).to_numpy().any()


def test_best_report_and_budget_options():
    runs = curves()
    best = load(report="best")
    np.testing.assert_allclose(best.y, [max(r["accuracy"] for r in c) for c in runs.values()])
    assert (best.y >= load().y).all() and best.fingerprint != load().fingerprint

    every = load(budget="feature")
    assert len(every) == sum(len(c) for c in runs.values())
    np.testing.assert_allclose(every.y, [r["accuracy"] for c in runs.values() for r in c])
    assert (every.X["training_iteration"] == every.extras["training_iteration"]).all()
    assert every.schema["training_iteration"].levels == tuple(sorted({r["training_iteration"] for c in runs.values() for r in c}))

    reached = {t: c for t, c in runs.items() if c[-1]["training_iteration"] >= 2}
    at2 = load(budget=2, min_rows=1)
    assert list(at2.extras["trial_id"]) == list(reached) and (at2.extras["training_iteration"] == 2).all()
    np.testing.assert_allclose(at2.y, [c[1]["accuracy"] for c in reached.values()])
    assert at2.dropped == {"short of the budget": len(runs) - len(reached)}


def test_progress_csv_when_result_json_is_absent(copy):
    for p in copy.glob("*/result.json"):
        p.unlink()
    ds, ref = load(copy), load()
    pd.testing.assert_frame_equal(ds.X, ref.X)
    np.testing.assert_allclose(ds.y, ref.y)
    assert ds.fingerprint != ref.fingerprint


def test_failed_trial_is_dropped_and_counted(copy):
    failed = sorted(copy.iterdir())[0]
    (failed / "error.txt").write_text("Traceback ...\nValueError: diverged\n")
    ds = load(copy)
    assert len(ds) == len(load()) - 1 and failed.name not in set(ds.extras["trial_id"])
    assert ds.dropped == {"ERROR": 1}


def test_list_values_become_one_level_without_brackets(copy):
    for i, p in enumerate(sorted(copy.glob("*/params.json"))):
        p.write_text(json.dumps({**json.loads(p.read_text()), "hidden": [64, 64] if i % 2 else [32]}))
    ds = load(copy)
    assert ds.schema["hidden"].levels == ("(32)", "(64, 64)")


BAD = [
    ({"metric": "acc"}, ConfigError, r"^data\.metric='acc' is not reported by any trial in .*; reported: accuracy, "),
    ({"mode": "maximise"}, ConfigError, r"^data\.mode='maximise': expected min or max$"),
    ({"mode": None}, ConfigError, r"^data\.mode is required for data=raytune"),
    ({"report": "first"}, ConfigError, r"^data\.report='first': expected last or best$"),
    ({"budget": "feature", "report": "best"}, ConfigError, r"^data\.report=best picks one report per trial"),
    ({"types": {"speed": "log"}}, ConfigError, r"^data\.types names 'speed', which is not a parameter; parameters: alpha"),
    ({"budget": 50}, DataError,
     r"has 0 rows \(trials with a result; dropped: \d+ short of the budget\); need at least 10 \(data\.min_rows\)$"),
]


@pytest.mark.parametrize("opts, error, message", BAD)
def test_bad_options(opts, error, message):
    with pytest.raises(error, match=message) as info:
        load(**opts)
    assert "\n" not in str(info.value)


def test_bad_folders_and_files(tmp_path, copy):
    with pytest.raises(DataError, match=r"data\.path='.*nowhere' is not a folder; data=raytune reads"):
        load(tmp_path / "nowhere")
    shutil.copytree(Path(__file__).parent / "fixtures" / "smac_mlp", tmp_path / "smac")
    with pytest.raises(DataError, match=r"smac is not a Ray Tune experiment: no trial folder \(params\.json\) in it or "
                                        r"below; it holds a runhistory\.json: a SMAC3 run\? use data=smac$"):
        load(tmp_path / "smac")
    trial = sorted(copy.iterdir())[1]
    lines = (trial / "result.json").read_text().splitlines()
    (trial / "result.json").write_text("\n".join([lines[0], lines[0][:40], *lines[1:]]) + "\n")
    with pytest.raises(DataError, match=rf"{trial.name}/result\.json, line 2: not valid JSON \("):
        load(copy)
    (trial / "result.json").unlink()
    (trial / "params.json").write_text("[1, 2]")
    with pytest.raises(DataError, match=rf"{trial.name}/params\.json: expected a JSON object, got list$"):
        load(copy)


# --- #27: keys that flatten to one name, reports whose iteration or metric is no number ---------------------------

def _edit_last_report(trial: Path, **changes) -> None:
    lines = (trial / "result.json").read_text().splitlines()
    lines[-1] = json.dumps({**json.loads(lines[-1]), **changes})
    (trial / "result.json").write_text("\n".join(lines) + "\n")


def test_keys_that_flatten_to_one_name_are_refused(copy):
    """``opt/lr`` beside ``{"opt": {"lr": …}}``: before, one parameter's values overwrote the other's."""
    for i, p in enumerate(sorted(copy.glob("*/params.json"))):
        p.write_text(json.dumps({**json.loads(p.read_text()), "opt/lr": 0.1 * (i + 1), "opt": {"lr": 0.01 * (i + 1)}}))
    with pytest.raises(DataError, match=r"params\.json: \[\"opt/lr\"\] and \[\"opt\"\]\[\"lr\"\] both flatten to the "
                                        r"name 'opt/lr'; one would overwrite the other$"):
        load(copy)


@pytest.mark.parametrize("value, shown", [("5", '"5"'), (None, "null"), (True, "true")])
def test_training_iteration_that_is_no_number(copy, value, shown):
    trial = sorted(copy.iterdir())[0]
    _edit_last_report(trial, training_iteration=value)
    n = len((trial / "result.json").read_text().splitlines())
    with pytest.raises(DataError, match=rf"{trial.name}/result\.json, line {n}: training_iteration is {shown}; Ray "
                                        r"writes a whole number there$"):  # before: TypeError from a comparison
        load(copy)


def test_metric_written_as_text(copy):
    trial = sorted(copy.iterdir())[0]
    _edit_last_report(trial, accuracy="0.92")
    with pytest.raises(DataError, match=rf"{trial.name}/result\.json, line \d+: accuracy is \"0\.92\", not a number$"):
        load(copy)  # before: the trial dropped as a "non-finite result"


def test_results_whose_spread_overflows(copy):
    for i, trial in enumerate(sorted(copy.iterdir())):
        _edit_last_report(trial, accuracy=(-1) ** i * 1.7e308)
    with pytest.raises(DataError, match=r"accuracy results from -1\.7e\+308 to 1\.7e\+308 overflow double-precision "
                                        r"arithmetic \(their mean or spread is infinite\); rescale them$"):
        load(copy)
