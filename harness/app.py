"""The pure entry: ``run(cfg)`` reads a composed config once into typed objects (``harness.experiments.setup``) and
runs the experiment it names, in its output dir; ``register_configs`` gives Hydra the declared options first."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from omegaconf import DictConfig

from harness import experiments, lifeline, rundir
from harness.config import options_of
from harness.data import registry
from harness.errors import ConfigError
from harness.experiments.base import ExperimentResult
from harness.render import drawing
from harness.results import environment, write_json
from harness.timing import recording

log = logging.getLogger("harness")
_REGISTERED: list[bool] = []


def register_configs() -> None:
    """Hydra's config store gets every reader's and every experiment's declared options (``schema/data/<kind>``,
    ``schema/experiment/<task>``), which the YAML files under ``conf/`` extend; once per process, before any
    config is composed (launchers hand the store on to their jobs)."""
    if _REGISTERED:
        return
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    registry.register_options(store)
    experiments.register_options(store)
    _REGISTERED.append(True)


def run(cfg: DictConfig, output_dir: Path | None = None, overrides: Sequence[str] | None = None) -> ExperimentResult:
    """Run the experiment named by ``cfg.task``; outputs go to ``output_dir`` (default: ``cfg.output_dir``, the Hydra
    run dir). ``overrides``: those ``cfg`` was composed from (default: the Hydra command line's)."""
    lifeline.tie_to_starter()  # a parallel launcher's job ends with the sweep, however the sweep ends
    logging.getLogger("interpret").setLevel(logging.WARNING)  # its per-fit INFO lines drown the run's own log
    opts = options_of(cfg, output_dir, overrides)
    setup = experiments.setup_of(cfg, opts)
    try:
        opts.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in its place, a folder not ours to write
        raise ConfigError(f"output_dir={opts.output_dir} cannot be created: {exc.strerror or exc}") from None
    with rundir.claimed(opts.output_dir) as before:  # one run per folder; its earlier files are not this run's
        write_json({"task": setup.task, **environment()}, opts.output_dir / "environment.json")
        experiment = experiments.get(setup.task)
        if experiment.warm_early:
            drawing.warm(opts.n_jobs)  # the figures' side processes import matplotlib while the cells fit
        with recording(opts.output_dir):  # stages.json: where the run's time and memory went (harness.timing)
            result = experiment.run(setup).wait()
    result.before = before
    return result
