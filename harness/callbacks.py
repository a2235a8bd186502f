"""Hydra callbacks: check that the run dir can be written and take it for this run before Hydra makes it, and that a
sweep repeats no job; aggregate a multirun at its end."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from harness import rundir
from harness.errors import HarnessError

log = logging.getLogger("harness")


class CheckOutputDir(Callback):
    """Hydra creates the run (or sweep) dir itself and would answer an unwritable one with a traceback; and the
    folder is this run's alone from before Hydra writes into it (``harness.rundir``): a second run into it is
    refused before it can overwrite the first's ``.hydra/`` or log."""

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        _claim(OmegaConf.select(config, "hydra.run.dir"), "hydra.run.dir")

    def on_run_end(self, config: DictConfig, **kwargs) -> None:
        rundir.release(Path(str(OmegaConf.select(config, "hydra.run.dir"))))

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        _claim(OmegaConf.select(config, "hydra.sweep.dir"), "hydra.sweep.dir")

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        rundir.release(Path(str(OmegaConf.select(config, "hydra.sweep.dir"))))


class CheckSweep(Callback):
    """``-m seed=0,0`` would run the same job twice and then fail to aggregate the duplicates: refuse it first."""

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        from harness.config import repeated_values
        from harness.errors import ConfigError

        try:
            repeated_values(OmegaConf.select(config, "hydra.overrides.task") or [])
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None


def _claim(folder, option: str) -> None:
    try:
        Path(str(folder)).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: {option}={folder} cannot be created: {exc.strerror or exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    try:
        rundir.claim(Path(str(folder)), option)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


class AggregateSweep(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        from harness.aggregate import aggregate

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            aggregate(sweep_dir)
        except HarnessError as exc:
            log.error("aggregation of %s failed: %s", sweep_dir, exc)
            raise SystemExit(2) from None
        log.info("aggregated the sweep into %s", sweep_dir)
