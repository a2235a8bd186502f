"""harness explain PATH: each flag becomes the override its source's reader takes, a path reaches Hydra exactly as
written, and a bad command line is one line with exit 2."""
from __future__ import annotations

from pathlib import Path

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from harness.errors import ConfigError
from harness.explain_command import overrides, quoted, run_name

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"
SMAC, RAY, OPTUNA = str(FIXTURES / "smac_mlp"), str(FIXTURES / "raytune_sgd"), str(FIXTURES / "optuna_mlp.db")


def parsed(values: list[str]) -> dict:
    """The overrides as Hydra reads them: key -> value."""
    return {o.key_or_group: o.value() for o in OverridesParser.create().parse_overrides(values)}


@pytest.mark.parametrize("argv, expected", [
    ([SMAC], {"data": "smac", "data.path": SMAC}),
    ([RAY, "--metric", "accuracy", "--mode", "max"], {"data": "raytune", "data.metric": "accuracy", "data.mode": "max"}),
    ([RAY, "--target", "accuracy", "--maximize", "--budget", "3"], {"data.metric": "accuracy", "data.mode": "max",
                                                                    "data.budget": "3"}),
    ([OPTUNA, "--study", "optuna_mlp", "--objective", "0"], {"data": "optuna", "data.storage": OPTUNA,
                                                            "data.study": "optuna_mlp", "data.objective": "0"}),
    ([SMAC, "--minimize", "--seed", "3", "pairs=2"], {"seed": "3", "pairs": 2}),
])
def test_flags_become_the_readers_options(argv, expected, tmp_path):
    args, folder = overrides(argv)
    assert args[0] == "+experiment=explain"
    values = parsed(args[1:])
    assert {k: values[k] for k in expected} == expected
    assert folder == Path("results/explain") / run_name(argv[0]) and values["hydra.run.dir"] == str(folder)


def test_a_table_takes_its_target_and_direction(tmp_path):
    (tmp_path / "runs.csv").write_text("lr,acc\n0.1,0.5\n")
    args, folder = overrides([str(tmp_path / "runs.csv"), "--target", "acc", "--minimize", "--out", str(tmp_path / "o")])
    values = parsed(args[1:])
    assert values["data"] == "table" and values["data.target"] == "acc" and values["data.maximize"] is False
    assert folder == tmp_path / "o" and values["hydra.run.dir"] == str(tmp_path / "o")


def test_a_run_folder_given_as_an_override_is_the_folder_printed(tmp_path):
    args, folder = overrides([SMAC, f"hydra.run.dir={tmp_path / 'page'}"])
    assert folder == tmp_path / "page" and [a for a in args if a.startswith("hydra.run.dir=")] == [
        f"hydra.run.dir={tmp_path / 'page'}"]
    with pytest.raises(ConfigError, match="^--out and hydra.run.dir= both name the output folder; give one$"):
        overrides([SMAC, "--out", str(tmp_path), f"hydra.run.dir={tmp_path / 'page'}"])


@pytest.mark.parametrize("text", ["/data/my runs/a,b=c.csv", "it's ${oc.env:HOME}", "back\\slash [x] {y}",
                                  "ends in a backslash\\", "a quote after one\\'"])
def test_a_value_reaches_hydra_as_written(text):
    value = parsed([f"data.path={quoted(text)}"])["data.path"]
    assert OmegaConf.create({"v": value}).v == text  # no interpolation made of it either


@pytest.mark.parametrize("argv, message", [
    ([], r"^harness explain: the following arguments are required: PATH \(see harness explain --help\)$"),
    ([SMAC, "--maximize"], r"^--maximize: a SMAC3 run minimises its cost"),
    ([SMAC, "--study", "x"], r"^--study: .* is a smac source; only an Optuna storage holds studies$"),
    ([OPTUNA, "--budget", "3"], r"^--budget: a optuna source has no such choice"),
    ([RAY, "--maximize", "--mode", "min"], r"^--mode min contradicts --maximize$"),
    ([RAY, "--target", "a", "--metric", "b"], r"^--target and --metric both name the score; give one$"),
    ([SMAC, "--bogus"], r"^'--bogus': not an option of harness explain"),
    ([SMAC, "pairs"], r"^'pairs': not an option of harness explain"),
])
def test_a_bad_command_line_is_one_line(argv, message):
    with pytest.raises(ConfigError, match=message) as err:
        overrides(argv)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("path, study, name", [
    ("smac3_output/mlp/0", None, "mlp"), ("runs/trials.csv", None, "trials"), ("sqlite:///x/study.db", None, "study"),
    ("study.db", "my study", "my_study"), ("~/ray_results/exp/", None, "exp"),
])
def test_the_default_folder_is_named_after_the_run(path, study, name):
    assert run_name(path, study) == name
