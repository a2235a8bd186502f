"""The experiment contract: what every experiment module defines, and what a run of one returns.

An experiment arranges a grid of cells over tables, hands them to the cell
engine, writes its tidy tables into the run dir and summarises them. The
summary reads only the tidy tables, so a single run and the aggregation of a
multirun (``python -m harness.aggregate``) are summarised by the same code.
A surrogate that failed (its fit, or its own explainer) is never quiet: ``finish``
warns of it, the summary names it with its reason, and a run in which every
surrogate failed ends in an error after its rows are written.

A new experiment is one module ``harness/experiments/<name>.py`` whose
``EXPERIMENT`` is an instance of a subclass of :class:`Experiment`, its options
declared in ``harness.experiments.options`` (``BY_TASK``), plus one config
``conf/experiment/<name>.yaml`` that extends them and sets ``task: <name>``.
``run`` is handed a :class:`~harness.experiments.setup.Setup`: every option
already read and typed at the entry.
"""
from __future__ import annotations

import abc
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from harness.analysis.summary import every_surrogate_failed, surrogate_failures
from harness.config import RunOptions
from harness.errors import HarnessError
from harness.experiments.options import ExperimentOptions
from harness.experiments.setup import Setup
from harness.render import failures as render_failures
from harness.render.drawing import drawing
from harness.results import atomic_write_text
from harness.rundir import written
from harness.timing import stage

log = logging.getLogger("harness")


class EverySurrogateFailed(HarnessError):
    """Every requested surrogate failed on every row: the run has no result (its rows are written all the same)."""


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
    before: dict = field(default_factory=dict, repr=False)  # the files its folder held before it (harness.rundir)

    def wait(self) -> "ExperimentResult":
        if isinstance(self.summary, Future):
            self.summary = self.summary.result()
        return self

    @property
    def files(self) -> list[Path]:
        """Every file the run wrote (not those an earlier run left in its folder), relative paths sorted."""
        return written(self.output_dir, self.before)


class Experiment(abc.ABC):
    """One experiment.

    ``name`` is its ``task``; ``title`` heads its section of a report; ``keys`` are the columns that
    identify one row of its metrics (aggregation refuses duplicates on them); ``tables`` are the tidy
    tables it writes, ``metrics`` first, each passed to ``summarise`` by name; ``Options`` its declared
    options.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]] = ("metrics",)
    Options: ClassVar[type[ExperimentOptions]]
    # whether the run starts the figures' side processes before ``run`` (they import matplotlib while the cells fit);
    # an experiment that may find nothing to draw starts them itself (``harness.render.drawing.warm``)
    warm_early: ClassVar[bool] = True

    @abc.abstractmethod
    def run(self, setup: Setup) -> ExperimentResult:
        """Compute every cell of the setup, write the tidy tables into ``setup.run.output_dir``, summarise."""

    @abc.abstractmethod
    def summarise(self, rows: pd.DataFrame, out: Path, **tables: pd.DataFrame):
        """Summary tables, markdown and figures from the tidy tables alone; returns the summary table."""

    def write_summary(self, rows: pd.DataFrame, out: Path, **tables: pd.DataFrame):
        """``summarise``, then the surrogates that failed (named, with their reason) at the end of summary.md; a run
        in which every surrogate failed gets a summary.md that says so (there is nothing else to summarise).

        What a run's ``finish`` and the aggregation of a multirun (``harness.aggregate``) both write.
        """
        failures = surrogate_failures(rows)
        if every_surrogate_failed(rows, failures):
            atomic_write_text(out / "summary.md", render_failures.nothing(self.title, failures))
            return failures
        summary = self.summarise(rows, out, **tables)
        if len(failures):
            text = (out / "summary.md").read_text(encoding="utf-8").rstrip("\n")
            atomic_write_text(out / "summary.md", "\n".join([text, "", *render_failures.section(failures)]))
        return summary

    def finish(self, rows: pd.DataFrame, opts: RunOptions, **tables: pd.DataFrame) -> ExperimentResult:
        """The last step of ``run`` (its tidy tables written): warn of each failed surrogate, then summarise now or
        hand the summary to ``opts.defer`` (the full reproduction). Raises :class:`EverySurrogateFailed` (exit 2 on
        the command line) after writing the summary when every requested surrogate failed."""
        failures = surrogate_failures(rows)
        for failure in failures.itertuples():
            log.warning("%s: %s", self.name, render_failures.line(failure))
        if every_surrogate_failed(rows, failures):
            self.write_summary(rows, opts.output_dir, **tables)
            raise EverySurrogateFailed(
                f"{self.name}: every requested surrogate failed ("
                + "; ".join(f"{f.surrogate}: {f.reason}" for f in failures.itertuples())
                + f"); the failed rows and their reasons are in {opts.output_dir / 'metrics.csv'}")
        if opts.defer is not None:
            summary = opts.defer(self.write_summary, rows, opts.output_dir, **tables)
        else:
            with drawing(opts.n_jobs), stage("summary"):  # figures beside the tables and markdown
                summary = self.write_summary(rows, opts.output_dir, **tables)
        return ExperimentResult(self.name, opts.output_dir, rows, dict(tables), summary)


class ModuleExperiment(Experiment):
    """An experiment whose ``run`` and ``summarise`` are functions of its module, which ends with
    ``EXPERIMENT = ModuleExperiment(name, title, KEYS, run, summarise, TABLES)``; its options are ``options``,
    by default ``harness.experiments.options.BY_TASK[name]``."""

    def __init__(self, name: str, title: str, keys, run, summarise, tables=("metrics",),
                 options: type[ExperimentOptions] | None = None):
        from harness.experiments.options import BY_TASK

        self.name, self.title, self.keys, self.tables = name, title, tuple(keys), tuple(tables)
        self.Options = options or BY_TASK[name]
        self._run, self._summarise = run, summarise

    def run(self, setup: Setup) -> ExperimentResult:
        return self._run(setup)

    def summarise(self, rows: pd.DataFrame, out: Path, **tables: pd.DataFrame):
        return self._summarise(rows, out, **tables)
