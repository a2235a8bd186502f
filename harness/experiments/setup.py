"""The one door from a composed config to typed objects: ``resolve(cfg, run) -> Setup``.

Hydra composes the config (``conf/``: the primary ``config.yaml``, a data group, surrogate files and an
experiment preset extending its declared options); this module reads it once, at the entry, into what an
experiment is handed — its own options (``harness.experiments.options``), the tables' reader options
(``harness.data``), the surrogates' specs (``harness.surrogates.registry``), the seeds, the split and the run's
execution options — and refuses any key nothing declares, by name: a misspelt key that Hydra lets through with
``+key=`` (``+sizs=[50]``, ``+data.maximise=false``) stops here instead of running with the defaults. Nothing
below this module reads the config.
"""
from __future__ import annotations

import dataclasses
import logging
import warnings
from typing import Any, Optional

from harness.config import RunOptions, distinct, flag, seeds_of, to_plain
from harness.data import ReaderOptions, registry
from harness.errors import ConfigError
from harness.explainers.registry import without_intervals
from harness.experiments.options import ExperimentOptions, TablesOptions
from harness.options import Options, option
from harness.surrogates.registry import SurrogateSpec, load_spec

log = logging.getLogger("harness")

# The keys of the primary config (conf/config.yaml, where their values are declared) that are not an
# experiment's own: how a run executes (RunOptions), what it computes on (data, surrogate, seed, split) and
# whether fits are explained (with intervals).
RUN_KEYS = ("n_jobs", "threads", "cache", "cache_dir", "progress", "executor", "executor_address", "explain_sample",
            "output_dir")
COMMON_KEYS = ("task", "data", "surrogate", "method", "seed", "split", "explain", "intervals", *RUN_KEYS)


@dataclasses.dataclass
class SplitOptions(Options):
    """The train/test split of every table (``split``); its values are declared in ``conf/config.yaml``."""

    section = "split"
    train_fraction: float = option(0.8, "round(train_fraction * n) training rows (614 of sw-en's 767)")
    n_train: Optional[int] = option(None, "or an exact count", minimum=1)


@dataclasses.dataclass(frozen=True)
class Setup:
    """What one experiment run is handed, typed: its options, the tables' reader options (``pairs`` and
    ``tables`` already expanded), the surrogates in the order given, the seeds, the split, whether cells are
    explained, and how the run executes (``run``)."""

    task: str
    options: ExperimentOptions
    tables: tuple[ReaderOptions, ...]
    surrogates: tuple[SurrogateSpec, ...]
    seeds: tuple[int, ...]
    split: SplitOptions
    explain: bool
    run: RunOptions
    data: ReaderOptions  # the data= table as configured (fidelity varies it; pairs and tables replace it)

    def replace(self, **changes) -> "Setup":
        return dataclasses.replace(self, **changes)


def resolve(cfg, run: RunOptions, options_type: type[ExperimentOptions]) -> Setup:
    """The typed setup of a composed config for the experiment whose options ``options_type`` declares."""
    plain = {k: to_plain(cfg[k]) for k in cfg if k != "output_dir"}  # output_dir: the run options' (RunOptions)
    unknown = [k for k in plain if k not in COMMON_KEYS and not options_type.accepts(k)]
    if unknown:
        known = sorted({*COMMON_KEYS, *options_type.known()} - {"task", "output_dir"})
        raise ConfigError(f"{unknown[0]}: not an option of {plain.get('task')}; known: {', '.join(known)}")
    options = options_type.parse({k: v for k, v in plain.items() if k in options_type.known()}, "")
    options.check()
    split = SplitOptions.parse(plain.get("split") or {}, "split")
    data = registry.options(plain.get("data") or {}, "data")
    return Setup(
        task=str(plain.get("task")),
        options=options,
        tables=tables_of(options, data),
        surrogates=surrogates_of(plain.get("surrogate"), plain.get("method"),
                                 intervals=flag(plain.get("intervals", True), "intervals")),
        seeds=tuple(seeds_of(plain)),
        split=split,
        explain=flag(plain.get("explain", True), "explain"),
        run=run,
        data=data,
    )


def tables_of(options: ExperimentOptions, data: ReaderOptions) -> tuple[ReaderOptions, ...]:
    """The sources an experiment runs on: its ``tables`` (data configs), the NMT ``pairs`` it names, or else the
    ``data`` table. ``pairs`` applies to the NMT tables only: with ``data=table`` (or any other kind) the
    experiment runs on that table."""
    if not isinstance(options, TablesOptions):
        return (data,)
    if options.tables:
        return tuple(registry.options(t, f"tables[{i}]") for i, t in enumerate(options.tables))
    pairs = options.pairs
    if pairs is None or data.kind != "nmt":
        return (data,)
    from harness.data.readers.nmt import PAIRS, check_pair

    if not pairs:
        raise ConfigError(f"pairs=[] names no table: list the pairs to run on ({', '.join(PAIRS)}), "
                          "or pairs=null for the one of data.pair")
    return tuple(data.replace(pair=check_pair(p)) for p in distinct(list(pairs), "pairs"))


def surrogates_of(surrogates: Any, methods: Any = None, intervals: bool = True) -> tuple[SurrogateSpec, ...]:
    """The surrogates selected by the ``surrogate`` config group, then the importance methods of the ``method``
    group, each in the order given. A method selected the old way (``surrogate=mdi``) is taken with a warning.
    With ``intervals=False`` (``intervals: false``: an experiment that reads rankings only) each explainer measures
    no replicates."""
    surrogates, methods = dict(surrogates or {}), dict(methods or {})
    for name, node in surrogates.items():
        if isinstance(node, dict) and node.get("role") == "method":
            message = (f"surrogate={name}: {name} is an importance method, selected with method={name}; "
                       "surrogate= will stop taking it in the next release")
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            log.warning("%s", message)
            surrogates[name] = {k: v for k, v in node.items() if k != "role"}
    if not surrogates and not methods:
        raise ConfigError("surrogate: select at least one surrogate (e.g. surrogate=ebm or surrogate=[ebm,gam]) "
                          "or importance method (method=[fanova,permutation])")
    specs = ([load_spec(name, surrogates) for name in surrogates]
             + [load_spec(name, methods) for name in methods])
    if not intervals:
        specs = [dataclasses.replace(s, explainer=without_intervals(s.explainer)) for s in specs]
    return tuple(specs)


