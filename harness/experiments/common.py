"""What the fitting experiments share: surrogate specs, splits, prefix cells, summaries."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from harness.cells import Cell, Eval
from harness.config import as_list, distinct, flag, number, to_plain
from harness.data import datasets_for
from harness.data.dataset import Dataset
from harness.data.splits import Split, subset_size, train_test_split
from harness.errors import ConfigError
from harness.explainers.registry import without_intervals
from harness.hpo import sampler
from harness.surrogates.registry import SurrogateSpec, load_spec
from harness.timing import stage


def datasets_of(cfg, opts) -> dict[str, Dataset]:
    """The run's tables by name; a synthetic table sampled by an HPO method takes its order from the run's order cache."""
    with stage("load"):
        return {ds.name: ds for ds in datasets_for(cfg, order=sampler(opts.cache, opts.cache_dir))}


def specs_of(cfg) -> list[SurrogateSpec]:
    """The surrogates selected by the ``surrogate`` config group, in the order given; with ``intervals: false`` each
    explainer measures no replicates (an experiment that reads only rankings)."""
    selected = to_plain(cfg.get("surrogate")) or {}
    if not selected:
        raise ConfigError("surrogate: select at least one (e.g. surrogate=ebm or surrogate=[ebm,gam])")
    specs = [load_spec(name, selected) for name in selected]
    if flag(cfg.get("intervals", True), "intervals"):
        return specs
    return [replace(s, explainer=without_intervals(s.explainer)) for s in specs]


def split_of(cfg, ds: Dataset, seed: int) -> Split:
    s = to_plain(cfg.get("split")) or {}
    return train_test_split(len(ds), seed, train_fraction=s.get("train_fraction", 0.8), n_train=s.get("n_train"))


def sizes_of(cfg, key: str = "sizes") -> list[float]:
    sizes = [number(s, key) for s in as_list(cfg.get(key))]
    if not sizes:
        raise ConfigError(f"{key}: give at least one size in percent, e.g. {key}=[5,30,100]")
    for s in sizes:
        subset_size(s, 100)  # raises a ConfigError naming an impossible size
    return distinct(sizes, key)


def prefix_cells(
    ds: Dataset,
    split: Split,
    order: np.ndarray,
    sizes: list[float],
    specs: list[SurrogateSpec],
    seed: int,
    keys: dict,
    explain: bool = False,
) -> list[Cell]:
    """Cells trained on the first p % of a visiting order of the training pool, tested on the split's test rows."""
    n_train = len(split.train)
    test = Eval(dataset=ds.name, rows=tuple(int(i) for i in split.test))
    cells = []
    for p in sizes:
        n = subset_size(p, n_train)
        # the training *set* defines the cell: sorted rows make equal sets one cell (all orders meet at 100 %)
        rows = tuple(sorted(int(i) for i in split.train[order[:n]]))
        for spec in specs:
            cells.append(
                Cell(
                    keys=tuple({**keys, "dataset": ds.name, "size_pct": _pct(p)}.items()),
                    train=ds.name,
                    train_rows=rows,
                    surrogate=spec,
                    seed=seed,
                    evals=(test,),
                    explain=explain,
                )
            )
    return cells


def _pct(p: float):
    return int(p) if float(p).is_integer() else float(p)
