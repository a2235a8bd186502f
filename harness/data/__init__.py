"""Data layer: reader options in, typed Datasets out (``harness.data.readers``; the contract in ``readers.base``)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from harness.data import registry
from harness.data.dataset import Condition, Dataset
from harness.data.readers.base import Order, Reader, ReaderOptions
from harness.data.schema import Feature, Schema

__all__ = ["Condition", "Dataset", "Feature", "Reader", "ReaderOptions", "Schema", "load_dataset", "load_tables"]


def load_dataset(data: Mapping | ReaderOptions, order: Order | None = None) -> Dataset:
    """The one dataset a data config describes (a mapping with its ``kind``, or reader options).

    ``order`` is the HPO-order function a synthetic table sampled by an HPO method needs
    (``harness.hpo.sampler``); the data layer knows no HPO method itself.
    """
    opts = registry.options(data)
    return registry.reader(opts.kind)(opts, order).load()


def load_tables(tables: Sequence[Mapping | ReaderOptions], order: Order | None = None) -> list[Dataset]:
    """Every dataset of the given sources (data configs or reader options), in order: one per source, or one per
    task of a table of tasks."""
    read = [registry.options(t, f"tables[{i}]") for i, t in enumerate(tables)]
    return [ds for opts in read for ds in registry.reader(opts.kind)(opts, order).datasets()]
