"""Data layer: one entry that turns a `data` config node into a Dataset."""
from __future__ import annotations

from collections.abc import Mapping

from omegaconf import DictConfig, OmegaConf

from harness.data import registry
from harness.data.readers import tasks
from harness.data.dataset import Dataset
from harness.data.schema import Feature, Schema
from harness.config import distinct
from harness.errors import ConfigError

__all__ = ["Dataset", "Feature", "Schema", "load_dataset", "datasets_for"]


def _plain(node) -> dict:
    if isinstance(node, DictConfig):
        return OmegaConf.to_container(node, resolve=True)
    return dict(node)


def load_dataset(data_cfg: Mapping, order=None) -> Dataset:
    """Dispatch on ``kind``; each reader validates its own input.

    ``order`` is the HPO-order function a synthetic table sampled by an HPO method needs
    (``harness.hpo.sampler``); the data layer knows no HPO method itself.
    """
    d = _plain(data_cfg)
    kind = d.get("kind", "nmt")
    if _has_tasks(d):
        raise ConfigError(f"data.task={d['task']!r} makes one dataset per task; load it with datasets_for")
    if kind not in registry.LOADERS:
        raise ConfigError(f"data.kind={kind!r} is unknown; known kinds: {', '.join(registry.LOADERS)}")
    load = registry.loader(kind)
    return load(d, order=order) if kind == "synthetic" else load(d)


def _has_tasks(d: dict) -> bool:
    return d.get("kind") == "table" and d.get("task") not in (None, "")


def _load_all(d: dict, order) -> list[Dataset]:
    """One data config's datasets: one per task for a table of tasks (``data.task``), else the one table."""
    if _has_tasks(d):
        return tasks.load(d)
    return [load_dataset(d, order)]


def datasets_for(cfg, order=None) -> list[Dataset]:
    """The tables an experiment runs on: its ``tables`` (a list of data configs), the NMT ``pairs``
    it names, or else the one ``data`` table — each table of tasks (``data=table data.task=<column>``)
    giving one dataset per task.

    ``pairs`` applies to the NMT tables only: with ``data=table`` (or any other
    kind) the experiment runs on that table.
    """
    tables = cfg.get("tables")
    if tables:
        return [ds for t in tables for ds in _load_all(_plain(t), order)]
    base = _plain(cfg.data)
    pairs = cfg.get("pairs")
    if pairs is None or base.get("kind", "nmt") != "nmt":
        return _load_all(base, order)
    if isinstance(pairs, str):
        pairs = [pairs]
    if not pairs:
        from harness.data.readers.nmt import PAIRS

        raise ConfigError(f"pairs=[] names no table: list the pairs to run on ({', '.join(PAIRS)}), "
                          "or pairs=null for the one of data.pair")
    return [load_dataset({**base, "pair": p}, order) for p in distinct(list(pairs), "pairs")]
