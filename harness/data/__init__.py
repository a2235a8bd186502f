"""Data layer: one entry that turns a `data` config node into a Dataset."""
from __future__ import annotations

from collections.abc import Mapping

from omegaconf import DictConfig, OmegaConf

from harness.data.dataset import Dataset
from harness.data.schema import Feature, Schema
from harness.errors import ConfigError

__all__ = ["Dataset", "Feature", "Schema", "load_dataset", "datasets_for"]


def _plain(node) -> dict:
    if isinstance(node, DictConfig):
        return OmegaConf.to_container(node, resolve=True)
    return dict(node)


def load_dataset(data_cfg: Mapping) -> Dataset:
    """Dispatch on ``kind``; each loader validates its own input."""
    d = _plain(data_cfg)
    kind = d.get("kind", "nmt")
    if kind == "nmt":
        from harness.data.nmt import load_pair

        return load_pair(d["pair"], root=d.get("root"), base_url=d.get("base_url"), verify=d.get("verify", True))
    from harness.data import registry

    if kind not in registry.LOADERS:
        raise ConfigError(f"data.kind={kind!r} is unknown; known kinds: {', '.join(['nmt', *registry.LOADERS])}")
    return registry.loader(kind)(d)


def datasets_for(cfg) -> list[Dataset]:
    """The tables an experiment runs on: its ``tables`` (a list of data configs), the NMT ``pairs``
    it names, or else the one ``data`` table.

    ``pairs`` applies to the NMT tables only: with ``data=table`` (or any other
    kind) the experiment runs on that table.
    """
    tables = cfg.get("tables")
    if tables:
        return [load_dataset(_plain(t)) for t in tables]
    base = _plain(cfg.data)
    pairs = cfg.get("pairs")
    if not pairs or base.get("kind", "nmt") != "nmt":
        return [load_dataset(base)]
    return [load_dataset({**base, "pair": p}) for p in pairs]
