"""Data layer: one entry that turns a `data` config node into a Dataset."""
from __future__ import annotations

from collections.abc import Mapping

from omegaconf import DictConfig, OmegaConf

from harness.data import registry
from harness.data.dataset import Dataset
from harness.data.schema import Feature, Schema
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
    if kind not in registry.LOADERS:
        raise ConfigError(f"data.kind={kind!r} is unknown; known kinds: {', '.join(registry.LOADERS)}")
    load = registry.loader(kind)
    return load(d, order=order) if kind == "synthetic" else load(d)


def datasets_for(cfg, order=None) -> list[Dataset]:
    """The tables an experiment runs on: its ``tables`` (a list of data configs), the NMT ``pairs``
    it names, or else the one ``data`` table.

    ``pairs`` applies to the NMT tables only: with ``data=table`` (or any other
    kind) the experiment runs on that table.
    """
    tables = cfg.get("tables")
    if tables:
        return [load_dataset(_plain(t), order) for t in tables]
    base = _plain(cfg.data)
    pairs = cfg.get("pairs")
    if not pairs or base.get("kind", "nmt") != "nmt":
        return [load_dataset(base, order)]
    return [load_dataset({**base, "pair": p}, order) for p in pairs]
