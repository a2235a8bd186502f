"""The experiment contract: what every experiment module defines, and what a run of one returns.

An experiment arranges a grid of cells over tables, hands them to the cell
engine, writes its tidy tables into the run dir and summarises them. The
summary reads only the tidy tables, so a single run and the aggregation of a
multirun (``python -m harness.report``) are summarised by the same code.

A new experiment is one module ``harness/experiments/<name>.py`` whose
``EXPERIMENT`` is an instance of a subclass of :class:`Experiment`, plus one
config ``conf/experiment/<name>.yaml`` that sets ``task: <name>``.
"""
from __future__ import annotations

import abc
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from harness.config import RunOptions
from harness.timing import stage


@dataclass
class ExperimentResult:
    """What a run produced: its rows, its other tidy tables, its summary and the files in its run dir.

    ``summary`` is a Future while a deferred summary (the full reproduction's side process) is running;
    ``wait()`` blocks until it is written and re-raises its error.
    """

    name: str
    output_dir: Path
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: pd.DataFrame | Future | None = None

    def wait(self) -> "ExperimentResult":
        if isinstance(self.summary, Future):
            self.summary = self.summary.result()
        return self

    @property
    def files(self) -> list[Path]:
        """Every file the run wrote, relative paths sorted."""
        root = Path(self.output_dir)
        return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


class Experiment(abc.ABC):
    """One experiment.

    ``name`` is its ``task``; ``title`` heads its section of a report; ``keys`` are the columns that
    identify one row of its metrics (aggregation refuses duplicates on them); ``tables`` are the tidy
    tables it writes, ``metrics`` first, each passed to ``summarise`` by name.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]] = ("metrics",)

    @abc.abstractmethod
    def run(self, cfg, opts: RunOptions) -> ExperimentResult:
        """Compute every cell of the composed config ``cfg``, write the tidy tables into ``opts.output_dir``, summarise."""

    @abc.abstractmethod
    def summarise(self, rows: pd.DataFrame, out: Path, **tables: pd.DataFrame):
        """Summary tables, markdown and figures from the tidy tables alone; returns the summary table."""

    def finish(self, rows: pd.DataFrame, opts: RunOptions, **tables: pd.DataFrame) -> ExperimentResult:
        """The last step of ``run``: summarise now, or hand the summary to ``opts.defer`` (the full reproduction)."""
        if opts.defer is not None:
            summary = opts.defer(self.summarise, rows, opts.output_dir, **tables)
        else:
            with stage("summary"):
                summary = self.summarise(rows, opts.output_dir, **tables)
        return ExperimentResult(self.name, opts.output_dir, rows, dict(tables), summary)
