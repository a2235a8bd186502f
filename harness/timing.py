"""Where a run's time goes: the fit floor of its cells, and the wall time and peak memory of its stages.

The fit floor is the least wall time a run of cells could take on its cores:
the sum of the computed cells' recorded fit + predict (+ explain) seconds
divided by the cells running at once. A run's wall time over its floor says
how much the harness itself costs (scheduling, orders, tables, summaries,
figures). ``scripts/bench_run.py`` and the full reproduction's report both use it.

Stages name the rest of that cost. A run (``harness.app``) records into
``stages.json`` in its run dir the wall seconds and peak resident memory of
each stage the code below it marks with ``stage(name)``: load, split, orders,
cells, summary, figures. Time is exclusive (a stage inside another is
subtracted from it), so the stages and ``other`` add up to ``total``.
Memory is this process's peak within the stage (Linux resets the peak through
``/proc/self/clear_refs``; elsewhere the process's peak so far); cells fitted
in worker processes (``n_jobs`` > 1) are not in it. ``scripts/bench_scale.py``
reads the record to show how each stage grows with the table.
"""
from __future__ import annotations

import json
import resource
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import pandas as pd

from harness.results import atomic_write_text, read_table

STAGES_FILE = "stages.json"


def cell_work(run_dir: Path) -> pd.DataFrame:
    """Per computed cell below ``run_dir`` (every ``metrics.csv``): its fit, predict and explain seconds."""
    frames = [read_table(p) for p in sorted(Path(run_dir).rglob("metrics.csv"))]
    if not frames:
        return pd.DataFrame(columns=["fit", "predict", "explain"])
    rows = pd.concat(frames, ignore_index=True)
    # a computed cell appears once per eval (transfer: six test sets) and again wherever another
    # experiment reuses its result; each eval's predict time is a distinct measurement
    computed = rows[~rows["cached"].astype(bool)].drop_duplicates(["cell_id", "predict_seconds"])
    per_cell = computed.groupby("cell_id").agg(
        fit=("fit_seconds", "first"), predict=("predict_seconds", "sum"), explain=("explain_seconds", "first")
    )
    return per_cell[["fit", "predict", "explain"]].fillna(0)


def fit_floor(run_dir: Path, n_jobs: int) -> tuple[float, int]:
    """(floor in seconds, cells computed) over every ``metrics.csv`` below ``run_dir``: the cells' work shared by
    ``n_jobs`` at once, and never less than the longest cell (one cell cannot be split)."""
    work = cell_work(run_dir)
    per_cell = work.sum(axis=1)
    longest = float(per_cell.max()) if len(per_cell) else 0.0
    return max(float(per_cell.sum()) / max(n_jobs, 1), longest), len(work)


# ---------------------------------------------------------------- stages


def _peak_mb() -> float:
    """This process's peak resident memory in MB since the last ``_reset_peak``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak RSS to the current RSS
    except OSError:
        pass  # not Linux: the peak stays the process's peak so far


class Stages:
    """The stage record of one run: per stage, exclusive wall seconds, peak MB and how often it was entered."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[list] = []  # [name, start, seconds spent in stages inside it, peak seen before them]
        self._start = time.perf_counter()

    @contextmanager
    def stage(self, name: str):
        if self._stack:  # the outer stage's peak so far, before the reset below forgets it
            self._stack[-1][3] = max(self._stack[-1][3], _peak_mb())
        _reset_peak()
        self._stack.append([name, time.perf_counter(), 0.0, 0.0])
        try:
            yield
        finally:
            _, start, inner, peak = self._stack.pop()
            elapsed = time.perf_counter() - start
            peak = max(peak, _peak_mb())
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - inner
            self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), peak)
            self.calls[name] = self.calls.get(name, 0) + 1
            if self._stack:
                self._stack[-1][2] += elapsed
                self._stack[-1][3] = max(self._stack[-1][3], peak)

    def record(self) -> dict:
        total = time.perf_counter() - self._start
        return {"total_seconds": total, "other_seconds": total - sum(self.seconds.values()),
                "stages": {n: {"seconds": self.seconds[n], "peak_mb": self.peak_mb[n], "calls": self.calls[n]}
                           for n in self.seconds}}


_active: ContextVar[Stages | None] = ContextVar("harness_stages", default=None)


@contextmanager
def stage(name: str):
    """Count the enclosed code as stage ``name`` of the run being recorded (nothing when none is)."""
    stages = _active.get()
    if stages is None:
        yield
        return
    with stages.stage(name):
        yield


@contextmanager
def recording(out: Path):
    """Record the stages of the enclosed run and write them to ``out / stages.json`` (also when it fails)."""
    stages = Stages()
    token = _active.set(stages)
    try:
        yield stages
    finally:
        _active.reset(token)
        atomic_write_text(Path(out) / STAGES_FILE, json.dumps(stages.record(), indent=2) + "\n")
