"""Every experiment's declared options: one dataclass per experiment, its defaults the paper's settings.

Each class is the Hydra schema its config extends (``conf/experiment/<name>.yaml`` starts with
``/schema/experiment/<task>``, so the file holds only what that preset changes), and what
``harness.experiments.setup.resolve`` reads the composed config's experiment keys into: a key no class
declares is refused by name. The classes sit in one module, apart from the experiments' code, so that the
command line registers them all with Hydra at start-up without importing every experiment (and scipy with
them); each experiment module names its own (``EXPERIMENT.Options``).
"""
from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, List, Optional

from harness.analysis.stability import DEFAULT_FRACTION
from harness.config import distinct
from harness.data.readers.nmt import PAIRS
from harness.errors import ConfigError
from harness.interpretation.scoring import DEFAULT_THRESHOLD
from harness.options import Options, option


@dataclasses.dataclass
class ExperimentOptions(Options):
    """Base of the experiments' options; ``check`` validates values against registries once they are read."""

    section: ClassVar[str] = ""

    def check(self) -> None:
        """Refuse values no type can rule out (an unknown HPO method, a size outside (0, 100])."""

    @classmethod
    def accepts(cls, key: str) -> bool:
        """Whether a key of the composed config is this experiment's to take (its own options)."""
        return key in cls.known()


@dataclasses.dataclass
class TablesOptions(ExperimentOptions):
    """An experiment over one or more tables: the ``data`` table, the NMT ``pairs`` it names, or ``tables``."""

    pairs: Any = option(None, "NMT pairs to run on (with an NMT data table); null = the table of data=", items=str)
    tables: Optional[List[Any]] = option(None, "data configs to run on instead of data=, e.g. [{kind: nmt, pair: "
                                               "zh-en}, {kind: nmtlc, task: finetune, pair: fr-en}]")
    title: Optional[str] = option(None, "the heading of this run's section in a reproduction report")


def check_sizes(sizes, key: str = "sizes") -> None:
    """Percentages of the training split, each in (0, 100] and given once."""
    from harness.data.splits import subset_size

    if not sizes:
        raise ConfigError(f"{key}: give at least one size in percent, e.g. {key}=[5,30,100]")
    for s in sizes:
        subset_size(s, 100)  # a ConfigError naming an impossible size
    distinct(list(sizes), key)


@dataclasses.dataclass
class DescribeOptions(TablesOptions):
    pairs: Any = option(factory=lambda: list(PAIRS), items=str, help="NMT pairs to describe; null = the table "
                                                                             "of data=")


@dataclasses.dataclass
class SizeSweepOptions(TablesOptions):
    sizes: Any = option(items=float, factory=lambda: [5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0],
                                help="percent of the training split, n = ceil(p * n_train)")

    def check(self) -> None:
        check_sizes(self.sizes)


@dataclasses.dataclass
class HPOOrderOptions(TablesOptions):
    methods: Any = option(items=str, factory=lambda: ["bo", "gb", "random"], help="HPO methods whose visiting orders "
                                                                             "are trained on: bo, gb, random, tpe")
    n_init: int = option(3, "seeded random initial points of every method", minimum=1)
    method_params: Any = option(factory=dict, help="per method, e.g. +method_params.gb.k=15, "
                                                   "+method_params.bo.refit_growth=1.5 (harness/hpo/)")
    sizes: Any = option(items=float, factory=lambda: [5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0,
                                                 100.0], help="percent of the order trained on")

    def check(self) -> None:
        from harness.hpo import METHODS

        unknown = [m for m in self.methods if m not in METHODS]
        if unknown or not self.methods:
            raise ConfigError(f"methods: unknown HPO method(s) {', '.join(unknown) or '(none given)'}; "
                              f"known: {', '.join(METHODS)}")
        distinct(list(self.methods), "methods")
        if self.method_params is not None and not isinstance(self.method_params, dict):
            raise ConfigError(f"method_params: expected a mapping per method, got {self.method_params!r}")
        check_sizes(self.sizes)


@dataclasses.dataclass
class StabilityOptions(HPOOrderOptions):
    stable_fraction: float = option(DEFAULT_FRACTION, "a ranking is stable at a size when its top-3 set equals the full-data "
                                         "top-3 in at least this share of the seeds")

    def check(self) -> None:
        super().check()
        if not 0 < self.stable_fraction <= 1:
            raise ConfigError(f"stable_fraction must be a share of the seeds in (0, 1], e.g. 0.8; "
                              f"got {self.stable_fraction!r}")


@dataclasses.dataclass
class InterpretOptions(TablesOptions):
    pairs: Any = option(factory=lambda: list(PAIRS), items=str, help="NMT pairs to interpret; null = the table "
                                                                             "of data=")


@dataclasses.dataclass
class TradeoffOptions(TablesOptions):
    pairs: Any = option(factory=lambda: list(PAIRS), items=str, help="NMT pairs; null = the table of data=")


@dataclasses.dataclass
class TransferOptions(TablesOptions):
    pairs: Any = option(factory=lambda: list(PAIRS), items=str, help="the tasks, in the order the matrices "
                                                                             "follow (the paper's)")
    feed: str = option("raw", "raw values, or each task scaled to its own [0, 1] (scaled)", choices=("raw", "scaled"))


@dataclasses.dataclass
class FidelityOptions(ExperimentOptions):
    grid: Any = option("default", "default | full: per seed, tables each with its own drawn function; or lists, "
                                  "every combination on the one function data= describes: "
                                  "grid=\"{n_rows:[50,400],snr:[1,16],sampling:[uniform,bo]}\"")
    n_tables: Optional[int] = option(None, "tables per seed; null = the grid's (default 24, full 120)", minimum=1)
    size_bands: Any = option(items=float, factory=lambda: [200.0], help="the leaderboard's size bands start at "
                                               "the least size and at each of these; null = one band per size")
    test_rows: int = option(2000, "fresh uniform rows of each table's function, scored against the noise-free "
                                  "signal", minimum=1)
    pool_size: int = option(600, "the HPO pool of a list grid's HPO-sampled tables, in place of data.pool_size (BO "
                                 "orders 600 rows in ~2 s; 2000: minutes)", minimum=2)
    pair_threshold: float = option(DEFAULT_THRESHOLD, "a pair is detected when its importance >= this x the largest "
                                        "single-feature importance", minimum=0)
    explainers: Any = option(factory=dict, help="more explainers reading each fit of a surrogate, each scored as a "
                                                "method of its own, <surrogate>+<name>: {ebm_quick: [top_gamma]}")

    def check(self) -> None:
        extra = self.explainers
        if not isinstance(extra, dict) or not all(isinstance(v, (list, tuple)) and all(isinstance(e, str) for e in v)
                                                  for v in extra.values()):
            raise ConfigError(f"explainers: expected a mapping surrogate -> list of explainer names, e.g. "
                              f"{{ebm_fast: [top_gamma]}}; got {extra!r}")
        if self.size_bands is not None and not all(e > 0 for e in self.size_bands):
            raise ConfigError(f"size_bands: expected null or a list of table sizes where a band starts, e.g. [200]; "
                              f"got {list(self.size_bands)!r}")


@dataclasses.dataclass
class ExplainOptions(ExperimentOptions):
    """``harness explain PATH``: one page on one run (the ``data`` table), by every surrogate listed."""

    reference: Optional[str] = option(None, "the surrogate whose importances order the page and whose shapes, pairs "
                                            "and ablation it shows; null = the first listed")
    folds: Optional[int] = option(None, "held-out fit: k >= 2 = k-fold cross-validation (k more fits per model); "
                                        "null = 5 folds for a run of at most 100 rows, else one fit on the split's "
                                        "training rows (split.*) scored on the rest", minimum=2)
    over: str = option("space", "where an additive surrogate's importance (EBM, GAM, ridge) is measured: space = "
                                "configurations drawn from the declared search space (the global sense), rows = the run's "
                                "rows (where the search went)", choices=("space", "rows"))
    pairs: int = option(3, "pair surfaces shown (the strongest pairs of the reference surrogate)", minimum=0)
    best: int = option(3, "best configurations listed", minimum=1)
    good_fraction: float = option(0.2, "the next search space narrows each hyperparameter that matters to the range "
                                       "of this top share of the rows (at least 5 rows)", minimum=0)
    negligible: float = option(0.05, "a hyperparameter whose importance (upper bound, where there is an interval) is "
                                     "below this share of the largest is fixed at its best value in the next search",
                               minimum=0)
    title: Optional[str] = option(None, "the page's title; null = Explanation of <the run's name>")

    def check(self) -> None:
        if not 0 < self.good_fraction <= 1:
            raise ConfigError(f"good_fraction must be a share of the rows in (0, 1], e.g. 0.2; got {self.good_fraction!r}")
        if not 0 <= self.negligible < 1:
            raise ConfigError(f"negligible must be a share of the largest importance in [0, 1), e.g. 0.05; "
                              f"got {self.negligible!r}")


@dataclasses.dataclass
class ReproduceOptions(ExperimentOptions):
    parts: Any = option(items=str, factory=lambda: ["interpret", "size_sweep", "hpo_order", "transfer", "interpret_llm",
                                               "fidelity", "stability", "tradeoff", "interpret_methods",
                                               "stability_methods"], help="the parts to run, in this order")
    part_overrides: Any = option(None, "overrides for every part (a list), or a mapping {PART: [...], default: "
                                       "[...]} giving parts their own")

    @classmethod
    def accepts(cls, key: str) -> bool:
        """Its own options, and any part's: an option given to a reproduction reaches the parts that declare it
        (``harness.experiments.reproduce.passthrough_overrides``)."""
        return any(key in options.known() for options in BY_TASK.values())


BY_TASK: dict[str, type[ExperimentOptions]] = {
    "describe": DescribeOptions, "size_sweep": SizeSweepOptions, "hpo_order": HPOOrderOptions,
    "stability": StabilityOptions, "interpret": InterpretOptions, "tradeoff": TradeoffOptions,
    "transfer": TransferOptions, "fidelity": FidelityOptions, "reproduce": ReproduceOptions,
    "explain": ExplainOptions,
}
