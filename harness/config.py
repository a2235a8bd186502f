"""Reading run options: one parser per kind of value, one place for how a run executes.

Options come from Hydra (YAML values, command-line overrides) or from Python
callers, so each parser accepts what both give and refuses anything else
with a ConfigError naming the option.
"""
from __future__ import annotations

import math
import operator
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from omegaconf import DictConfig, ListConfig, OmegaConf

from harness.errors import ConfigError, one_line
from harness.paths import config_root
from harness.seeds import check_seed

TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple, ListConfig)):
        return list(value)
    return [value]


def to_plain(node):
    """A config node as plain Python (dicts and lists), anything else unchanged."""
    return OmegaConf.to_container(node, resolve=True) if isinstance(node, (DictConfig, ListConfig)) else node


def flag(value, option: str) -> bool:
    """A yes/no option: a bool, or one of true/false, yes/no, on/off, 1/0 (any case). Anything else is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ConfigError(f"{option}={value!r} is not a yes/no value; use true or false")


def integer(value, option: str, minimum: int | None = None) -> int:
    """A whole number (an int, or text that reads as one), at least ``minimum``."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, str):
            value = int(value.strip())
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        value = operator.index(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{option}={value!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{option}={value} must be at least {minimum}")
    return value


def number(value, option: str) -> float:
    """A finite real number."""
    try:
        if isinstance(value, bool):
            raise TypeError
        out = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{option}={value!r} is not a number") from None
    if not math.isfinite(out):
        raise ConfigError(f"{option}={value!r} must be finite")
    return out


def distinct(values: list, option: str) -> list:
    """``values`` unchanged if none repeats: a repeated seed or size would compute the same cells twice."""
    seen = set()
    for v in values:
        if v in seen:
            raise ConfigError(f"{option}={values}: {v} appears more than once; give each value once")
        seen.add(v)
    return values


def seeds_of(cfg) -> list[int]:
    seeds = as_list(cfg.get("seed"))
    if not seeds:
        raise ConfigError("seed: give a non-negative integer or a list of them")
    out = []
    for s in seeds:
        try:
            out.append(check_seed(int(s) if isinstance(s, str) and s.strip().lstrip("-").isdigit() else s))
        except ConfigError:
            raise ConfigError(f"seed={s!r}: expected a non-negative integer (or a list of them)") from None
    return distinct(out, "seed")


SAMPLE_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class ExplainSample:
    """When a cell is explained on a seeded sample of its training rows instead of all of them.

    Explainers evaluate the model on every row they are given, and exact TreeSHAP (2**p subsets per
    row) or model-agnostic methods on 100k rows cost minutes per cell; importances are means over the
    rows, so a uniform sample of ``rows`` rows estimates them closely (``scripts/bench_explain_sample.py``
    measures how closely). ``mode``: ``auto`` samples a training set of more than ``above`` rows, ``on``
    any set of more than ``rows`` rows, ``off`` never. Not part of a cell's identity: the sample is keyed
    into the explanation's version (``harness.cells``), so a fit is shared by sampled and full explanations.
    """

    mode: str = "auto"
    above: int = 20000
    rows: int = 10000

    def size(self, n: int) -> int:
        """Rows to explain a training set of ``n`` rows on: ``n`` when no sample is drawn."""
        limit = {"auto": self.above, "on": self.rows, "off": None}[self.mode]
        return n if limit is None or n <= limit else min(self.rows, n)

    def describe(self) -> str:
        """The rule in force, in words, for the record's ``method`` and the run's logs."""
        when = {"auto": f"above {self.above} rows", "on": "forced on", "off": "off"}[self.mode]
        return f"explain_sample mode={self.mode} ({when})"


def explain_sample_of(value) -> ExplainSample:
    """The ``explain_sample`` option: ``{mode, above, rows}`` (any may be left out), or just a mode (on/off/auto)."""
    value = to_plain(value)
    if value is None:
        return ExplainSample()
    if not isinstance(value, dict):
        value = {"mode": value}
    unknown = sorted(set(value) - {"mode", "above", "rows"})
    if unknown:
        raise ConfigError(f"explain_sample: unknown key(s) {', '.join(unknown)}; known: mode, above, rows")
    mode = value.get("mode", "auto")
    if isinstance(mode, bool) or str(mode).lower() in TRUE + FALSE:
        mode = "on" if flag(mode, "explain_sample.mode") else "off"
    if str(mode) not in SAMPLE_MODES:
        raise ConfigError(f"explain_sample.mode={mode!r}: expected one of {', '.join(SAMPLE_MODES)}")
    default = ExplainSample()
    return ExplainSample(mode=str(mode), above=integer(value.get("above", default.above), "explain_sample.above", 1),
                         rows=integer(value.get("rows", default.rows), "explain_sample.rows", 1))


@dataclass(frozen=True)
class RunOptions:
    """How a run executes (not what it computes): never part of a cell's identity."""

    output_dir: Path
    n_jobs: int = 1
    threads: int = 1
    cache: bool = True
    cache_dir: Path | None = None
    progress: bool = False
    executor: str = "local"  # where cells run: local, ray or dask (harness.executors)
    executor_address: str | None = None
    explain_sample: ExplainSample = ExplainSample()  # which cells are explained on a sample of their rows
    # the overrides this run was composed from (the command line's, or those given to run_experiment):
    # the full reproduction hands them on to every part
    overrides: tuple[str, ...] = ()
    # Where an experiment hands its summary (tables, figures) instead of writing it itself: the full
    # reproduction sends it to a side process so that it overlaps the next part's fits. None = summarise now.
    defer: Callable | None = None


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


def command_line_overrides() -> tuple[str, ...]:
    """The overrides Hydra's command line gave this job (none outside a Hydra app)."""
    try:
        from hydra.core.hydra_config import HydraConfig

        return tuple(str(o) for o in HydraConfig.get().overrides.task)
    except (ImportError, ValueError):
        return ()


def repeated_values(overrides: Sequence[str]) -> None:
    """Refuse, in the overrides, a value given twice that Hydra would take without a word: a config-group option
    listed twice (``surrogate=[ebm,ebm]``, merged into one surrogate) or a sweep value (``-m seed=0,0``, the same
    job run twice)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    groups = {d.name for d in config_root().iterdir() if d.is_dir()}
    for override in OverridesParser.create().parse_overrides([str(o) for o in overrides]):
        if override.is_sweep_override():
            try:
                values = list(override.sweep_string_iterator())
            except HydraException:  # a glob over config options: Hydra expands it against the config folder
                continue
            distinct(values, override.get_key_element().lstrip("+~"))
        elif override.key_or_group in groups and isinstance(override.value(), list):
            distinct([str(v) for v in override.value()], override.key_or_group)


def options_of(cfg, output_dir: Path | None = None, overrides: Sequence[str] | None = None) -> RunOptions:
    """The run options of a composed config; ``output_dir`` wins over ``cfg.output_dir``, and ``overrides``
    (those the config was composed from) over the command line's."""
    overrides = command_line_overrides() if overrides is None else tuple(str(o) for o in overrides)
    repeated_values(overrides)
    cores = os.cpu_count() or 1
    n_jobs = integer(cfg.get("n_jobs", 1) if cfg.get("n_jobs") is not None else 1, "n_jobs")
    if n_jobs == 0:
        raise ConfigError("n_jobs=0 runs nothing; use a positive count, or -1 for every core")
    if n_jobs < 0:
        n_jobs = max(1, cores + 1 + n_jobs)
    if parallel_launcher():  # jobs already share the cores: one cell and one thread each
        n_jobs = 1
    # one thread per estimator by default: cells, not estimators, share the cores (EBM's own
    # process-per-bag parallelism costs more than it saves on tables this small)
    threads = cfg.get("threads")
    threads = 1 if threads is None else integer(threads, "threads", minimum=1)
    progress = cfg.get("progress", "auto")
    progress = sys.stderr.isatty() if progress == "auto" else flag(progress, "progress")
    cache_dir = cfg.get("cache_dir")
    if output_dir is None:
        output_dir = _output_dir(cfg)
    return RunOptions(
        output_dir=Path(output_dir),
        n_jobs=n_jobs,
        threads=threads,
        cache=flag(cfg.get("cache", True), "cache"),
        cache_dir=Path(cache_dir) if cache_dir else None,
        progress=progress,
        executor=str(cfg.get("executor") or "local"),
        executor_address=str(cfg.get("executor_address")) if cfg.get("executor_address") else None,
        explain_sample=explain_sample_of(cfg.get("explain_sample")),
        overrides=overrides,
    )


def _output_dir(cfg) -> Path:
    """``cfg.output_dir`` (under Hydra, the run dir). Outside a Hydra run a ``${hydra:...}`` value has no run dir
    to resolve to: the current folder. Any other value that does not resolve is an error, not a silent ``.``."""
    from omegaconf.errors import OmegaConfBaseException

    try:
        value = cfg.get("output_dir")
    except OmegaConfBaseException as exc:
        raw = str(OmegaConf.to_container(cfg, resolve=False).get("output_dir"))
        if not raw.startswith("${hydra:"):
            raise ConfigError(f"output_dir={raw} cannot be resolved: {composition_error(exc)}") from None
        value = None
    return Path(value or ".")


def compose(overrides: list[str]) -> DictConfig:
    """The composed config for these overrides, as the command line would build it (Hydra's compose API).

    Inside a running Hydra app (the full reproduction composes its parts) the app's own initialisation
    is reused; otherwise the shipped configs are read.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        if GlobalHydra.instance().is_initialized():
            return hydra_compose(config_name="config", overrides=list(overrides))
        with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as exc:
        raise composition_error(exc) from None
    except Exception as exc:  # Hydra itself failing on an odd override (``surrogate=[linear,null]``)
        raise uncomposable(overrides, exc) from exc


def uncomposable(overrides, exc: Exception) -> ConfigError:
    """An error Hydra did not expect while composing these overrides, as one line naming them."""
    return ConfigError(f"the overrides {' '.join(map(str, overrides))} cannot be composed into a config: "
                       f"{type(exc).__name__}: {one_line(exc, 400)}"[:400])


def composition_error(exc: BaseException) -> ConfigError:
    """Hydra's or OmegaConf's error about the overrides as one line: what was wrong and, for an unknown config
    option, the options there are (without Hydra's config search path), with the OmegaConf cause it names."""
    text = str(exc).split("Config search path:")[0]
    cause = exc.__cause__
    if cause is not None and str(cause).split("\n")[0] not in text:
        text += " (" + str(cause).split("\n")[0] + ")"
    return ConfigError(" ".join(text.split())[:400])
