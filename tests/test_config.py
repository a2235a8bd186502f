"""Every config composes, and the real CLI runs once as a subprocess."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from harness import experiments
from harness.paths import config_root

CONF = Path(str(config_root()))
EXPERIMENTS = sorted(p.stem for p in (CONF / "experiment").glob("*.yaml"))
DATA = sorted(p.stem for p in (CONF / "data").glob("*.yaml"))
SURROGATES = sorted(p.stem for p in (CONF / "surrogate").glob("*.yaml"))


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    cfg.output_dir = "unused"  # resolved by Hydra only inside a real run
    return cfg


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes(experiment):
    cfg = composed(f"+experiment={experiment}")
    OmegaConf.to_container(cfg, resolve=True)
    assert cfg.task, f"conf/experiment/{experiment}.yaml selects no task"
    assert experiments.get(cfg.task).name == cfg.task == experiments.presets()[experiment]


@pytest.mark.parametrize("data", DATA)
def test_every_data_config_composes(data):
    cfg = composed(f"data={data}")
    assert OmegaConf.to_container(cfg.data, resolve=True)["kind"]


def test_primary_config_defaults():
    cfg = composed()
    assert cfg.task is None and cfg.data.pair == "sw-en"  # no experiment until one is selected
    assert list(cfg.seed) == [0, 1, 2, 3, 4]


def test_cli_describe_subprocess(tmp_path):
    """The real CLI, run from an unrelated folder, prints the six pairs and writes describe.csv."""
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "+experiment=describe", f"hydra.run.dir={out}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stderr
    for pair in ("zh-en", "ru-en", "ja-en", "en-ja", "sw-en", "so-en"):
        assert pair in proc.stdout
    assert re.search(r"^total +1983$", proc.stdout, re.M)
    table = pd.read_csv(out / "describe.csv")
    assert table.loc[table.feature == "dev_bleu", "count"].drop_duplicates().sum() == 1983
    assert (out / "environment.json").is_file() and (out / ".hydra" / "config.yaml").is_file()


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "+experiment=describe", "pairs=[xx-en]", f"hydra.run.dir={tmp_path/'r'}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: unknown language pair 'xx-en'; known pairs: zh-en, ru-en, ja-en, en-ja, sw-en, so-en"
    )
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("override, expected", [
    ("surrogate=nosuch", "error: In 'config': Could not find 'surrogate/nosuch' Available options in 'surrogate': ebm "),
    ("data=nosuch", "error: In 'config': Could not find 'data/nosuch' Available options in 'data': "),
    ("nosuch_key=1", ("error: Could not override 'nosuch_key'. To append to your config use +nosuch_key=1 "
                      "(Key 'nosuch_key' not in 'SizeSweepOptions')")),
    ("seed=[0", "error: no viable alternative at input '[0'"),
    ("surrogate=[linear,null]", "error: the overrides +experiment=size_sweep surrogate=[linear,null] hydra.run.dir="),
])
def test_cli_override_errors_are_one_line_and_exit_2(tmp_path, override, expected):
    """Hydra's own errors (an unknown option or key, a malformed override) are reported as the harness's are; so is
    an exception Hydra did not mean to raise (a TypeError while composing ``surrogate=[linear,null]``)."""
    run_dir = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "harness", "+experiment=size_sweep", override, f"hydra.run.dir={run_dir}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env={k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), proc.stderr
    assert not run_dir.exists()


def test_an_override_hydra_fails_on_is_one_line_in_python_too(tmp_path):
    from cli import refusal

    assert refusal("size_sweep", "surrogate=[linear,null]", output_dir=tmp_path / "r") == (
        "the overrides +experiment=size_sweep surrogate=[linear,null] cannot be composed into a config: "
        "TypeError: argument of type 'NoneType' is not iterable")


def test_a_config_option_chosen_twice_in_a_list_is_refused(tmp_path):
    """Hydra merges a group option listed twice into one: the run would hold fewer surrogates than were listed.
    (A sweep over options, ``-m surrogate=ebm,linear``, is no list: test_report.py runs one.)"""
    from cli import refusal

    assert refusal("size_sweep", "surrogate=[linear,tree,linear]", output_dir=tmp_path / "r") == (
        "surrogate=['linear', 'tree', 'linear']: linear appears more than once; give each value once")
    assert not (tmp_path / "r").exists()


def test_console_script_help():
    exe = Path(sys.executable).with_name("harness")
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "harness: benchmark glassbox surrogates" in proc.stdout


def test_fast_help_lists_the_groups_hydra_lists():
    """``--help`` alone is answered without Hydra's composition; with an override it is Hydra's: same groups."""
    fast = subprocess.run([sys.executable, "-m", "harness", "--help"], capture_output=True, text=True, timeout=60)
    full = subprocess.run([sys.executable, "-m", "harness", "seed=1", "--help"], capture_output=True, text=True, timeout=60)
    assert fast.returncode == full.returncode == 0

    def groups(text):
        section = text.split("== Configuration groups ==")[1].split("== Config ==")[0]
        return [line for line in section.splitlines() if line.split(":")[0] in ("data", "experiment", "surrogate")]

    assert groups(fast.stdout) == groups(full.stdout) and len(groups(fast.stdout)) == 3
    assert fast.stdout.splitlines()[0] == full.stdout.splitlines()[0] and "$HARNESS_DATA_DIR" in fast.stdout


def test_slurm_launcher_config_composes():
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason='needs pip install ".[slurm]"')
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=slurm", "hydra.launcher.partition=cpu"], return_hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.launcher.cpus_per_task == 2 and cfg.hydra.launcher.partition == "cpu"


def test_an_output_dir_that_does_not_resolve_is_refused(tmp_path, monkeypatch):
    """Not a silent run in the current folder: only ``${hydra:...}`` outside a Hydra run falls back to it."""
    from harness.app import run
    from harness.config import compose
    from harness.errors import ConfigError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^output_dir=\$\{nosuch\} cannot be resolved: .*nosuch"):
        run(compose(["+experiment=describe", "output_dir=${nosuch}"]))
    assert not list(tmp_path.iterdir())
