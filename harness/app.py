"""The pure entry: ``run(cfg)`` resolves the run options and hands the config to one experiment."""
from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from omegaconf import DictConfig, ListConfig, OmegaConf

from harness.errors import ConfigError
from harness.results import environment, write_json

log = logging.getLogger("harness")

EXPERIMENTS = {
    "describe": "harness.experiments.describe",
    "size_sweep": "harness.experiments.size_sweep",
    "hpo_order": "harness.experiments.hpo_order",
    "transfer": "harness.experiments.transfer",
    "interpret": "harness.experiments.interpret",
    "stability": "harness.experiments.stability",
    "fidelity": "harness.experiments.fidelity",
    "reproduce": "harness.experiments.reproduce",
}


@dataclass(frozen=True)
class RunOptions:
    """How a run executes (not what it computes): never part of a cell's identity."""

    output_dir: Path
    n_jobs: int
    threads: int
    cache: bool
    cache_dir: Path | None
    progress: bool
    # Where an experiment hands its summary (tables, figures) instead of writing it itself: the full
    # reproduction sends it to a side process so that it overlaps the next part's fits. None = summarise now.
    defer: Callable | None = None


def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple, ListConfig)):
        return list(value)
    return [value]


def seeds_of(cfg) -> list[int]:
    seeds = as_list(cfg.get("seed"))
    if not seeds:
        raise ConfigError("seed: give an integer or a list of integers")
    try:
        return [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise ConfigError(f"seed: expected integers, got {seeds}") from None


LOCAL_PARALLEL_LAUNCHERS = ("JoblibLauncher", "LocalSubmititLauncher")


def parallel_launcher() -> bool:
    """Is this job one of several that a Hydra launcher runs at once on this machine?"""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hc = HydraConfig.get()
    except (ImportError, ValueError):
        return False
    if hc.mode != RunMode.MULTIRUN:
        return False
    target = str(hc.launcher.get("_target_", ""))
    return any(target.endswith(name) for name in LOCAL_PARALLEL_LAUNCHERS) and hc.launcher.get("n_jobs", -1) != 1


def options_of(cfg, output_dir: Path | None = None) -> RunOptions:
    cores = os.cpu_count() or 1
    n_jobs = int(cfg.get("n_jobs", 1) or 1)
    if n_jobs < 0:
        n_jobs = max(1, cores + 1 + n_jobs)
    if parallel_launcher():  # jobs already share the cores: one cell and one thread each
        n_jobs = 1
    threads = cfg.get("threads")
    if threads is None:  # one thread per estimator: cells, not estimators, share the cores (EBM's own
        threads = 1      # process-per-bag parallelism costs more than it saves on tables this small)
    progress = cfg.get("progress", "auto")
    if progress == "auto":
        import sys

        progress = sys.stderr.isatty()
    cache_dir = cfg.get("cache_dir")
    out = Path(output_dir or cfg.get("output_dir") or ".")
    return RunOptions(
        output_dir=out,
        n_jobs=n_jobs,
        threads=int(threads),
        cache=bool(cfg.get("cache", True)),
        cache_dir=Path(cache_dir) if cache_dir else None,
        progress=bool(progress),
    )


def run(cfg: DictConfig, output_dir: Path | None = None):
    """Run the experiment named by ``cfg.task``; outputs go to ``output_dir`` (the Hydra run dir)."""
    task = cfg.get("task", "describe")
    if task not in EXPERIMENTS:
        raise ConfigError(f"task={task!r} is unknown; known experiments: {', '.join(EXPERIMENTS)}")
    logging.getLogger("interpret").setLevel(logging.WARNING)  # its per-fit INFO lines drown the run's own log
    opts = options_of(cfg, output_dir)
    opts.output_dir.mkdir(parents=True, exist_ok=True)
    write_json({"task": task, **environment()}, opts.output_dir / "environment.json")
    module = importlib.import_module(EXPERIMENTS[task])
    return module.run(cfg, opts)


def to_plain(node) -> dict | list:
    return OmegaConf.to_container(node, resolve=True) if isinstance(node, (DictConfig, ListConfig)) else node
