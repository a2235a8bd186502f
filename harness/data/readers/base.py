"""The reader contract: what every source kind (a table file, an Optuna study, a SMAC3 or Ray Tune run folder,
the NMT and NMTLC upstream files, the synthetic generator) declares and returns.

A reader is a subclass of :class:`Reader` with

* ``kind``: its name (``data=table``, ``{kind: smac, ...}``);
* ``Options``: its declared options (a :class:`ReaderOptions` dataclass: every option once, with its type,
  default and meaning; Hydra's ``data/<kind>`` config is that class);
* ``load()``: the :class:`~harness.data.dataset.Dataset` its options describe, with a ``fingerprint`` that
  identifies the content read and the options that shape the table (:meth:`Reader.fingerprint` hashes them the
  same way for every reader), or a one-line ``DataError``/``ConfigError`` naming the file, row or option;
* ``datasets()``: the datasets of one source (one per task for a table of tasks; ``[load()]`` otherwise);
* ``detect(path)``: whether a path given without a kind (``harness explain PATH``) is this kind's source.

Readers are registered by kind in ``harness.data.registry`` and imported on first use, so an optional
dependency (Optuna, pyarrow) loads only when its kind is read.
"""
from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Callable, ClassVar

from harness.data.dataset import Dataset
from harness.options import Options

# How a reader is handed the HPO-order function a table sampled by an HPO method needs (only the synthetic
# generator's does; ``harness.hpo.sampler`` makes one): the data layer knows no HPO method itself.
Order = Callable[..., Any]


@dataclasses.dataclass
class ReaderOptions(Options):
    """Base of the readers' options: ``kind`` selects the reader (a subclass fixes its default)."""

    section: ClassVar[str] = "data"
    kind: str = ""


class Reader(abc.ABC):
    """One source kind; see the module docstring for the contract."""

    kind: ClassVar[str]
    Options: ClassVar[type[ReaderOptions]]

    def __init__(self, options: ReaderOptions, order: Order | None = None):
        self.options = options
        self.order = order

    @abc.abstractmethod
    def load(self) -> Dataset:
        """The dataset the options describe."""

    def datasets(self) -> list[Dataset]:
        """Every dataset of this source: one unless the reader splits a source into several."""
        return [self.load()]

    @classmethod
    def detect(cls, path: Path) -> bool:
        """Whether ``path`` (given without a kind) is a source of this kind."""
        return False

    @staticmethod
    def fingerprint(content: dict) -> str:
        """The SHA-256 of the content read and the options that shape the table, as canonical JSON."""
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
