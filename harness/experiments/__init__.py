"""The experiments, looked up by name: each is a module ``harness.experiments.<name>`` with an ``EXPERIMENT``.

Configs under ``conf/experiment/`` select one with ``task:``; several configs may run one experiment
with different settings (``interpret_llm`` runs ``interpret`` on the NMTLC tables). Each config extends its
experiment's declared options (``harness.experiments.options``), which ``register_options`` puts in Hydra's
config store as ``schema/experiment/<task>``.
"""
from __future__ import annotations

import importlib
from functools import lru_cache

from omegaconf import OmegaConf

from harness.errors import ConfigError
from harness.experiments.base import Experiment, ExperimentResult
from harness.config import options_of
from harness.experiments.options import BY_TASK, ExperimentOptions
from harness.experiments.setup import Setup, resolve
from harness.paths import config_root


@lru_cache(maxsize=None)
def presets() -> dict[str, str]:
    """Experiment configs (``+experiment=NAME``) and the task each runs, from ``conf/experiment/*.yaml``."""
    out = {}
    for path in sorted((config_root() / "experiment").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".yaml"):
            node = OmegaConf.create(path.read_text(encoding="utf-8"))
            out[path.name[: -len(".yaml")]] = str(node.get("task", ""))
    # a config that only adds to another (reproduce_fast: defaults [reproduce]) runs that one's task
    for name, task in out.items():
        if not task:
            base = OmegaConf.create((config_root() / "experiment" / f"{name}.yaml").read_text()).get("defaults") or []
            out[name] = next((out[b] for b in base if isinstance(b, str) and out.get(b)), "")
    return out


def names() -> list[str]:
    """The experiments (tasks) the configs run, in config order."""
    return list(dict.fromkeys(t for t in presets().values() if t))


def get(name: str) -> Experiment:
    """The experiment ``name``, imported on first use and checked against the contract."""
    known = names()
    if name not in known:
        raise ConfigError(f"task={name!r} is not an experiment; known: {', '.join(known)}")
    return _load(name)


@lru_cache(maxsize=None)
def _load(name: str) -> Experiment:
    module = importlib.import_module(f"harness.experiments.{name}")
    exp = getattr(module, "EXPERIMENT", None)
    where = f"harness.experiments.{name}"
    if not isinstance(exp, Experiment):
        raise ConfigError(f"{where}: EXPERIMENT must be an instance of harness.experiments.base.Experiment")
    if exp.name != name:
        raise ConfigError(f"{where}: EXPERIMENT.name is {exp.name!r}, expected {name!r}")
    if not exp.tables or exp.tables[0] != "metrics":
        raise ConfigError(f"{where}: EXPERIMENT.tables must start with 'metrics', got {exp.tables!r}")
    if not (isinstance(exp.Options, type) and issubclass(exp.Options, ExperimentOptions)):
        raise ConfigError(f"{where}: EXPERIMENT.Options must be a subclass of "
                          "harness.experiments.options.ExperimentOptions")
    return exp


def setup_of(cfg, opts=None) -> Setup:
    """A composed config read into the typed setup of the experiment it names (``task``), run with ``opts``
    (default: the config's own run options)."""
    task = cfg.get("task")
    if not task:
        raise ConfigError("no experiment selected: add +experiment=NAME; experiments: " + ", ".join(presets()))
    return resolve(cfg, options_of(cfg, overrides=()) if opts is None else opts, get(str(task)).Options)


def register_options(store) -> None:
    """Every experiment's options type in Hydra's config ``store`` as ``schema/experiment/<task>``."""
    for task, options in BY_TASK.items():
        store.store(group="schema/experiment", name=task, node=options)


__all__ = ["Experiment", "ExperimentResult", "Setup", "get", "names", "presets", "register_options", "setup_of"]
