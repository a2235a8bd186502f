"""The experiments, looked up by name: each is a module ``harness.experiments.<name>`` with an ``EXPERIMENT``.

Configs under ``conf/experiment/`` select one with ``task:``; several configs may run one experiment
with different settings (``interpret_llm`` runs ``interpret`` on the NMTLC tables).
"""
from __future__ import annotations

import importlib
from functools import lru_cache

from omegaconf import OmegaConf

from harness.errors import ConfigError
from harness.experiments.base import Experiment, ExperimentResult
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
    return exp


__all__ = ["Experiment", "ExperimentResult", "get", "names", "presets"]
