"""Aggregate a folder of runs: ``python -m harness.aggregate DIR``.

Collects every job's ``metrics.csv`` below DIR (a multirun sweep dir, or any
folder of runs), refuses duplicate cells, keeps failed cells as rows, and
hands each experiment's rows to that experiment's own ``write_summary`` (its
``summarise``, then the surrogates that failed) — the same code that writes a
single run's summary — writing into DIR.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

from harness import experiments
from harness.errors import HarnessError, one_line
from harness.results import read_table, refuse_duplicates, write_csv

log = logging.getLogger("harness")


def collect(root: Path, table: str = "metrics", required: bool = True) -> pd.DataFrame:
    """Concatenate every job's ``<table>.csv`` below ``root`` (not the aggregate written into it)."""
    root = Path(root)
    if not root.is_dir():
        raise HarnessError(f"{root}: not a folder of runs")
    files = sorted(p for p in root.rglob(f"{table}.csv") if p.parent != root and not _is_aggregate(p))
    if not files:
        if not required:
            return pd.DataFrame()
        raise HarnessError(f"{root}: no {table}.csv found below it; expected one per job (results of a run or multirun)")
    frames = []
    for f in files:
        try:
            df = read_table(f)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise HarnessError(f"{f}: unreadable metrics file ({one_line(exc, 200)})") from None
        if table == "metrics" and "experiment" not in df.columns:
            raise HarnessError(f"{f}: no 'experiment' column; not a harness metrics file")
        df["source"] = str(f.parent.relative_to(root))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _is_aggregate(path: Path) -> bool:
    """Files written by an earlier aggregation are outputs, not inputs."""
    return (path.parent / ".aggregate").exists()


def aggregate(root: Path) -> dict[str, pd.DataFrame]:
    """Write the combined rows and each experiment's summary into ``root``; return the rows by experiment.

    An experiment names its tidy tables in ``tables`` (``metrics`` first); the
    others are collected the same way and passed to its ``summarise`` by name.
    """
    rows = collect(root)
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
            frame = collect(root, table, required=False)
            if len(frame) and "experiment" in frame.columns:
                frame = frame[frame["experiment"] == name]
            if len(frame):
                frame = frame.drop(columns=["source"]).reset_index(drop=True)
                write_csv(frame, target / f"{table}.csv")
            extra[table] = frame
        experiment.write_summary(part, target, **extra)
        out[name] = part
    return out


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
