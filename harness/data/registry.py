"""The readers by kind (``kind: table`` …), imported on first use so that an optional dependency (Optuna, pyarrow)
loads only when its kind is read.

A reader is a :class:`~harness.data.readers.base.Reader` subclass named here by ``"module:Class"``. The
synthetic generator is a package of its own above this layer (``harness.synthetic``); it is named here, not
imported, so the data layer depends on nothing above it.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import lru_cache

from harness.data.readers.base import Reader, ReaderOptions
from harness.errors import ConfigError

READERS: dict[str, str] = {
    "nmt": "harness.data.readers.nmt:NMTReader",
    "table": "harness.data.readers.table:TableReader",
    "optuna": "harness.data.readers.optuna_study:OptunaReader",
    "smac": "harness.data.readers.smac:SmacReader",
    "raytune": "harness.data.readers.raytune:RayTuneReader",
    "nmtlc": "harness.data.readers.nmtlc:NMTLCReader",
    "synthetic": "harness.synthetic:SyntheticReader",
}


@lru_cache(maxsize=None)
def reader(kind: str) -> type[Reader]:
    """The reader class of ``kind``; an unknown kind is one line naming the known ones."""
    if kind not in READERS:
        raise ConfigError(f"data.kind={kind!r} is unknown; known kinds: {', '.join(READERS)}")
    module, name = READERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def register_options(store) -> None:
    """Every reader's options type in Hydra's config ``store`` as ``schema/data/<kind>``, which the files of the
    ``data`` group (``conf/data/<kind>.yaml``, the NMT pairs, the synthetic presets) extend."""
    for kind in READERS:
        store.store(group="schema/data", name=kind, node=reader(kind).Options)


def options(data: Mapping | ReaderOptions, where: str = "data") -> ReaderOptions:
    """A data config (a mapping with its ``kind``, default ``nmt``; or options already read) as its reader's
    declared options: every key checked against that reader's declaration."""
    if isinstance(data, ReaderOptions):
        return data
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of reader options (with kind), got {type(data).__name__}")
    kind = str(data.get("kind") or "nmt")
    return reader(kind).Options.parse({**data, "kind": kind}, where)
