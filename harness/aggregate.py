"""Aggregate a folder of runs: ``python -m harness.aggregate DIR``.

Collects every job's ``metrics.csv`` below DIR (a multirun sweep dir, or any
folder of runs), refuses duplicate cells, keeps failed cells as rows, and
hands each experiment's rows to that experiment's own ``write_summary`` (its
``summarise``, then the surrogates that failed) — the same code that writes a
single run's summary — writing into DIR.

What it cannot read is never left out quietly: a job folder (``.hydra/`` or
``environment.json``: a run started there) without a ``metrics.csv``, a file
cut mid-row (its whole rows are kept, the cut one is not taken for a cell) or
one that is not a harness table is named in a warning and at the end of each
``summary.md``, and the aggregation then ends with an error (exit 2): its means
are over fewer jobs than the sweep ran, which a script must not take for the
whole sweep.
"""
from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path

import pandas as pd

from harness import experiments
from harness.errors import HarnessError, one_line
from harness.render.markdown import table as md_table
from harness.results import atomic_write_text, read_table, refuse_duplicates, write_csv

log = logging.getLogger("harness")

LEFT_OUT = "## Jobs left out\n"


class IncompleteSweep(HarnessError):
    """Some jobs' results could not be read: the aggregate is written without them, and says so."""


def collect(root: Path, table: str = "metrics", required: bool = True, unread: list[tuple[str, str]] | None = None
            ) -> pd.DataFrame:
    """Concatenate every job's ``<table>.csv`` below ``root`` (not the aggregate written into it).

    A file that cannot be read whole is described in ``unread`` (``(where, what)`` pairs appended to it) and left
    out, or the part of it that is whole kept; without ``unread`` it stops the collection with a HarnessError.
    """
    root = Path(root)
    if not root.is_dir():
        raise HarnessError(f"{root}: not a folder of runs")
    files = sorted(p for p in root.rglob(f"{table}.csv") if p.parent != root and not _is_aggregate(p))
    frames = []
    for f in files:
        df, problem = _read(f, table)
        if problem:
            if unread is None:
                raise HarnessError(f"{f}: {problem}")
            log.warning("%s: %s", f, problem)
            unread.append((str(f.relative_to(root)), problem))
        if df is not None:
            df["source"] = str(f.parent.relative_to(root))
            frames.append(df)
    if not frames:
        if not required:
            return pd.DataFrame()
        raise HarnessError(f"{root}: no {table}.csv found below it; expected one per job (results of a run or multirun)"
                           if not files else f"{root}: none of the {len(files)} {table}.csv files below it could be read")
    return pd.concat(frames, ignore_index=True)


def _read(path: Path, table: str) -> tuple[pd.DataFrame | None, str]:
    """A job's table and what was wrong with it ("" when nothing): ``write_csv`` ends every file with a newline, so
    a file that ends without one was cut mid-row (copied or synced in part); its whole rows are read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable ({one_line(exc, 200)}); the file is left out"
    problem = ""
    if text and not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
        problem = "its last row is cut (the file ends mid-row); that row is left out"
        if not text:
            return None, "cut within its header line; the file is left out"
    try:
        df = read_table(io.StringIO(text))
    except pd.errors.ParserError as exc:
        return None, f"not a table ({one_line(exc, 200)}); the file is left out"
    if table == "metrics" and "experiment" not in df.columns:
        return None, "no 'experiment' column (empty, or not a harness metrics file); the file is left out"
    return df, problem


def _silent_jobs(root: Path) -> list[tuple[str, str]]:
    """Job folders below ``root`` (a run started there: Hydra's ``.hydra/`` or the harness's ``environment.json``)
    with no metrics.csv in or below them: jobs that failed or were stopped before writing their rows."""
    marks = [p.parent for p in (*root.rglob(".hydra"), *root.rglob("environment.json")) if p.parent != root]
    out = []
    for job in sorted(set(marks)):
        if not _is_aggregate(job / "metrics.csv") and not any(job.rglob("metrics.csv")):
            out.append((f"{job.relative_to(root)}/", "no metrics.csv: the job failed or was stopped before writing "
                        "its rows (its harness.log says why)"))
            log.warning("%s: a job with no metrics.csv (it failed or was stopped before writing its rows)", job)
    return out


def _is_aggregate(path: Path) -> bool:
    """Files written by an earlier aggregation are outputs, not inputs."""
    return (path.parent / ".aggregate").exists()


def aggregate(root: Path) -> dict[str, pd.DataFrame]:
    """Write the combined rows and each experiment's summary into ``root``; return the rows by experiment.

    An experiment names its tidy tables in ``tables`` (``metrics`` first); the
    others are collected the same way and passed to its ``summarise`` by name.
    Raises :class:`IncompleteSweep` after writing everything when some job's results could not be read.
    """
    root = Path(root)
    unread = _silent_jobs(root) if root.is_dir() else []
    rows = collect(root, unread=unread)
    out = {}
    names = list(rows["experiment"].dropna().unique())
    for name in names:
        part = rows[rows["experiment"] == name].drop(columns=["source"]).reset_index(drop=True)
        experiment = experiments.get(str(name))
        refuse_duplicates(part, list(experiment.keys), f"{name} metrics under {root}")
        target = root if len(names) == 1 else root / name
        target.mkdir(parents=True, exist_ok=True)
        (target / ".aggregate").touch()  # marks outputs, so a later aggregation above never reads them as jobs
        write_csv(part, target / "metrics.csv")
        extra = {}
        for table in experiment.tables[1:]:
            frame = collect(root, table, required=False, unread=unread)
            if len(frame) and "experiment" in frame.columns:
                frame = frame[frame["experiment"] == name]
            if len(frame):
                frame = frame.drop(columns=["source"]).reset_index(drop=True)
                write_csv(frame, target / f"{table}.csv")
            extra[table] = frame
        experiment.write_summary(part, target, **extra)
        if unread:
            _append_left_out(target / "summary.md", list(dict.fromkeys(unread)))
        out[name] = part
    unread = list(dict.fromkeys(unread))
    if unread:
        shown = ", ".join(where for where, _ in unread[:3]) + (", …" if len(unread) > 3 else "")
        raise IncompleteSweep(f"{root}: {len(unread)} of the jobs' results could not be read whole ({shown}); the "
                              "summary is written without them and names them under 'Jobs left out'")
    return out


def _append_left_out(summary: Path, unread: list[tuple[str, str]]) -> None:
    text = summary.read_text(encoding="utf-8").rstrip("\n") if summary.exists() else ""
    section = [LEFT_OUT, "What the aggregation could not read; every table above is without it.", "",
               md_table(["job", "what could not be read"], unread), ""]
    atomic_write_text(summary, "\n".join([text, "", *section]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.aggregate", description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path, help="a multirun sweep dir or any folder holding runs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        aggregate(args.dir)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
