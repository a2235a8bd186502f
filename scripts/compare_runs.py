"""Are two trees of runs the same, number for number? For checking that a refactoring changed no output.

    python scripts/compare_runs.py BEFORE AFTER

BEFORE and AFTER hold run folders of the same names (each made by the same command, e.g. with two checkouts'
``python -m harness ... hydra.run.dir=BEFORE/<name>``). For every CSV of a run: same columns and rows, every value
equal apart from the columns that time the work (``*seconds*``, ``cached``); for every other text output
(markdown, JSON): the same bytes, apart from lines that print a time. Prints one line per run and exits 1 if any
differs.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

TIMING = re.compile(r"seconds|^cached$|wall|elapsed")
TIMED = re.compile(r"\bs\b|second|time")
SKIP = {"stages.json", "environment.json", "hydra.yaml", "overrides.yaml", "config.yaml", "harness.log"}


def _csv_differs(a: Path, b: Path) -> str | None:
    try:
        x, y = pd.read_csv(a), pd.read_csv(b)
    except pd.errors.EmptyDataError:  # a table with no columns (nothing to write)
        return None if a.read_bytes().strip() == b.read_bytes().strip() else "one is empty"
    if list(x.columns) != list(y.columns) or len(x) != len(y):
        return f"shape {x.shape} vs {y.shape}"
    keep = [c for c in x.columns if not TIMING.search(str(c))]
    if "measure" in x.columns:  # the leaderboard's rows of the time a method took
        x, y = x[x["measure"] != "seconds"], y[y["measure"] != "seconds"]
    bad = [c for c in keep if not x[c].reset_index(drop=True).equals(y[c].reset_index(drop=True))]
    return f"columns {bad}" if bad else None


def _untimed(text: str) -> list[str]:
    """The lines of a text output without what times the work: a line that prints seconds, a markdown table's
    columns headed by a time ("s per explanation", "fit seconds"), and a table under a caption that is one."""
    out, timed, in_table, timed_table = [], [], False, False
    for line in text.splitlines():
        if line.startswith("|"):
            cells = line.strip().strip("|").split("|")
            if not in_table:  # a table's header row
                timed = [i for i, c in enumerate(cells) if TIMED.search(c)]
            in_table = True
            if timed_table:
                continue
            line = "|".join(c for i, c in enumerate(cells) if i not in timed)
        elif re.search(r"\d s\b|seconds", line):
            continue
        elif line.strip():
            in_table, timed_table = False, bool(TIMED.search(line))
        out.append(line)
    return out


def _text_differs(a: Path, b: Path) -> str | None:
    return None if _untimed(a.read_text(encoding="utf-8")) == _untimed(b.read_text(encoding="utf-8")) else "text"


def compare(before: Path, after: Path) -> bool:
    same = True
    for run in sorted(p for p in before.iterdir() if p.is_dir() and (after / p.name).is_dir() and p.name != "cache"):
        differ, missing = [], []
        for f in sorted(run.rglob("*")):
            if not f.is_file() or f.name in SKIP or f.suffix not in (".csv", ".md", ".json"):
                continue
            g = after / run.name / f.relative_to(run)
            if not g.exists():
                missing.append(str(f.relative_to(run)))
                continue
            why = _csv_differs(f, g) if f.suffix == ".csv" else _text_differs(f, g)
            if why:
                differ.append(f"{f.relative_to(run)} ({why})")
        same &= not differ and not missing
        print(f"{run.name}: {'same' if not differ and not missing else 'DIFFERS'}"
              + (f"; differ: {', '.join(differ)}" if differ else "") + (f"; missing: {', '.join(missing)}" if missing else ""))
    return same


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    return 0 if compare(args.before, args.after) else 1


if __name__ == "__main__":
    sys.exit(main())
