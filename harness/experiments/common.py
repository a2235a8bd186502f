"""What the fitting experiments share: loading the tables, splits, prefix cells."""
from __future__ import annotations

from functools import partial

import numpy as np

from harness.cells import Cell, Eval
from harness.data import load_tables
from harness.data.dataset import Dataset
from harness.data.splits import Split, subset_size, train_test_split
from harness.experiments.setup import Setup
from harness.surrogates.registry import SurrogateSpec
from harness.timing import stage


def datasets_of(setup: Setup) -> dict[str, Dataset]:
    """The run's tables by name; a synthetic table sampled by an HPO method takes its order from the run's order cache."""
    with stage("load"):
        return {ds.name: ds for ds in load_tables(setup.tables, order=partial(_order, setup.run.cache, setup.run.cache_dir))}


def _order(cache, cache_dir, *args, **kwargs):
    """The run's HPO order (``harness.hpo.sampler``), imported when a table first asks for one: the HPO methods import
    scipy (0.7 s), which only a synthetic table sampled by one of them needs."""
    from harness.hpo import sampler

    return sampler(cache, cache_dir)(*args, **kwargs)


def split_of(setup: Setup, ds: Dataset, seed: int) -> Split:
    return train_test_split(len(ds), seed, train_fraction=setup.split.train_fraction, n_train=setup.split.n_train)


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
