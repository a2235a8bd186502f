"""Hydra callback: when a multirun ends, aggregate its jobs into the sweep dir."""
from __future__ import annotations

import logging
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from harness.errors import HarnessError

log = logging.getLogger("harness")


class AggregateSweep(Callback):
    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        from harness.report import aggregate

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            aggregate(sweep_dir)
        except HarnessError as exc:
            log.error("aggregation of %s failed: %s", sweep_dir, exc)
            raise SystemExit(2) from None
        log.info("aggregated the sweep into %s", sweep_dir)
