"""The four recipes of docs/architecture.md, followed step by step: a surrogate, a method, a reader, an experiment.

Each one is added from outside the package, as a user would (a config folder on Hydra's search path, a module on
the Python path), and run through ``harness.run_experiment`` as the command line runs it. Where the recipe's step
is a line in one of the package's registries, the test makes that line with ``monkeypatch``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.config_store import ConfigStore

import harness
from harness import experiments
from harness.data import registry
from harness.errors import ConfigError
from harness.experiments import options as experiment_options

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
RUN = ["pairs=[zh-en]", "seed=[0]", "n_jobs=1", "cache=false"]  # cells in this process: the test's own modules need no import


def _conf(tmp_path: Path, group: str, name: str, text: str) -> str:
    """``text`` as ``<tmp>/conf/<group>/<name>.yaml``; the search-path override that finds it."""
    folder = tmp_path / "conf" / group
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(text)
    return f"hydra.searchpath=[file://{tmp_path / 'conf'}]"


def test_recipe_1_a_surrogate_is_one_yaml_file(tmp_path):
    yaml = re.search(r"## Recipe 1.*?```yaml\n(.*?)```", DOC.read_text(), flags=re.S).group(1)
    yaml = "\n".join(line[3:] for line in yaml.splitlines())  # the block is indented under its list item
    search = _conf(tmp_path, "surrogate", "knn", yaml)
    result = harness.run_experiment("interpret", [*RUN, "surrogate=[knn,linear]", search], output_dir=tmp_path / "run")
    assert (result.rows.status == "ok").all() and list(result.rows.surrogate) == ["knn", "linear"]
    imp = result.tables["importances"]
    knn = imp[(imp.surrogate == "knn") & (imp.kind == "main")]
    assert set(knn.feature_a) == {"bpe", "layers", "embed", "hidden", "heads", "lr"} and knn.importance.gt(0).any()


def test_recipe_2_an_importance_method_is_an_explainer_and_a_yaml_file(tmp_path):
    search = _conf(tmp_path, "method", "rank_correlation", """\
# @package method.rank_correlation
name: rank_correlation
library: scikit-learn
estimator:
  _target_: harness.surrogates.encoding.encoded
  numeric: raw
  categorical: onehot
  model:
    _target_: sklearn.ensemble.RandomForestRegressor
    n_estimators: 32
seed_param: model__random_state
threads_param: model__n_jobs
explainer: {_target_: recipe_method.PredictionRankCorrelation}
""")
    result = harness.run_experiment("interpret", [*RUN, "surrogate=[linear]", "method=[rank_correlation]", search],
                                    output_dir=tmp_path / "run")
    imp = result.tables["importances"].query("surrogate == 'rank_correlation'")
    assert (result.rows.status == "ok").all() and set(imp.measure) == {"|Spearman rho|"}
    assert imp.set_index("feature_a").importance.between(0, 1).all()


def test_recipe_3_a_reader_is_a_class_a_registry_line_and_a_yaml_file(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.READERS, "jsonl", "recipe_reader:JsonLinesReader")  # step 2: the registry line
    registry.reader.cache_clear()
    registry.register_options(ConfigStore.instance())  # what harness.app does at start-up, for the new kind
    search = _conf(tmp_path, "data", "jsonl", "defaults:\n  - /schema/data/jsonl@_here_\n  - _self_\n")
    log = tmp_path / "trials.jsonl"
    frame = pd.DataFrame({"lr": [10 ** (-k / 4) for k in range(40)], "width": [16, 32, 64, 128] * 10})
    frame["loss"] = (frame.lr.apply(lambda v: abs(v - 0.01)) * 10 + frame.width / 1000).round(6)
    log.write_text("\n".join(frame.apply(lambda r: r.to_json(), axis=1)) + "\n")
    result = harness.run_experiment("interpret", ["n_jobs=1", "cache=false", "surrogate=[linear]", "data=jsonl",
                                                  f"data.path={log}", "data.target=loss", "data.maximize=false", search],
                                    output_dir=tmp_path / "run")
    assert list(result.rows.dataset) == ["trials"] and (result.rows.status == "ok").all()
    assert harness.data.load_dataset({"kind": "jsonl", "path": str(log), "target": "loss"}).schema.names == ["lr", "width"]
    registry.reader.cache_clear()


def test_recipe_4_an_experiment_is_a_module_its_options_and_a_yaml_file(tmp_path, monkeypatch):
    import recipe_experiment

    monkeypatch.setitem(sys.modules, "harness.experiments.fit_all", recipe_experiment)  # step 1: the module
    monkeypatch.setitem(experiment_options.BY_TASK, "fit_all", recipe_experiment.FitAllOptions)  # step 2
    experiments.register_options(ConfigStore.instance())
    search = _conf(tmp_path, "experiment", "fit_all", """\
# @package _global_
defaults:
  - /schema/experiment/fit_all@_here_
  - override /surrogate: [linear, tree]
task: fit_all
digits: 4
""")
    known = experiments.presets()
    monkeypatch.setattr(experiments, "presets", lambda: {**known, "fit_all": "fit_all"})  # the config of step 3
    experiments._load.cache_clear()
    result = harness.run_experiment("fit_all", [*RUN, search], output_dir=tmp_path / "run")
    assert list(result.rows.surrogate) == ["linear", "tree"] and (tmp_path / "run" / "summary.md").is_file()
    assert "training MSE" in (tmp_path / "run" / "summary.md").read_text()
    with pytest.raises(ConfigError, match="digitz: not an option of fit_all; known: .*digits"):
        harness.run_experiment("fit_all", [*RUN, search, "+digitz=2"], output_dir=tmp_path / "bad")
    experiments._load.cache_clear()
